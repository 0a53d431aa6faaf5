import { buildService, integrationEnv, temporaryFolder, testSigningKey } from '#shared/testing';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { SignJWT, generateKeyPair, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import app from '../src/app.js';
import { loadAuthConfig } from '../src/config.js';

const env = integrationEnv();
const ISSUER = 'https://hub.test/api/auth';
const AUDIENCE = 'hub-test';

describe('loadAuthConfig', () => {
  it('names every missing variable', () => {
    expect(() => loadAuthConfig({})).toThrow(/DATABASE_URL[\s\S]*REDIS_URL[\s\S]*JWT_ISSUER/);
  });

  it('requires a signing key file in production', () => {
    const production = {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://x/y',
      REDIS_URL: 'redis://x',
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
    };
    expect(() => loadAuthConfig(production)).toThrow(/JWT_PRIVATE_KEY_FILE/);
  });
});

// Against real PostgreSQL and Redis (TEST_DATABASE_URL, TEST_REDIS_URL, migrated): skipped without.
describe.skipIf(env === undefined)('auth-service API', () => {
  let server: FastifyInstance;
  let key: Awaited<ReturnType<typeof testSigningKey>>;
  const password = 'a long enough passphrase';
  const newEmail = () => `user-${crypto.randomUUID()}@example.org`;

  const keyFolder = temporaryFolder('auth-test-');
  beforeAll(async () => {
    key = await testSigningKey(keyFolder());
    const config = loadAuthConfig({
      ...env,
      NODE_ENV: 'test',
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      JWT_PRIVATE_KEY_FILE: key.file,
      LOGIN_MAX_FAILURES_PER_ACCOUNT: '3',
      LOGIN_MAX_FAILURES_PER_IP: '1000',
    });
    ({ app: server } = await buildService(app, { config }));
  });
  afterAll(async () => {
    await server.close();
  });

  const post = (url: string, payload: object, remoteAddress = '127.0.0.1') =>
    server.inject({ method: 'POST', url, payload, remoteAddress });
  const register = (email: string) => post('/api/auth/register', { email, password });
  const login = (email: string, secret = password) =>
    post('/api/auth/login', { email, password: secret });
  const me = (token: string) =>
    server.inject({ url: '/api/auth/me', headers: { authorization: `Bearer ${token}` } });
  const tokensOf = (response: LightMyRequestResponse) =>
    response.json<{ accessToken: string; refreshToken: string }>();

  describe('GET /health/ready', () => {
    it('answers ok once PostgreSQL and Redis answer', async () => {
      // The Redis client connects in the background: ready follows within moments of start-up.
      await vi.waitFor(async () => {
        expect((await server.inject({ url: '/health/ready' })).json()).toEqual({ status: 'ok' });
      });
    });
  });

  describe('GET /api/auth/openapi.json', () => {
    it('documents every route of the API and the JWKS', async () => {
      const document = (await server.inject({ url: '/api/auth/openapi.json' })).json<{
        openapi: string;
        paths: Record<string, Record<string, { security?: unknown }>>;
      }>();
      expect(document.openapi).toMatch(/^3\./);
      expect(
        Object.entries(document.paths).map(([path, item]) => `${Object.keys(item).join()} ${path}`),
      ).toEqual(
        expect.arrayContaining([
          'get /.well-known/jwks.json',
          'post /api/auth/register',
          'post /api/auth/login',
          'post /api/auth/refresh',
          'post /api/auth/logout',
          'get /api/auth/me',
        ]),
      );
      expect(document.paths['/api/auth/me']?.get?.security).toEqual([{ bearer: [] }]);
    });
  });

  describe('POST /api/auth/register', () => {
    it('creates an account without echoing the password or its hash', async () => {
      const email = newEmail();
      const response = await register(email);
      expect(response.statusCode).toBe(201);
      expect(response.json()).toMatchObject({ email });
      expect(response.body).not.toContain('scrypt');
      expect(response.body).not.toContain(password);
    });

    it('answers 409 for an address already taken, whatever its case', async () => {
      const email = newEmail();
      await register(email);
      expect((await register(email.toUpperCase())).statusCode).toBe(409);
    });

    it('answers 400 naming each bad field', async () => {
      const response = await post('/api/auth/register', {
        email: 'not-an-email',
        password: 'short',
      });
      expect(response.statusCode).toBe(400);
      const fields = response
        .json<{ fields: { field: string }[] }>()
        .fields.map((item) => item.field);
      expect(fields).toEqual(expect.arrayContaining(['email', 'password']));
    });

    it('accepts an address with non-ASCII letters (RFC 6531) and refuses malformed ones', async () => {
      const email = `jörg.müller+${crypto.randomUUID()}@bücher.example`;
      const created = await register(email);
      expect(created.statusCode).toBe(201);
      expect((await login(email)).statusCode).toBe(200);
      for (const bad of [
        'a b@example.org',
        'jörg@',
        '@example.org',
        'x@example',
        'x@-a.org',
        'nul\u0000@example.org',
        'zero\u200bwidth@example.org',
        'right\u202eleft@example.org',
      ]) {
        const refused = await register(bad);
        expect(refused.statusCode, bad).toBe(400);
        expect(refused.json<{ fields: { field: string }[] }>().fields).toEqual([
          expect.objectContaining({ field: 'email' }),
        ]);
      }
    });

    it('answers 400 to malformed JSON and to a wrong type, never 500', async () => {
      const malformed = await server.inject({
        method: 'POST',
        url: '/api/auth/register',
        headers: { 'content-type': 'application/json' },
        payload: '{"email":',
      });
      expect(malformed.statusCode).toBe(400);
      expect((await post('/api/auth/register', { email: 42, password: [] })).statusCode).toBe(400);
    });

    it('refuses a password that is not a string, where it was once coerced to one', async () => {
      const response = await post('/api/auth/register', {
        email: newEmail(),
        password: 123456789012,
      });
      expect(response.statusCode).toBe(400);
      expect(response.json<{ fields: { field: string }[] }>().fields).toEqual([
        { field: 'password', message: 'must be string' },
      ]);
    });

    it('answers 413 to an oversized body', async () => {
      const response = await post('/api/auth/register', {
        email: newEmail(),
        password: 'x'.repeat(2_000_000),
      });
      expect(response.statusCode).toBe(413);
    });
  });

  describe('POST /api/auth/login', () => {
    it('signs in with tokens whose kid is published in the JWKS', async () => {
      const email = newEmail();
      await register(email);
      const response = await login(email);
      expect(response.statusCode).toBe(200);
      const { accessToken } = tokensOf(response);
      const header = JSON.parse(
        Buffer.from(accessToken.split('.')[0] ?? '', 'base64url').toString(),
      ) as { kid: string; alg: string };
      expect(header.alg).toBe('ES256');
      const jwks = (await server.inject({ url: '/.well-known/jwks.json' })).json<{
        keys: { kid: string; d?: string }[];
      }>();
      expect(jwks.keys.map((jwk) => jwk.kid)).toEqual([header.kid]);
      expect(jwks.keys[0]).not.toHaveProperty('d');
    });

    it('gives the same answer for a wrong password and an unknown account', async () => {
      const email = newEmail();
      await register(email);
      const wrong = await login(email, 'not the password at all');
      const unknown = await login(newEmail());
      expect(wrong.statusCode).toBe(401);
      expect(unknown.statusCode).toBe(401);
      expect(wrong.json<{ message: string }>().message).toBe(
        unknown.json<{ message: string }>().message,
      );
    });

    it('throttles an account after repeated failures with 429 and Retry-After', async () => {
      const email = newEmail();
      await register(email);
      for (let attempt = 0; attempt < 3; attempt += 1) {
        expect((await login(email, 'wrong password')).statusCode).toBe(401);
      }
      const throttled = await login(email);
      expect(throttled.statusCode).toBe(429);
      expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
    });
  });

  describe('POST /api/auth/refresh', () => {
    it('rotates the refresh token, and a reused one revokes the whole family', async () => {
      const email = newEmail();
      await register(email);
      const first = tokensOf(await login(email));
      const rotated = await post('/api/auth/refresh', { refreshToken: first.refreshToken });
      expect(rotated.statusCode).toBe(200);
      const second = tokensOf(rotated);
      expect(second.refreshToken).not.toBe(first.refreshToken);

      expect(
        (await post('/api/auth/refresh', { refreshToken: first.refreshToken })).statusCode,
      ).toBe(401);
      expect(
        (await post('/api/auth/refresh', { refreshToken: second.refreshToken })).statusCode,
      ).toBe(401);
    });

    it('refuses an unknown token', async () => {
      expect((await post('/api/auth/refresh', { refreshToken: 'made-up' })).statusCode).toBe(401);
    });
  });

  describe('POST /api/auth/logout', () => {
    it('revokes the refresh token', async () => {
      const email = newEmail();
      await register(email);
      const { refreshToken } = tokensOf(await login(email));
      expect((await post('/api/auth/logout', { refreshToken })).statusCode).toBe(204);
      expect((await post('/api/auth/refresh', { refreshToken })).statusCode).toBe(401);
    });
  });

  describe('GET /api/auth/me', () => {
    it('answers the signed-in user', async () => {
      const email = newEmail();
      await register(email);
      const response = await me(tokensOf(await login(email)).accessToken);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ email });
    });

    const sign = (
      claims: { iss?: string; aud?: string; exp?: number },
      signingKey: CryptoKey,
      kid: string,
    ) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'ES256', kid })
        .setSubject(crypto.randomUUID())
        .setJti(crypto.randomUUID())
        .setIssuer(claims.iss ?? ISSUER)
        .setAudience(claims.aud ?? AUDIENCE)
        .setExpirationTime(claims.exp ?? '5m')
        .sign(signingKey);

    it('refuses a missing, malformed, expired, foreign, misaddressed or unsigned token with 401', async () => {
      const other = await generateKeyPair('ES256');
      const kid = key.publicJwk.kid ?? '';
      const unsigned = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(
        JSON.stringify({ sub: 'x', iss: ISSUER, aud: AUDIENCE, exp: 4102444800 }),
      ).toString('base64url')}.`;
      const tokens = [
        'not-a-jwt',
        unsigned,
        await sign({ exp: Math.floor(Date.now() / 1000) - 60 }, key.privateKey, kid),
        await sign({}, other.privateKey, kid),
        await sign({ aud: 'someone-else' }, key.privateKey, kid),
        await sign({ iss: 'https://evil.example' }, key.privateKey, kid),
      ];
      for (const token of tokens) {
        expect((await me(token)).statusCode).toBe(401);
      }
      expect((await server.inject({ url: '/api/auth/me' })).statusCode).toBe(401);
    });
  });
});
