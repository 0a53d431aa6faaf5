import { randomBytes } from 'node:crypto';

import argon2 from 'argon2';

/**
 * argon2id with OWASP's parameters: 19 MiB of memory, 2 passes, 1 lane (about 25 ms of one core
 * here). Each hash is a PHC string that records them, so raising them later still verifies older
 * hashes.
 */
export const ARGON2 = {
  type: argon2.argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

// The same string for the same password, however it was typed (composed or decomposed accents).
const normalized = (password: string) => password.normalize('NFKC');

export const hashPassword = (password: string): Promise<string> =>
  argon2.hash(normalized(password), ARGON2);

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  try {
    return await argon2.verify(stored, normalized(password));
  } catch {
    // Not a hash argon2 can read.
    return false;
  }
}

// Verified against when the account does not exist, so that an unknown email costs the same time
// as a wrong password and the two cannot be told apart.
let decoy: Promise<string> | undefined;
export const decoyHash = (): Promise<string> =>
  (decoy ??= hashPassword(randomBytes(16).toString('hex')));
