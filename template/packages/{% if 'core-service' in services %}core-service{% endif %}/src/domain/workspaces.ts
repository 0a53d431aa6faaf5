import type pg from 'pg';

export interface Workspace {
  id: string;
  ownerId: string;
  name: string;
  description: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface WorkspaceChanges {
  name?: string;
  description?: string;
}

export interface Page {
  items: Workspace[];
  /** Opaque; pass it back as `cursor` for the next page. Null on the last page. */
  nextCursor: string | null;
}

const COLUMNS = `id, owner_id AS "ownerId", name, description, created_at AS "createdAt",
  updated_at AS "updatedAt"`;

// A page ends at a row's exact position: PostgreSQL keeps microseconds, which a JavaScript Date
// (milliseconds) would round away, losing the rows created within the same millisecond.
const POSITION = `(extract(epoch FROM created_at) * 1000000)::bigint::text AS "position"`;

// A cursor is the last row's position and id, `<microseconds>_<uuid>`: plain enough for the
// query schema to describe exactly (CURSOR_PATTERN), so any cursor that passes validation names a
// position PostgreSQL accepts, and nothing else reaches it.
const encodeCursor = (position: string, id: string): string => `${position}_${id}`;

const withoutPosition = (row: Workspace): Workspace => ({
  id: row.id,
  ownerId: row.ownerId,
  name: row.name,
  description: row.description,
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
});

/** The position a cursor names (one that matched CURSOR_PATTERN). */
export function decodeCursor(cursor: string): [string, string] {
  const [position = '', id = ''] = cursor.split('_', 2);
  return [position, id];
}

/** Workspaces in the `core` schema; every query is scoped to its owner. */
export function workspaceRepository(db: pg.Pool) {
  return {
    async create(ownerId: string, name: string, description: string): Promise<Workspace> {
      const { rows } = await db.query<Workspace>(
        `INSERT INTO core.workspaces (owner_id, name, description) VALUES ($1, $2, $3)
         RETURNING ${COLUMNS}`,
        [ownerId, name, description],
      );
      const [created] = rows;
      if (!created) throw new Error('INSERT ... RETURNING gave no row');
      return created;
    },

    async get(ownerId: string, id: string): Promise<Workspace | undefined> {
      const { rows } = await db.query<Workspace>(
        `SELECT ${COLUMNS} FROM core.workspaces WHERE id = $1 AND owner_id = $2`,
        [id, ownerId],
      );
      return rows[0];
    },

    /** Newest first, by keyset: a page costs the same however deep it is. */
    async list(ownerId: string, limit: number, after?: [string, string]): Promise<Page> {
      const { rows } = await db.query<Workspace & { position: string }>(
        `SELECT ${COLUMNS}, ${POSITION} FROM core.workspaces
         WHERE owner_id = $1 AND ($2::bigint IS NULL OR (created_at, id) <
           (timestamptz 'epoch' + $2::bigint * interval '1 microsecond', $3::uuid))
         ORDER BY created_at DESC, id DESC LIMIT $4`,
        [ownerId, after?.[0] ?? null, after?.[1] ?? null, limit + 1],
      );
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        items: page.map(withoutPosition),
        nextCursor: rows.length > limit && last ? encodeCursor(last.position, last.id) : null,
      };
    },

    async update(
      ownerId: string,
      id: string,
      changes: WorkspaceChanges,
    ): Promise<Workspace | undefined> {
      const { rows } = await db.query<Workspace>(
        `UPDATE core.workspaces
         SET name = COALESCE($3, name), description = COALESCE($4, description), updated_at = now()
         WHERE id = $1 AND owner_id = $2 RETURNING ${COLUMNS}`,
        [id, ownerId, changes.name ?? null, changes.description ?? null],
      );
      return rows[0];
    },

    async remove(ownerId: string, id: string): Promise<boolean> {
      const { rowCount } = await db.query(
        'DELETE FROM core.workspaces WHERE id = $1 AND owner_id = $2',
        [id, ownerId],
      );
      return rowCount === 1;
    },
  };
}

export type WorkspaceRepository = ReturnType<typeof workspaceRepository>;
