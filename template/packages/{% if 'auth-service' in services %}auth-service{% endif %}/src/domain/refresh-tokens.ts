import { createHash, randomBytes, randomUUID } from 'node:crypto';

import type { Redis } from 'ioredis';

// Only hashes of refresh tokens are stored: a copy of Redis does not let anyone sign in.
const hash = (token: string): string => createHash('sha256').update(token).digest('base64url');
const tokenKey = (tokenHash: string) => `auth:refresh:${tokenHash}`;
const usedKey = (tokenHash: string) => `auth:refresh-used:${tokenHash}`;
const familyKey = (familyId: string) => `auth:family:${familyId}`;
const revokedKey = (familyId: string) => `auth:family-revoked:${familyId}`;

interface StoredToken {
  userId: string;
  familyId: string;
}

export type RotationResult =
  | { outcome: 'rotated'; userId: string; refreshToken: string }
  | { outcome: 'invalid' }
  | { outcome: 'reused'; userId: string };

/**
 * Rotating refresh tokens. Each sign-in starts a family; each refresh spends the presented token
 * and hands out the next one of the family. A spent token presented again means it was copied:
 * the whole family is revoked, which signs out the thief and the victim alike.
 */
export function refreshTokenStore(redis: Redis, ttlSeconds: number) {
  const issue = async (userId: string, familyId: string = randomUUID()): Promise<string> => {
    const token = randomBytes(32).toString('base64url');
    const tokenHash = hash(token);
    const stored: StoredToken = { userId, familyId };
    await redis
      .multi()
      .set(tokenKey(tokenHash), JSON.stringify(stored), 'EX', ttlSeconds)
      .sadd(familyKey(familyId), tokenHash)
      .expire(familyKey(familyId), ttlSeconds)
      .exec();
    return token;
  };

  const revokeFamily = async (familyId: string): Promise<void> => {
    const hashes = await redis.smembers(familyKey(familyId));
    await redis
      .multi()
      .set(revokedKey(familyId), '1', 'EX', ttlSeconds)
      .del(familyKey(familyId), ...hashes.map(tokenKey))
      .exec();
  };

  const find = async (
    token: string,
  ): Promise<(StoredToken & { tokenHash: string }) | undefined> => {
    const tokenHash = hash(token);
    const raw = await redis.get(tokenKey(tokenHash));
    if (raw === null) return undefined;
    const stored = JSON.parse(raw) as StoredToken;
    if ((await redis.exists(revokedKey(stored.familyId))) === 1) return undefined;
    return { ...stored, tokenHash };
  };

  const rotate = async (token: string): Promise<RotationResult> => {
    const stored = await find(token);
    if (!stored) return { outcome: 'invalid' };
    // Claiming the token is atomic: of two concurrent uses, exactly one wins.
    const claimed = await redis.set(usedKey(stored.tokenHash), '1', 'EX', ttlSeconds, 'NX');
    if (claimed === null) {
      await revokeFamily(stored.familyId);
      return { outcome: 'reused', userId: stored.userId };
    }
    return {
      outcome: 'rotated',
      userId: stored.userId,
      refreshToken: await issue(stored.userId, stored.familyId),
    };
  };

  const revoke = async (token: string): Promise<void> => {
    const stored = await find(token);
    if (stored) await revokeFamily(stored.familyId);
  };

  return { issue, rotate, revoke };
}

export type RefreshTokenStore = ReturnType<typeof refreshTokenStore>;
