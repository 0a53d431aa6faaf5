import { readFile } from 'node:fs/promises';

import { ACCESS_TOKEN_ALGORITHM } from '#shared';
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importPKCS8,
  type CryptoKey,
  type JWK,
} from 'jose';

export interface SigningKey {
  privateKey: CryptoKey;
  /** The public half as published in the JWKS, with its `kid`. */
  publicJwk: JWK;
}

/** The ES256 key tokens are signed with: from the key file, or made now when there is none. */
export async function loadSigningKey(file: string | undefined): Promise<SigningKey> {
  const privateKey = file
    ? await importPKCS8(await readFile(file, 'utf8'), ACCESS_TOKEN_ALGORITHM, { extractable: true })
    : (await generateKeyPair(ACCESS_TOKEN_ALGORITHM, { extractable: true })).privateKey;
  const { kty, crv, x, y } = await exportJWK(privateKey);
  const publicJwk: JWK = { kty, crv, x, y };
  // The kid is the key's RFC 7638 thumbprint: stable for a key, different for the next one.
  publicJwk.kid = await calculateJwkThumbprint(publicJwk);
  return { privateKey, publicJwk: { ...publicJwk, alg: ACCESS_TOKEN_ALGORITHM, use: 'sig' } };
}
