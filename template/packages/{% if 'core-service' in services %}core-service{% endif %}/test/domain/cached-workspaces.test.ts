import { randomUUID } from 'node:crypto';

import { closeRedis, createPool, createRedis } from '#shared';
import { captureLogs, integrationEnv } from '#shared/testing';
import { describe, expect, it } from 'vitest';

import { cachedWorkspaces } from '../../src/domain/cached-workspaces.js';
import { workspaceRepository } from '../../src/domain/workspaces.js';

const env = integrationEnv();

// Against real PostgreSQL and Redis (TEST_DATABASE_URL, TEST_REDIS_URL, migrated).
describe.skipIf(env === undefined)('cachedWorkspaces', () => {
  it.each([
    ['replays the invalidations Redis missed', 10_000],
    ['drops every entry when it missed more than it remembers', 1],
  ])('never serves an entry older than a write made while Redis was down: %s', async (_, limit) => {
    const { logger, lines } = captureLogs();
    const config = { DATABASE_URL: env?.DATABASE_URL ?? '', DB_POOL_MAX: 2, DB_POOL_MIN: 0 };
    const pool = createPool(config, logger, 'cache-test');
    const redis = createRedis(env?.REDIS_URL ?? '', logger);
    try {
      await new Promise((resolve) => redis.once('ready', resolve));
      const workspaces = cachedWorkspaces(workspaceRepository(pool), redis, 60, logger, limit);
      const owner = randomUUID();
      const { id } = await workspaces.create(owner, 'Before', '');
      // Both cached: the item, and the owner's first page.
      expect((await workspaces.get(owner, id))?.name).toBe('Before');
      expect((await workspaces.list(owner, 10, undefined)).items.map(({ name }) => name)).toEqual([
        'Before',
      ]);

      const closed = new Promise((resolve) => redis.once('end', resolve));
      redis.disconnect();
      await closed;
      expect((await workspaces.update(owner, id, { name: 'After' }))?.name).toBe('After');
      await redis.connect();

      expect((await workspaces.get(owner, id))?.name).toBe('After');
      expect((await workspaces.list(owner, 10, undefined)).items.map(({ name }) => name)).toEqual([
        'After',
      ]);
      expect(lines.map(({ message }) => message)).toContain(
        'cache invalidation failed; replayed once Redis is back',
      );
    } finally {
      await closeRedis(redis);
      await pool.end();
    }
  });
});
