import { Redis } from 'ioredis';

import type { Logger } from './logger.js';
import { outsideRequests } from './request-context.js';

/**
 * A Redis client that reconnects with capped backoff and fails commands at once while
 * disconnected (no offline queue), so requests and readiness checks do not hang.
 */
export function createRedis(url: string, logger: Logger): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(100 * 2 ** attempt, 5_000),
    // How long a closing connection may take before it is destroyed. ioredis also arms this timer
    // when the connection is already gone (Redis down, between retries), and nothing clears it:
    // the process would outlive its shutdown by the full default of 2 s.
    disconnectTimeout: 500,
  });
  let reported = false;
  redis.on(
    'error',
    outsideRequests((error: Error) => {
      // Reconnection attempts repeat the same error: log the first until the link is back.
      if (!reported) logger.error('redis connection failed', { err: error });
      reported = true;
    }),
  );
  redis.on('ready', () => {
    reported = false;
  });
  return redis;
}

export const redisReady = (redis: Redis) => async (): Promise<void> => {
  await redis.ping();
};

/**
 * Closes the client: QUIT when Redis is connected, else the connection attempts stop at once (and
 * the logger, when given, says so). QUIT cannot be sent while Redis is down, and a shutdown must
 * not fail, or wait, for a server that is not there.
 */
export async function closeRedis(redis: Redis, logger?: Logger): Promise<void> {
  if (redis.status === 'ready') {
    try {
      await redis.quit();
      return;
    } catch {
      // The connection broke meanwhile: drop it as below.
    }
  }
  logger?.warn('redis unreachable at shutdown; its connection dropped', { status: redis.status });
  redis.disconnect();
}
