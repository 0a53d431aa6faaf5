import type { FastifyPluginCallback } from 'fastify';
import type { JWK } from 'jose';

const jwksResponse = {
  type: 'object',
  required: ['keys'],
  properties: {
    keys: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          kty: { type: 'string' },
          crv: { type: 'string' },
          x: { type: 'string' },
          y: { type: 'string' },
          kid: { type: 'string' },
          alg: { type: 'string' },
          use: { type: 'string' },
        },
      },
    },
  },
} as const;

/** The public keys that verify access tokens, for the other services (RFC 7517). */
const jwks: FastifyPluginCallback<{ keys: JWK[] }> = (app, { keys }, done) => {
  app.get(
    '/.well-known/jwks.json',
    { schema: { response: { 200: jwksResponse } } },
    (_request, reply) => reply.header('cache-control', 'public, max-age=300').send({ keys }),
  );
  done();
};

export default jwks;
