import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';

export interface VerifierOptions {
  issuer: string;
  audience: string;
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

/** Verifies access tokens: signature by one of `keys`, ES256 only, issuer, audience and expiry. */
export function createJwtVerifier(keys: JWTVerifyGetKey, options: VerifierOptions) {
  return async (token: string): Promise<VerifiedToken> => {
    const { payload } = await jwtVerify(token, keys, {
      issuer: options.issuer,
      audience: options.audience,
      algorithms: [ACCESS_TOKEN_ALGORITHM],
      requiredClaims: ['sub', 'jti', 'exp'],
    });
    return {
      userId: String(payload.sub),
      tokenId: String(payload.jti),
      expiresAt: Number(payload.exp),
    };
  };
}

export type JwtVerifier = ReturnType<typeof createJwtVerifier>;
