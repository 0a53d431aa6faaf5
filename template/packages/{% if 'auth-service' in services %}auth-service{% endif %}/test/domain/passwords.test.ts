import { describe, expect, it } from 'vitest';

import { SCRYPT, hashPassword, verifyPassword } from '../../src/domain/passwords.js';

describe('password hashing', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hashPassword('correct horse battery staple');
    expect(await verifyPassword('correct horse battery staple', stored)).toBe(true);
    expect(await verifyPassword('correct horse battery stapler', stored)).toBe(false);
  });

  it('stores its parameters and a fresh salt with each hash', async () => {
    const [first, second] = await Promise.all([hashPassword('same'), hashPassword('same')]);
    expect(first).not.toBe(second);
    expect(first.split('$').slice(0, 4)).toEqual([
      'scrypt',
      String(SCRYPT.N),
      String(SCRYPT.r),
      String(SCRYPT.p),
    ]);
  });

  it('refuses a hash it does not know', async () => {
    expect(await verifyPassword('x', 'md5$abc')).toBe(false);
  });
});
