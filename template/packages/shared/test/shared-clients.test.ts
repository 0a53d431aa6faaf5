import { describe, expect, it, vi } from 'vitest';

import { closeRedis, createPool, createRedis, runWithContext } from '../src/index.js';
import { captureLogs } from '../src/testing.js';

// Events of a pool or a Redis client fire inside the async chain of whichever request touched it
// last (or created it); their log lines must not carry that request's id.
describe('events of clients every request shares', () => {
  it('logs a pool error without the id of the request that last used the pool', async () => {
    const { logger, lines } = captureLogs();
    const config = { DATABASE_URL: 'postgres://127.0.0.1:1/none', DB_POOL_MAX: 1, DB_POOL_MIN: 0 };
    const pool = createPool(config, logger, 'test');
    runWithContext({ requestId: 'req-unrelated' }, () =>
      pool.emit('error', new Error('terminating connection due to administrator command')),
    );
    expect(lines).toEqual([
      expect.objectContaining({ message: 'idle database connection failed' }),
    ]);
    expect(lines[0]).not.toHaveProperty('requestId');
    await pool.end();
  });

  it('logs a Redis connection failure without the id of the request it was created in', async () => {
    const { logger, lines } = captureLogs();
    // Nothing listens on port 1: the first connection attempt fails.
    const redis = runWithContext({ requestId: 'req-unrelated' }, () =>
      createRedis('redis://127.0.0.1:1', logger),
    );
    await vi.waitFor(() => {
      expect(lines).toEqual([expect.objectContaining({ message: 'redis connection failed' })]);
    });
    expect(lines[0]).not.toHaveProperty('requestId');
    await closeRedis(redis);
  });
});
