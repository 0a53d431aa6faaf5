import { describe, expect, it } from 'vitest';

import { hashPassword, verifyPassword } from '../../src/domain/passwords.js';

describe('password hashing', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hashPassword('correct horse battery staple');
    expect(await verifyPassword('correct horse battery staple', stored)).toBe(true);
    expect(await verifyPassword('correct horse battery stapler', stored)).toBe(false);
  });

  it('stores argon2id, its parameters and a fresh salt with each hash', async () => {
    const [first, second] = await Promise.all([hashPassword('same'), hashPassword('same')]);
    expect(first).not.toBe(second);
    expect(first.startsWith('$argon2id$v=19$m=19456,p=1,t=2$')).toBe(true);
  });

  it('treats composed and decomposed accents as the same password', async () => {
    const stored = await hashPassword('caf\u00e9 au lait, s\u2019il vous pla\u00eet');
    expect(await verifyPassword('cafe\u0301 au lait, s\u2019il vous pla\u00eet', stored)).toBe(
      true,
    );
  });

  it('refuses a hash it cannot read', async () => {
    expect(await verifyPassword('x', 'md5$abc')).toBe(false);
  });
});
