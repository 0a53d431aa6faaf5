import { randomUUID } from 'node:crypto';

import { createPool } from '#shared';
import { captureLogs, integrationEnv } from '#shared/testing';
import fc from 'fast-check';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { decodeCursor, workspaceRepository } from '../../src/domain/workspaces.js';

const env = integrationEnv();

// Few distinct instants, so that many rows share one down to the microsecond, as rows created in
// one transaction or at once by several processes do.
const instant = fc.integer({ min: 0, max: 3 });
const write = fc.oneof(fc.record({ insert: instant }), fc.record({ remove: fc.nat({ max: 50 }) }));

// Against real PostgreSQL (TEST_DATABASE_URL, migrated).
describe.skipIf(env === undefined)('keyset pagination', () => {
  let pool: pg.Pool;
  beforeAll(() => {
    const config = { DATABASE_URL: env?.DATABASE_URL ?? '', DB_POOL_MAX: 2, DB_POOL_MIN: 0 };
    pool = createPool(config, captureLogs().logger, 'pagination-property');
  });
  afterAll(async () => {
    await pool.end();
  });

  /** Rows of `owner` created at the given instants (microseconds after a fixed moment). */
  const insert = async (owner: string, instants: number[]) => {
    const { rows } = await pool.query<{ id: string; instant: number }>(
      `INSERT INTO core.workspaces (owner_id, name, description, created_at)
       SELECT $1, 'w', '', timestamptz '2026-01-01' + at * interval '1 microsecond'
       FROM unnest($2::int[]) AS t(at)
       RETURNING id, (extract(epoch FROM created_at - timestamptz '2026-01-01') * 1000000)::int AS instant`,
      [owner, instants],
    );
    return rows;
  };

  it('walks every row exactly once, newest first, whatever the page size and the writes between pages', async () => {
    const repository = workspaceRepository(pool);
    await fc.assert(
      fc.asyncProperty(
        fc.array(instant, { maxLength: 12 }),
        fc.integer({ min: 1, max: 5 }),
        fc.array(write, { maxLength: 6 }),
        async (instants, limit, writes) => {
          const owner = randomUUID();
          try {
            const rows = new Map(
              (await insert(owner, instants)).map((row) => [row.id, row.instant]),
            );
            const removed = new Set<string>();
            const seen: string[] = [];
            let cursor: string | null = null;
            let page = 0;
            do {
              const after: [string, string] | undefined =
                cursor === null ? undefined : decodeCursor(cursor);
              const listed = await repository.list(owner, limit, after);
              seen.push(...listed.items.map(({ id }) => id));
              cursor = listed.nextCursor;
              // Between pages, someone else writes: a new row, or one of them gone.
              const next = writes[page];
              page += 1;
              if (next && 'insert' in next) {
                for (const row of await insert(owner, [next.insert])) rows.set(row.id, row.instant);
              } else if (next) {
                const present = [...rows.keys()].filter((id) => !removed.has(id));
                const victim = present[next.remove % Math.max(present.length, 1)];
                if (victim !== undefined) {
                  await repository.remove(owner, victim);
                  removed.add(victim);
                }
              }
            } while (cursor !== null);

            // Never twice, and in order: newest first, then by id, as the keyset walks.
            expect(new Set(seen).size).toBe(seen.length);
            const position = (id: string): [number, string] => [rows.get(id) ?? -1, id];
            for (let index = 1; index < seen.length; index += 1) {
              const [before, now] = [position(seen[index - 1] ?? ''), position(seen[index] ?? '')];
              expect(before[0] > now[0] || (before[0] === now[0] && before[1] > now[1])).toBe(true);
            }
            // Every row there from the first page to the last, none lost.
            const initial = [...rows.keys()].slice(0, instants.length);
            const stable = initial.filter((id) => !removed.has(id));
            expect(seen).toEqual(expect.arrayContaining(stable));
          } finally {
            await pool.query('DELETE FROM core.workspaces WHERE owner_id = $1', [owner]);
          }
        },
      ),
      { numRuns: 1_000 },
    );
  }, 180_000);
});
