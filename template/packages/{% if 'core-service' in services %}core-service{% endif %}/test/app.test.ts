import {
  buildService,
  integrationEnv,
  serveJwks,
  temporaryFolder,
  testSigningKey,
} from '#shared/testing';
import type { FastifyInstance } from 'fastify';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import app from '../src/app.js';
import { loadCoreConfig } from '../src/config.js';

const env = integrationEnv();
const ISSUER = 'https://hub.test/api/auth';
const AUDIENCE = 'hub-test';

describe('loadCoreConfig', () => {
  it('names every missing variable', () => {
    expect(() => loadCoreConfig({})).toThrow(/DATABASE_URL[\s\S]*REDIS_URL[\s\S]*JWT_ISSUER/);
  });
});

// Against real PostgreSQL and Redis (TEST_DATABASE_URL, TEST_REDIS_URL, migrated) and a real
// JWKS endpoint on loopback: skipped without the databases.
describe.skipIf(env === undefined)('core-service API', () => {
  let server: FastifyInstance;
  let jwks: Awaited<ReturnType<typeof serveJwks>>;
  let key: Awaited<ReturnType<typeof testSigningKey>>;

  const keyFolder = temporaryFolder('core-test-');
  beforeAll(async () => {
    key = await testSigningKey(keyFolder());
    jwks = await serveJwks([key.publicJwk]);
    const config = loadCoreConfig({
      ...env,
      NODE_ENV: 'test',
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      AUTH_JWKS_URL: jwks.url,
    });
    ({ app: server } = await buildService(app, { config }));
  });
  afterAll(async () => {
    await server.close();
    await jwks.close();
  });

  const tokenFor = (userId: string) =>
    new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: key.publicJwk.kid ?? '' })
      .setSubject(userId)
      .setJti(crypto.randomUUID())
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('5m')
      .sign(key.privateKey);

  const as = async (userId: string) => {
    const authorization = `Bearer ${await tokenFor(userId)}`;
    return (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
      server.inject({
        method,
        url: `/api/core${url}`,
        headers: { authorization },
        ...(payload ? { payload } : {}),
      });
  };

  describe('POST /api/core/workspaces', () => {
    it('creates a workspace owned by the caller', async () => {
      const call = await as(crypto.randomUUID());
      const response = await call('POST', '/workspaces', {
        name: 'Research',
        description: 'Agents',
      });
      expect(response.statusCode).toBe(201);
      expect(response.json()).toMatchObject({ name: 'Research', description: 'Agents' });
      expect(response.json()).not.toHaveProperty('ownerId');
    });

    it('answers 400 naming the bad field', async () => {
      const call = await as(crypto.randomUUID());
      const response = await call('POST', '/workspaces', { name: '' });
      expect(response.statusCode).toBe(400);
      expect(response.json<{ fields: { field: string }[] }>().fields[0]?.field).toBe('name');
    });

    it.each([{ name: 'nul\u0000byte' }, { name: 'ok', description: 'nul\u0000byte' }])(
      'answers 400, not 500, to a NUL character PostgreSQL cannot store %#',
      async (payload) => {
        const call = await as(crypto.randomUUID());
        const response = await call('POST', '/workspaces', payload);
        expect(response.statusCode).toBe(400);
        const field = 'description' in payload ? 'description' : 'name';
        expect(response.json<{ fields: { field: string }[] }>().fields[0]?.field).toBe(field);
      },
    );

    it.each(['bearer', 'BEARER'])('takes the scheme in any case (%s)', async (scheme) => {
      const response = await server.inject({
        method: 'POST',
        url: '/api/core/workspaces',
        headers: { authorization: `${scheme} ${await tokenFor(crypto.randomUUID())}` },
        payload: { name: 'Any case' },
      });
      expect(response.statusCode).toBe(201);
    });

    it.each([
      [{ name: 42 }, 'name', 'must be string'],
      [{ name: true }, 'name', 'must be string'],
      [{ name: ['x'] }, 'name', 'must be string'],
      [{ name: null }, 'name', 'must be string'],
      [{ name: 'ok', color: 'red' }, 'color', 'is not a known field'],
    ])(
      'answers 400 to a body that is not what the schema says: %j',
      async (payload, field, message) => {
        const call = await as(crypto.randomUUID());
        const response = await call('POST', '/workspaces', payload);
        expect(response.statusCode).toBe(400);
        const { fields } = response.json<{ fields: { field: string; message: string }[] }>();
        expect(fields).toContainEqual({ field, message });
      },
    );

    it('answers 401 without a token, before it reads or validates the body', async () => {
      for (const payload of [{ name: 'x' }, { name: 42, unknown: true }]) {
        const response = await server.inject({
          method: 'POST',
          url: '/api/core/workspaces',
          payload,
        });
        expect(response.statusCode).toBe(401);
        expect(response.headers['www-authenticate']).toContain('Bearer');
      }
    });
  });

  describe('GET /api/core/workspaces', () => {
    it("lists the caller's workspaces newest first, page by page", async () => {
      const call = await as(crypto.randomUUID());
      for (const name of ['one', 'two', 'three']) await call('POST', '/workspaces', { name });
      const first = (await call('GET', '/workspaces?limit=2')).json<{
        items: { name: string }[];
        nextCursor: string;
      }>();
      expect(first.items.map((item) => item.name)).toEqual(['three', 'two']);
      const second = (await call('GET', `/workspaces?limit=2&cursor=${first.nextCursor}`)).json<{
        items: { name: string }[];
        nextCursor: string | null;
      }>();
      expect(second.items.map((item) => item.name)).toEqual(['one']);
      expect(second.nextCursor).toBeNull();
    });

    it('serves a cached page until a write makes it stale', async () => {
      const call = await as(crypto.randomUUID());
      await call('POST', '/workspaces', { name: 'first' });
      expect((await call('GET', '/workspaces')).json<{ items: unknown[] }>().items).toHaveLength(1);
      await call('POST', '/workspaces', { name: 'second' });
      expect((await call('GET', '/workspaces')).json<{ items: unknown[] }>().items).toHaveLength(2);
    });

    it('walks every workspace once, one per page, though they were created concurrently', async () => {
      const call = await as(crypto.randomUUID());
      const created = await Promise.all(
        Array.from({ length: 40 }, (_, index) =>
          call('POST', '/workspaces', { name: `w${index}` }),
        ),
      );
      const ids = created.map((response) => response.json<{ id: string }>().id);
      const walked: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = cursor ? `limit=1&cursor=${cursor}` : 'limit=1';
        const page = (await call('GET', `/workspaces?${query}`)).json<{
          items: { id: string }[];
          nextCursor: string | null;
        }>();
        walked.push(...page.items.map((item) => item.id));
        cursor = page.nextCursor;
      } while (cursor);
      expect(walked).toHaveLength(40);
      expect(new Set(walked)).toEqual(new Set(ids));
    });

    it('answers 400 to a forged cursor or a limit out of range', async () => {
      const call = await as(crypto.randomUUID());
      expect((await call('GET', '/workspaces?cursor=forged')).statusCode).toBe(400);
      expect((await call('GET', '/workspaces?limit=1000')).statusCode).toBe(400);
      const cursor = (position: string) => `${position}_${crypto.randomUUID()}`;
      // Not a position this service writes: refused before it reaches PostgreSQL.
      const unwritten = ['2026-01-01T00:00:00Z', '275760-09-13', '-5', '1.5', '1'.repeat(17)];
      for (const position of unwritten) {
        const refused = await call('GET', `/workspaces?cursor=${cursor(position)}`);
        expect(refused.statusCode).toBe(400);
        expect(refused.json<{ fields: { field: string }[] }>().fields).toEqual([
          expect.objectContaining({ field: 'cursor' }),
        ]);
      }
      // A position no row has: an empty page, not an error.
      const early = await call('GET', `/workspaces?cursor=${cursor('1')}`);
      expect(early.statusCode).toBe(200);
      expect(early.json()).toEqual({ items: [], nextCursor: null });
    });
  });

  describe('GET, PATCH and DELETE /api/core/workspaces/:id', () => {
    it('reads, updates (visible at once despite the cache) and deletes', async () => {
      const call = await as(crypto.randomUUID());
      const { id } = (await call('POST', '/workspaces', { name: 'before' })).json<{ id: string }>();
      expect((await call('GET', `/workspaces/${id}`)).json<{ name: string }>().name).toBe('before');
      expect((await call('PATCH', `/workspaces/${id}`, { name: 'after' })).statusCode).toBe(200);
      expect((await call('GET', `/workspaces/${id}`)).json<{ name: string }>().name).toBe('after');
      expect((await call('DELETE', `/workspaces/${id}`)).statusCode).toBe(204);
      expect((await call('GET', `/workspaces/${id}`)).statusCode).toBe(404);
    });

    it("answers 404 for another user's workspace, even when it is cached", async () => {
      const owner = await as(crypto.randomUUID());
      const stranger = await as(crypto.randomUUID());
      const { id } = (await owner('POST', '/workspaces', { name: 'private' })).json<{
        id: string;
      }>();
      await owner('GET', `/workspaces/${id}`);
      expect((await stranger('GET', `/workspaces/${id}`)).statusCode).toBe(404);
      expect((await stranger('PATCH', `/workspaces/${id}`, { name: 'mine' })).statusCode).toBe(404);
      expect((await stranger('DELETE', `/workspaces/${id}`)).statusCode).toBe(404);
    });

    it('answers 400 to an id that is not a UUID and to an empty update', async () => {
      const call = await as(crypto.randomUUID());
      expect((await call('GET', '/workspaces/42')).statusCode).toBe(400);
      const { id } = (await call('POST', '/workspaces', { name: 'x' })).json<{ id: string }>();
      expect((await call('PATCH', `/workspaces/${id}`, {})).statusCode).toBe(400);
    });
  });

  describe('GET /api/core/openapi.json', () => {
    it('documents every workspace route', async () => {
      const document = (await server.inject({ url: '/api/core/openapi.json' })).json<{
        openapi: string;
        paths: Record<string, Record<string, unknown>>;
      }>();
      expect(document.openapi).toMatch(/^3\./);
      expect(Object.keys(document.paths['/api/core/workspaces'] ?? {}).sort()).toEqual([
        'get',
        'post',
      ]);
      expect(Object.keys(document.paths['/api/core/workspaces/{id}'] ?? {}).sort()).toEqual([
        'delete',
        'get',
        'patch',
      ]);
    });
  });
});
