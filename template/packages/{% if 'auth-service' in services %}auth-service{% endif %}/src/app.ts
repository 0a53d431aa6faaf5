import {
  closeRedis,
  createJwtVerifier,
  createPool,
  createRedis,
  healthRoutes,
  postgresReady,
  redisReady,
  registerOpenapi,
  type Logger,
} from '#shared';
import type { FastifyPluginAsync } from 'fastify';
import { createLocalJWKSet } from 'jose';

import type { Config } from './config.js';
import { accessTokenIssuer } from './domain/access-tokens.js';
import { loginThrottle } from './domain/login-throttle.js';
import { decoyHash } from './domain/passwords.js';
import { refreshTokenStore } from './domain/refresh-tokens.js';
import { loadSigningKey } from './domain/signing-key.js';
import { userRepository } from './domain/users.js';
import authRoutes from './routes/auth.js';
import jwksRoutes from './routes/jwks.js';

export interface AppOptions {
  config: Config;
  logger: Logger;
}

/** The auth-service as a plugin: routes and their dependencies, no port (server.ts owns it). */
const app: FastifyPluginAsync<AppOptions> = async (fastify, { config, logger }) => {
  const db = createPool(config, logger, 'auth-service');
  const redis = createRedis(config.REDIS_URL, logger);
  fastify.addHook('onClose', async () => {
    await Promise.all([db.end(), closeRedis(redis, logger)]);
  });

  // Hashed once now rather than on the first unknown-email sign-in, which would otherwise take
  // twice as long as a wrong password and tell the two apart.
  await decoyHash();
  const key = await loadSigningKey(config.JWT_PRIVATE_KEY_FILE);
  if (!config.JWT_PRIVATE_KEY_FILE)
    logger.warn('no JWT_PRIVATE_KEY_FILE: signing with a key made at start-up');
  const tokenSettings = { issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE };

  await fastify.register(healthRoutes, {
    checks: { postgres: postgresReady(db), redis: redisReady(redis) },
  });
  // Registered before the routes it documents, in the same scope, so it sees them all.
  await fastify.register(async (api) => {
    await registerOpenapi(api, {
      path: '/api/auth/openapi.json',
      title: 'auth-service',
      version: '0.1.0',
    });
    await api.register(jwksRoutes, { keys: [key.publicJwk] });
    await api.register(authRoutes, {
      prefix: '/api/auth',
      users: userRepository(db),
      refreshTokens: refreshTokenStore(redis, config.REFRESH_TOKEN_TTL_SECONDS),
      throttle: loginThrottle(redis, {
        perAccount: config.LOGIN_MAX_FAILURES_PER_ACCOUNT,
        perIp: config.LOGIN_MAX_FAILURES_PER_IP,
        windowSeconds: config.LOGIN_FAILURE_WINDOW_SECONDS,
      }),
      issueAccessToken: accessTokenIssuer(key, {
        ...tokenSettings,
        ttlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
      }),
      verify: createJwtVerifier(createLocalJWKSet({ keys: [key.publicJwk] }), tokenSettings),
      accessTokenTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
    });
  });
};

export default app;
