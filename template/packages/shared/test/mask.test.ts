import { describe, expect, it } from 'vitest';

import { REDACTED, maskSecrets, maskString } from '../src/index.js';

describe('maskSecrets', () => {
  it('masks sensitive keys at any depth and in arrays', () => {
    const masked = maskSecrets({
      user: { email: 'a@b.c', password: 'hunter2' },
      headers: { Authorization: 'Bearer abc', 'x-api-key': 'k', cookie: 's=1' },
      sessions: [{ refresh_token: 'r1' }, { accessToken: 'a1' }],
    });
    expect(masked).toEqual({
      user: { email: 'a***@b.c', password: REDACTED },
      headers: { Authorization: REDACTED, 'x-api-key': REDACTED, cookie: REDACTED },
      sessions: [{ refresh_token: REDACTED }, { accessToken: REDACTED }],
    });
  });

  it('masks extra keys when asked', () => {
    expect(maskSecrets({ ssn: '123', name: 'x' }, { extraKeys: ['SSN'] })).toEqual({
      ssn: REDACTED,
      name: 'x',
    });
  });

  it('cuts cycles instead of throwing', () => {
    const node: Record<string, unknown> = { name: 'loop' };
    node.self = node;
    expect(maskSecrets(node)).toEqual({ name: 'loop', self: '[Circular]' });
  });

  it('keeps repeated (non-cyclic) references', () => {
    const shared = { id: 1 };
    expect(maskSecrets({ a: shared, b: shared })).toEqual({ a: { id: 1 }, b: { id: 1 } });
  });

  it('truncates very deep objects', () => {
    let deep: Record<string, unknown> = { leaf: true };
    for (let level = 0; level < 20; level += 1) deep = { next: deep };
    expect(JSON.stringify(maskSecrets(deep))).toContain('[Truncated]');
  });

  it('turns errors into objects with their cause chain', () => {
    const error = new Error('outer', { cause: new Error('inner') });
    const masked = maskSecrets({ err: error }) as {
      err: { message: string; cause: { message: string } };
    };
    expect(masked.err.message).toBe('outer');
    expect(masked.err.cause.message).toBe('inner');
  });
});

describe('maskString', () => {
  it.each([
    [
      'a JWT',
      'token eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl here',
      'token [REDACTED] here',
    ],
    [
      'a bearer credential',
      'Authorization: Bearer abc.def-ghi',
      'Authorization: Bearer [REDACTED]',
    ],
    ['a basic credential', 'basic dXNlcjpwYXNz', 'basic [REDACTED]'],
    ['URL credentials', 'postgres://app:s3cret@db:5432/app', 'postgres://[REDACTED]@db:5432/app'],
    ['an email, partly', 'sent to ada.lovelace@acme.dev', 'sent to a***@acme.dev'],
    [
      'line breaks (log injection)',
      'ok\r\n{"level":"info","message":"forged"}',
      'ok {"level":"info","message":"forged"}',
    ],
  ])('masks %s', (_what, input, output) => {
    expect(maskString(input)).toBe(output);
  });

  it('cuts very long strings instead of scanning them whole', () => {
    const masked = maskString('x'.repeat(100_000));
    expect(masked.length).toBeLessThan(9_000);
    expect(masked.endsWith('[truncated]')).toBe(true);
  });

  it('masks strings at any depth of an object', () => {
    expect(maskSecrets({ a: [{ note: 'Bearer abc' }] })).toEqual({
      a: [{ note: 'Bearer [REDACTED]' }],
    });
  });
});
