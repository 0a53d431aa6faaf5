import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';

/**
 * Collects every route registered after it in `app`'s scope into an OpenAPI 3 document, built
 * from the same schemas that validate requests, and serves it at `path`. A function, not a
 * plugin: a plugin would get its own scope and see none of the routes.
 */
export async function registerOpenapi(
  app: FastifyInstance,
  path: string,
  version: string,
): Promise<void> {
  await app.register(swagger, {
    openapi: {
      info: { title: 'core-service', version },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
    },
  });
  app.get(path, { schema: { hide: true } }, () => app.swagger());
}
