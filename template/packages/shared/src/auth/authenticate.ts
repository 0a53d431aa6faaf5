import type { FastifyRequest } from 'fastify';

import { HttpError } from '../http-error.js';
import { currentContext } from '../request-context.js';
import type { JwtVerifier, VerifiedToken } from './jwt-verifier.js';

declare module 'fastify' {
  interface FastifyRequest {
    user?: VerifiedToken;
  }
}

// The scheme is case-insensitive (RFC 9110, section 11.1): `bearer` and `BEARER` are `Bearer`.
const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i;

const unauthorized = (description: string) =>
  new HttpError(401, description, {
    headers: {
      'www-authenticate': `Bearer error="invalid_token", error_description="${description}"`,
    },
  });

/**
 * An onRequest hook that admits only requests with a valid access token, and records who the
 * caller is in the request context (log lines then carry the user id). It runs before the body is
 * read or validated: a caller without a token learns nothing of the schemas, and costs no parsing.
 */
export function authenticate(verify: JwtVerifier) {
  return async (request: FastifyRequest): Promise<void> => {
    const header = request.headers.authorization;
    const token = header === undefined ? undefined : BEARER.exec(header)?.[1];
    if (token === undefined) throw unauthorized('A bearer token is required');
    try {
      request.user = await verify(token);
    } catch {
      throw unauthorized('The token is invalid or expired');
    }
    const context = currentContext();
    if (context) {
      context.userId = request.user.userId;
      context.authorization = header;
    }
  };
}
