import { createHash } from 'node:crypto';

import type { Redis } from 'ioredis';

export interface ThrottleLimits {
  perAccount: number;
  perIp: number;
  windowSeconds: number;
}

// Keys name the account by a hash: Redis never holds the address itself.
const accountKey = (email: string) =>
  `auth:login-failures:account:${createHash('sha256').update(email.toLowerCase()).digest('base64url')}`;
const ipKey = (ip: string) => `auth:login-failures:ip:${ip}`;

/**
 * Failed sign-ins counted per account (against guessing one password) and per address (against
 * trying many accounts), in a fixed window. A success clears the account's count.
 */
export function loginThrottle(redis: Redis, limits: ThrottleLimits) {
  /** Seconds to wait before trying again, or 0 when the attempt may go ahead. */
  const retryAfter = async (email: string, ip: string): Promise<number> => {
    const keys = [accountKey(email), ipKey(ip)] as const;
    const [account, address] = await redis.mget(...keys);
    const blocked = [
      Number(account ?? 0) >= limits.perAccount ? keys[0] : undefined,
      Number(address ?? 0) >= limits.perIp ? keys[1] : undefined,
    ].filter((key) => key !== undefined);
    if (blocked.length === 0) return 0;
    const ttls = await Promise.all(blocked.map((key) => redis.ttl(key)));
    return Math.max(1, ...ttls);
  };

  const recordFailure = async (email: string, ip: string): Promise<void> => {
    const pipeline = redis.multi();
    for (const key of [accountKey(email), ipKey(ip)]) {
      pipeline.incr(key).expire(key, limits.windowSeconds, 'NX');
    }
    await pipeline.exec();
  };

  const recordSuccess = async (email: string): Promise<void> => {
    await redis.del(accountKey(email));
  };

  return { retryAfter, recordFailure, recordSuccess };
}

export type LoginThrottle = ReturnType<typeof loginThrottle>;
