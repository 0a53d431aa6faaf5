import { describe, expect, it } from 'vitest';

import { closeRedis, createRedis } from '../src/index.js';
import { captureLogs, integrationEnv } from '../src/testing.js';

const env = integrationEnv();

describe('closeRedis', () => {
  it.each(['connecting', 'reconnecting'])(
    'stops at once while Redis is down, where QUIT would reject (%s)',
    async (state) => {
      const { logger, lines } = captureLogs();
      // Nothing listens on port 1: every connection attempt is refused.
      const redis = createRedis('redis://127.0.0.1:1', logger);
      if (state === 'reconnecting')
        await new Promise((resolve) => redis.once('reconnecting', resolve));
      await closeRedis(redis, logger);
      expect(lines.at(-1)).toMatchObject({
        level: 'warn',
        message: 'redis unreachable at shutdown; its connection dropped',
      });
      let attempts = 0;
      redis.on('reconnecting', () => (attempts += 1));
      // Longer than the first retries' backoff (200 ms, then 400 ms): none comes.
      await new Promise((resolve) => setTimeout(resolve, 700));
      expect(attempts).toBe(0);
    },
  );

  it.skipIf(env === undefined)('says QUIT to a Redis that answers', async () => {
    const { logger } = captureLogs();
    const redis = createRedis(env?.REDIS_URL ?? '', logger);
    await new Promise((resolve) => redis.once('ready', resolve));
    expect(await redis.ping()).toBe('PONG');
    const ended = new Promise((resolve) => redis.once('end', resolve));
    await closeRedis(redis);
    await ended;
    expect(redis.status).toBe('end');
  });
});
