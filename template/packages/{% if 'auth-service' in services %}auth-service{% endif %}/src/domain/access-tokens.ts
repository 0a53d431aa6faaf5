import { randomUUID } from 'node:crypto';

import { SignJWT } from 'jose';

import type { SigningKey } from './signing-key.js';

export interface AccessTokenSettings {
  issuer: string;
  audience: string;
  ttlSeconds: number;
}

/** A short-lived ES256 access token naming the user (`sub`) and itself (`jti`). */
export function accessTokenIssuer(key: SigningKey, settings: AccessTokenSettings) {
  return (userId: string): Promise<string> =>
    new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: key.publicJwk.kid ?? '', typ: 'JWT' })
      .setSubject(userId)
      .setIssuer(settings.issuer)
      .setAudience(settings.audience)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime(`${settings.ttlSeconds}s`)
      .sign(key.privateKey);
}
