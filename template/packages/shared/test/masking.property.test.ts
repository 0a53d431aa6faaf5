import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { maskSecrets } from '../src/index.js';
import { captureLogs } from '../src/testing.js';

// A value no log line may ever contain, planted where secrets are found in real payloads.
const CANARY = 'CANARYq7x2v9k4';

const sensitiveKey = fc.constantFrom(
  'password',
  'newPassword',
  'secret',
  'client_secret',
  'token',
  'accessToken',
  'refresh_token',
  'id_token',
  'Authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'apiKey',
  'private_key',
  'cardNumber',
  'connectionString',
);

// Secrets that hide in ordinary strings, under ordinary keys.
const secretString = fc.constantFrom(
  `Bearer ${CANARY}`,
  `Basic ${CANARY}`,
  `eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiIxIn0.${CANARY}`,
  `postgres://app:${CANARY}@db:5432/app`,
  `redis://default:${CANARY}@cache:6379`,
);

const tree = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    fc.string(),
    fc.integer(),
    fc.boolean(),
    secretString,
    fc.array(tie('node'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 8 }), tie('node'), { maxKeys: 4 }),
    // A sensitive key holds anything, the canary included somewhere inside.
    fc.tuple(sensitiveKey, tie('node')).map(([key, value]) => ({ [key]: [CANARY, value] })),
    secretString.map((message) => new Error(message, { cause: new Error(message) })),
    fc.constant({ headers: { authorization: `Bearer ${CANARY}`, cookie: `session=${CANARY}` } }),
  ),
})).node;

describe('masking (property-based)', () => {
  it('never lets a planted secret through maskSecrets', () => {
    fc.assert(
      fc.property(tree, (value) => {
        expect(JSON.stringify(maskSecrets(value))).not.toContain(CANARY);
      }),
      { numRuns: 500 },
    );
  });

  it('never lets a planted secret into a log line, in metadata or in the message', () => {
    fc.assert(
      fc.property(tree, secretString, (meta, message) => {
        const { logger, lines } = captureLogs();
        logger.warn(message, { meta });
        expect(lines).toHaveLength(1);
        expect(JSON.stringify(lines)).not.toContain(CANARY);
      }),
      { numRuns: 200 },
    );
  });
});
