import { describe, expect, it } from 'vitest';

import { closeRedis, createRedis } from '../src/index.js';
import { captureLogs, integrationEnv } from '../src/testing.js';

const env = integrationEnv();

describe('closeRedis', () => {
  it('closes at once while Redis is down, where QUIT would reject', async () => {
    const { logger } = captureLogs();
    // Nothing listens on port 1: every connection attempt is refused.
    const redis = createRedis('redis://127.0.0.1:1', logger);
    await closeRedis(redis);
    expect(redis.status).toBe('end');
  });

  it.skipIf(env === undefined)('says QUIT to a Redis that answers', async () => {
    const { logger } = captureLogs();
    const redis = createRedis(env?.REDIS_URL ?? '', logger);
    await new Promise((resolve) => redis.once('ready', resolve));
    expect(await redis.ping()).toBe('PONG');
    await closeRedis(redis);
    expect(redis.status).toBe('end');
  });
});
