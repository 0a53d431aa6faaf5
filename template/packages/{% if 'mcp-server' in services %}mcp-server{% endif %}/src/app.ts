import { createJwtVerifier, healthRoutes, registerOpenapi, remoteKeys, type Logger } from '#shared';
import type { FastifyPluginAsync } from 'fastify';

import type { Config } from './config.js';
import { coreClient } from './domain/core-client.js';
import mcpRoutes from './routes/mcp.js';

export interface AppOptions {
  config: Config;
  logger: Logger;
}

/** The mcp-server as a plugin: routes and their dependencies, no port (server.ts owns it). */
const app: FastifyPluginAsync<AppOptions> = async (fastify, { config }) => {
  await fastify.register(healthRoutes, {
    // The tools are only useful while core-service answers.
    checks: {
      'core-service': async () => {
        const response = await fetch(new URL('/health/live', config.CORE_SERVICE_URL));
        if (!response.ok) throw new Error(`core-service answered ${String(response.status)}`);
      },
    },
  });
  // Registered before the routes it documents, in the same scope, so it sees them all.
  await fastify.register(async (api) => {
    await registerOpenapi(api, {
      path: '/api/mcp/openapi.json',
      title: 'mcp-server',
      version: '0.1.0',
    });
    await api.register(mcpRoutes, {
      core: coreClient(config.CORE_SERVICE_URL),
      verify: createJwtVerifier(remoteKeys(config.AUTH_JWKS_URL), {
        issuer: config.JWT_ISSUER,
        audience: config.JWT_AUDIENCE,
      }),
      version: '0.1.0',
    });
  });
};

export default app;
