import { describe, expect, it } from 'vitest';

import { isDependencyUnavailable } from '../../src/http/dependency-error.js';

const withCode = (code: string) => Object.assign(new Error(code), { code });

describe('isDependencyUnavailable', () => {
  it.each(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', '57P01', '57P03'])(
    'knows the code %s',
    (code) => {
      expect(isDependencyUnavailable(withCode(code))).toBe(true);
    },
  );

  it('knows the pool timeout of node-pg and the closed connection of ioredis', () => {
    expect(isDependencyUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(
      true,
    );
    expect(isDependencyUnavailable(new Error('Connection is closed.'))).toBe(true);
    const offline = "Stream isn't writeable and enableOfflineQueue options is false";
    expect(isDependencyUnavailable(new Error(offline))).toBe(true);
  });

  it('looks through causes and aggregate errors', () => {
    expect(
      isDependencyUnavailable(new Error('query failed', { cause: withCode('ECONNRESET') })),
    ).toBe(true);
    expect(isDependencyUnavailable(new AggregateError([withCode('ECONNREFUSED')]))).toBe(true);
  });

  it('leaves bugs and bad data as they are', () => {
    expect(isDependencyUnavailable(new TypeError('x is undefined'))).toBe(false);
    expect(isDependencyUnavailable(withCode('23505'))).toBe(false);
    expect(isDependencyUnavailable('ECONNREFUSED')).toBe(false);
  });
});
