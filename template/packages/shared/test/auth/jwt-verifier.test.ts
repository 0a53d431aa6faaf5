import { createLocalJWKSet, SignJWT, type JWTVerifyGetKey } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { createJwtVerifier } from '../../src/index.js';
import { temporaryFolder, testSigningKey } from '../../src/testing.js';

const keyFolder = temporaryFolder('verifier-test-');
const SETTINGS = { issuer: 'https://hub.test/api/auth', audience: 'hub-test' };

async function signer() {
  const key = await testSigningKey(keyFolder());
  const local = createLocalJWKSet({ keys: [key.publicJwk] });
  let lookups = 0;
  // Counts the key lookups, one per signature actually checked.
  const keys: JWTVerifyGetKey = (header, token) => {
    lookups += 1;
    return local(header, token);
  };
  const sign = (expiresAt: number) =>
    new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: key.publicJwk.kid ?? '' })
      .setSubject('user-1')
      .setJti(crypto.randomUUID())
      .setIssuer(SETTINGS.issuer)
      .setAudience(SETTINGS.audience)
      .setExpirationTime(expiresAt)
      .sign(key.privateKey);
  return { keys, sign, lookups: () => lookups };
}

describe('createJwtVerifier', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('checks a token once, then remembers it until it expires', async () => {
    const { keys, sign, lookups } = await signer();
    const verify = createJwtVerifier(keys, SETTINGS);
    const expiresAt = Math.floor(Date.now() / 1000) + 60;
    const token = await sign(expiresAt);

    const first = await verify(token);
    expect(await verify(token)).toEqual(first);
    expect(first).toMatchObject({ userId: 'user-1', expiresAt });
    expect(lookups()).toBe(1);

    vi.useFakeTimers({ toFake: ['Date'], now: (expiresAt + 1) * 1000 });
    await expect(verify(token)).rejects.toThrow(/exp/);
    expect(lookups()).toBe(2);
  });

  it('remembers a bounded number of tokens, forgetting the oldest first', async () => {
    const { keys, sign, lookups } = await signer();
    const verify = createJwtVerifier(keys, { ...SETTINGS, remembered: 2 });
    const expiresAt = Math.floor(Date.now() / 1000) + 60;
    const [oldest, middle, newest] = await Promise.all([1, 2, 3].map(() => sign(expiresAt)));
    for (const token of [oldest, middle, newest]) await verify(token ?? '');
    expect(lookups()).toBe(3);

    await verify(middle ?? '');
    await verify(newest ?? '');
    expect(lookups()).toBe(3);
    await verify(oldest ?? '');
    expect(lookups()).toBe(4);
  });

  it('remembers nothing of a token that fails its check', async () => {
    const { keys, sign, lookups } = await signer();
    const verify = createJwtVerifier(keys, { ...SETTINGS, audience: 'another-api' });
    const token = await sign(Math.floor(Date.now() / 1000) + 60);
    await expect(verify(token)).rejects.toThrow();
    await expect(verify(token)).rejects.toThrow();
    expect(lookups()).toBe(2);
  });
});
