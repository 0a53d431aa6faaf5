import {
  closeRedis,
  createJwtVerifier,
  createPool,
  createRedis,
  healthRoutes,
  postgresReady,
  redisReady,
  registerOpenapi,
  remoteKeys,
  type Logger,
} from '#shared';
import type { FastifyPluginAsync } from 'fastify';

import type { Config } from './config.js';
import { cachedWorkspaces } from './domain/cached-workspaces.js';
import { workspaceRepository } from './domain/workspaces.js';
import workspaceRoutes from './routes/workspaces.js';
import { workspace } from './schemas/workspaces.js';

export interface AppOptions {
  config: Config;
  logger: Logger;
}

/** The core-service as a plugin: routes and their dependencies, no port (server.ts owns it). */
const app: FastifyPluginAsync<AppOptions> = async (fastify, { config, logger }) => {
  const db = createPool(config, logger, 'core-service');
  const redis = createRedis(config.REDIS_URL, logger);
  fastify.addHook('onClose', async () => {
    await Promise.all([db.end(), closeRedis(redis, logger)]);
  });

  await fastify.register(healthRoutes, {
    checks: { postgres: postgresReady(db), redis: redisReady(redis) },
  });
  fastify.addSchema(workspace);
  // Registered before the routes it documents, in the same scope, so it sees them all.
  await fastify.register(async (api) => {
    await registerOpenapi(api, {
      path: '/api/core/openapi.json',
      title: 'core-service',
      version: '0.1.0',
    });
    await api.register(workspaceRoutes, {
      prefix: '/api/core',
      workspaces: cachedWorkspaces(
        workspaceRepository(db),
        redis,
        config.CACHE_TTL_SECONDS,
        logger,
      ),
      verify: createJwtVerifier(remoteKeys(config.AUTH_JWKS_URL), {
        issuer: config.JWT_ISSUER,
        audience: config.JWT_AUDIENCE,
      }),
    });
  });
};

export default app;
