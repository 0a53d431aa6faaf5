import { afterEach, describe, expect, it, vi } from 'vitest';

import { integrationEnv } from '../src/testing.js';

describe('integrationEnv', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('names the servers the integration suites use', () => {
    vi.stubEnv('TEST_DATABASE_URL', 'postgres://ci:ci@localhost:5432/ci');
    vi.stubEnv('TEST_REDIS_URL', 'redis://localhost:6379');
    expect(integrationEnv()).toEqual({
      DATABASE_URL: 'postgres://ci:ci@localhost:5432/ci',
      REDIS_URL: 'redis://localhost:6379',
    });
  });

  it('lets the suites skip without them', () => {
    vi.stubEnv('TEST_DATABASE_URL', undefined);
    vi.stubEnv('INTEGRATION_TESTS', undefined);
    expect(integrationEnv()).toBeUndefined();
  });

  it('fails where they are required and one is missing', () => {
    vi.stubEnv('TEST_DATABASE_URL', 'postgres://ci:ci@localhost:5432/ci');
    vi.stubEnv('TEST_REDIS_URL', undefined);
    vi.stubEnv('INTEGRATION_TESTS', 'required');
    expect(integrationEnv).toThrow(
      /INTEGRATION_TESTS=required, but TEST_DATABASE_URL or TEST_REDIS_URL/,
    );
  });
});
