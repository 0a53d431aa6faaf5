import type { Logger } from '#shared';
import type { Redis } from 'ioredis';

import type { Page, Workspace, WorkspaceChanges, WorkspaceRepository } from './workspaces.js';

const itemKey = (id: string) => `core:workspace:${id}`;
const versionKey = (ownerId: string) => `core:workspaces-version:${ownerId}`;
const pageKey = (ownerId: string, version: string, limit: number, cursor: string) =>
  `core:workspaces:${ownerId}:${version}:${limit}:${cursor}`;

// JSON turns dates into strings; cached records get theirs back.
const revive = (workspace: Workspace): Workspace => ({
  ...workspace,
  createdAt: new Date(workspace.createdAt),
  updatedAt: new Date(workspace.updatedAt),
});

/**
 * Read-through cache in front of the repository. A write drops the item and bumps the owner's
 * list version, so every cached page of that owner is stale at once without a key scan. Redis
 * being down only costs speed: reads fall back to PostgreSQL, and the invalidations Redis missed
 * are replayed first thing once it is back, so no entry outlives a later write.
 */
export function cachedWorkspaces(
  repository: WorkspaceRepository,
  redis: Redis,
  ttlSeconds: number,
  logger: Logger,
  // Invalidations remembered while Redis is down, at most: it bounds the memory they take.
  pendingLimit = 10_000,
) {
  const readThrough = async <T>(key: string | undefined, load: () => Promise<T>): Promise<T> => {
    try {
      const hit = key === undefined ? null : await redis.get(key);
      if (hit !== null) return JSON.parse(hit) as T;
    } catch (error) {
      logger.warn('cache read failed; reading from the database', { err: error });
    }
    const value = await load();
    if (key !== undefined && value !== undefined) {
      await redis.set(key, JSON.stringify(value), 'EX', ttlSeconds).catch((error: unknown) => {
        logger.warn('cache write failed', { err: error });
      });
    }
    return value;
  };

  // What Redis missed while it was down, replayed first thing on its return; past `pendingLimit`
  // invalidations, every entry is dropped instead.
  const nothingMissed = () => ({ owners: new Set<string>(), items: new Set<string>(), all: false });
  let missed = nothingMissed();

  const send = (owners: Iterable<string>, items: Iterable<string>) => {
    const pipeline = redis.multi();
    for (const ownerId of owners) pipeline.incr(versionKey(ownerId));
    for (const id of items) pipeline.del(itemKey(id));
    return pipeline.exec();
  };

  const invalidate = async (ownerId: string, id?: string): Promise<void> => {
    await send([ownerId], id === undefined ? [] : [id]).catch((error: unknown) => {
      logger.error('cache invalidation failed; replayed once Redis is back', { err: error });
      if (missed.all) return;
      missed.owners.add(ownerId);
      if (id !== undefined) missed.items.add(id);
      if (missed.owners.size + missed.items.size > pendingLimit)
        missed = { ...nothingMissed(), all: true };
    });
  };

  // One script, so that it runs whole before any later read on the connection: it walks every
  // key of this cache once (as long as KEYS would take), which a rare overflow can afford.
  const dropEveryEntry = () =>
    redis.eval(
      `local cursor = '0'
       repeat
         local found = redis.call('SCAN', cursor, 'MATCH', ARGV[1], 'COUNT', 1000)
         cursor = found[1]
         for _, key in ipairs(found[2]) do redis.call('UNLINK', key) end
       until cursor == '0'`,
      0,
      'core:workspace*',
    );

  // Sent on the 'ready' event, before any read of this process reaches the connection. Each
  // process replays what it missed; until then, another process may still read an entry it wrote
  // over.
  redis.on('ready', () => {
    const { owners, items, all } = missed;
    missed = nothingMissed();
    const replay = all
      ? dropEveryEntry()
      : owners.size + items.size > 0
        ? send(owners, items)
        : null;
    replay?.catch((error: unknown) => {
      logger.error('cache invalidation replay failed; entries may be stale until they expire', {
        err: error,
      });
    });
  });

  const listVersion = async (ownerId: string): Promise<string | undefined> => {
    try {
      return (await redis.get(versionKey(ownerId))) ?? '0';
    } catch {
      return undefined;
    }
  };

  return {
    async get(ownerId: string, id: string): Promise<Workspace | undefined> {
      const workspace = await readThrough(itemKey(id), () => repository.get(ownerId, id));
      // The item cache is shared by id: ownership is checked on every read, cached or not.
      return workspace?.ownerId === ownerId ? revive(workspace) : undefined;
    },
    async list(
      ownerId: string,
      limit: number,
      cursor: string | undefined,
      after?: [string, string],
    ): Promise<Page> {
      const version = await listVersion(ownerId);
      const key =
        version === undefined ? undefined : pageKey(ownerId, version, limit, cursor ?? '');
      const page = await readThrough(key, () => repository.list(ownerId, limit, after));
      return { ...page, items: page.items.map(revive) };
    },
    async create(ownerId: string, name: string, description: string): Promise<Workspace> {
      const workspace = await repository.create(ownerId, name, description);
      await invalidate(ownerId);
      return workspace;
    },
    async update(
      ownerId: string,
      id: string,
      changes: WorkspaceChanges,
    ): Promise<Workspace | undefined> {
      const workspace = await repository.update(ownerId, id, changes);
      if (workspace) await invalidate(ownerId, id);
      return workspace;
    },
    async remove(ownerId: string, id: string): Promise<boolean> {
      const removed = await repository.remove(ownerId, id);
      if (removed) await invalidate(ownerId, id);
      return removed;
    },
  };
}

export type Workspaces = ReturnType<typeof cachedWorkspaces>;
