import pg from 'pg';

import type { Logger } from './logger.js';
import { outsideRequests } from './request-context.js';

export interface DatabaseConfig {
  DATABASE_URL: string;
  DB_POOL_MAX: number;
  DB_POOL_MIN: number;
}

/**
 * One pool per process. Its size comes from the configuration, which the template derives from a
 * budget: services x PM2 instances x DB_POOL_MAX stays under PostgreSQL's max_connections.
 */
export function createPool(
  config: DatabaseConfig,
  logger: Logger,
  applicationName: string,
): pg.Pool {
  const pool = new pg.Pool({
    connectionString: config.DATABASE_URL,
    max: config.DB_POOL_MAX,
    min: config.DB_POOL_MIN,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 5_000,
    application_name: applicationName,
  });
  // An idle client losing its connection emits 'error' on the pool; unheard, it would crash the
  // process. The pool replaces the client on next use. No request caused it.
  pool.on(
    'error',
    outsideRequests((error: Error) => {
      logger.error('idle database connection failed', { err: error });
    }),
  );
  return pool;
}

export const postgresReady = (pool: pg.Pool) => async (): Promise<void> => {
  await pool.query('SELECT 1');
};
