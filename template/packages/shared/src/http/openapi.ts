import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';

export interface OpenapiOptions {
  /** Where the document is served, under the service's own prefix (the gateway routes it). */
  path: string;
  title: string;
  version: string;
}

/**
 * Collects every route registered after it in `app`'s scope into an OpenAPI 3 document, built
 * from the same schemas that validate requests and serialize answers, and serves it at `path`.
 * A function, not a plugin: a plugin would get its own scope and see none of the routes.
 */
export async function registerOpenapi(
  app: FastifyInstance,
  { path, title, version }: OpenapiOptions,
): Promise<void> {
  await app.register(swagger, {
    openapi: {
      info: { title, version },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
    },
  });
  app.get(path, { schema: { hide: true } }, () => app.swagger());
}
