import { createHash } from 'node:crypto';

import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';

export interface VerifierOptions {
  issuer: string;
  audience: string;
  /** Verified tokens remembered at most (10,000 by default); past that, the oldest goes first. */
  remembered?: number;
}

export interface VerifiedToken {
  userId: string;
  tokenId: string;
  expiresAt: number;
}

/** The only algorithm accepted: never taken from the token's own header. */
export const ACCESS_TOKEN_ALGORITHM = 'ES256';

/**
 * auth-service's published keys, fetched once and cached; an unknown `kid` triggers at most one
 * refetch per cooldown, so forged tokens cannot make a service hammer auth-service.
 */
export const remoteKeys = (jwksUrl: string): JWTVerifyGetKey =>
  createRemoteJWKSet(new URL(jwksUrl), { cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 });

/**
 * Verifies access tokens: signature by one of `keys`, ES256 only, issuer, audience and expiry.
 * A token verified once is taken again without its signature check (an ES256 verification, the
 * largest cost of an authenticated request) until its `exp`: access tokens are stateless, so the
 * check could decide nothing new before then. Remembered by the token's SHA-256, so the cache holds
 * no token that could be used.
 */
export function createJwtVerifier(keys: JWTVerifyGetKey, options: VerifierOptions) {
  const verified = new Map<string, VerifiedToken>();
  const remembered = options.remembered ?? 10_000;
  return async (token: string): Promise<VerifiedToken> => {
    const digest = createHash('sha256').update(token).digest('base64url');
    const known = verified.get(digest);
    if (known && known.expiresAt > Date.now() / 1000) return { ...known };
    verified.delete(digest);
    const { payload } = await jwtVerify(token, keys, {
      issuer: options.issuer,
      audience: options.audience,
      algorithms: [ACCESS_TOKEN_ALGORITHM],
      requiredClaims: ['sub', 'jti', 'exp'],
    });
    const result: VerifiedToken = {
      userId: String(payload.sub),
      tokenId: String(payload.jti),
      expiresAt: Number(payload.exp),
    };
    if (verified.size >= remembered) verified.delete(verified.keys().next().value ?? '');
    verified.set(digest, result);
    return { ...result };
  };
}

export type JwtVerifier = ReturnType<typeof createJwtVerifier>;
