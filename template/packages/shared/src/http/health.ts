import type { FastifyPluginCallback } from 'fastify';

/** A dependency the service needs before it can take traffic; throws when it is not available. */
export type ReadinessCheck = () => Promise<void>;

export interface HealthOptions {
  checks?: Record<string, ReadinessCheck>;
}

const statusSchema = {
  type: 'object',
  properties: {
    status: { type: 'string' },
    failing: { type: 'array', items: { type: 'string' } },
  },
  required: ['status'],
} as const;

/**
 * `/health/live` says the process runs (restart it if not); `/health/ready` says its dependencies
 * answer (send it traffic), and names the ones that do not.
 */
export const healthRoutes: FastifyPluginCallback<HealthOptions> = (app, { checks = {} }, done) => {
  app.get('/health/live', { schema: { response: { 200: statusSchema } } }, () => ({
    status: 'ok',
  }));

  app.get(
    '/health/ready',
    { schema: { response: { 200: statusSchema, 503: statusSchema } } },
    async (_request, reply) => {
      const results = await Promise.allSettled(Object.values(checks).map((check) => check()));
      const names = Object.keys(checks);
      const failing = names.filter((_name, index) => results[index]?.status === 'rejected');
      if (failing.length > 0) return reply.code(503).send({ status: 'unavailable', failing });
      return { status: 'ok' };
    },
  );
  done();
};
