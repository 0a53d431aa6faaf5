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

const encodeCursor = (workspace: Workspace): string =>
  Buffer.from(JSON.stringify([workspace.createdAt.toISOString(), workspace.id])).toString(
    'base64url',
  );

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The position a cursor names, or undefined when it is not one this service made. */
export function decodeCursor(cursor: string): [string, string] | undefined {
  try {
    const position: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(position) &&
      position.length === 2 &&
      position.every((part) => typeof part === 'string') &&
      !Number.isNaN(Date.parse(String(position[0]))) &&
      UUID.test(String(position[1]))
    ) {
      return [String(position[0]), String(position[1])];
    }
  } catch {
    // Not base64url JSON: fall through.
  }
  return undefined;
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
      const { rows } = await db.query<Workspace>(
        `SELECT ${COLUMNS} FROM core.workspaces
         WHERE owner_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3::uuid))
         ORDER BY created_at DESC, id DESC LIMIT $4`,
        [ownerId, after?.[0] ?? null, after?.[1] ?? null, limit + 1],
      );
      const items = rows.slice(0, limit);
      const last = items.at(-1);
      return { items, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
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
