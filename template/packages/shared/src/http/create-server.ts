import { AsyncResource } from 'node:async_hooks';
import { STATUS_CODES } from 'node:http';

import { AjvCompiler, type Options as AjvOptions } from '@fastify/ajv-compiler';
import Fastify, { LogController, type FastifyError, type FastifyInstance } from 'fastify';

import type { ErrorBody } from '../api-types.js';
import { HttpError } from '../http-error.js';
import type { Logger } from '../logger.js';
import { acceptRequestId, runWithContext } from '../request-context.js';
import { trackRouteMethods } from './allowed-methods.js';
import { isDependencyUnavailable } from './dependency-error.js';
import { errorResponses } from './error-response.js';
import { refuseMalformedUnicode } from './json-body.js';
import { fastifyLoggerFor } from './fastify-logger.js';

export const REQUEST_ID_HEADER = 'x-request-id';

/** Which field each schema violation is about, for forms to show next to the field. */
function validationFields(error: FastifyError) {
  return (error.validation ?? []).map((issue) => {
    const { missingProperty, additionalProperty } = issue.params as {
      missingProperty?: string;
      additionalProperty?: string;
    };
    const path = issue.instancePath.replace(/^\//, '').replaceAll('/', '.');
    const named = missingProperty ?? additionalProperty;
    return {
      field: named === undefined ? path : [path, named].filter(Boolean).join('.'),
      message:
        additionalProperty === undefined ? (issue.message ?? 'is invalid') : 'is not a known field',
    };
  });
}

// Report every invalid field at once, so a form can mark them all. Bodies are bounded by
// bodyLimit and the schemas' maxLength, which keeps exhaustive validation cheap.
const AJV_OPTIONS: AjvOptions = { allErrors: true };
const validatorsFor = AjvCompiler();

/**
 * Fastify's validators, but bodies are taken as sent: JSON has types, so `42` is no name and
 * `true` no password (Fastify would coerce both to strings), and an unknown field is refused, not
 * dropped, as the schemas' `additionalProperties: false` says. Query strings, path parameters and
 * headers are text, so they keep the coercion (`?limit=2` is a number).
 */
const strictBodies: typeof validatorsFor = (externalSchemas) => {
  const lenient = validatorsFor(externalSchemas, { customOptions: AJV_OPTIONS });
  const strict = validatorsFor(externalSchemas, {
    customOptions: { ...AJV_OPTIONS, coerceTypes: false, removeAdditional: false },
  });
  return (route) => (route.httpPart === 'body' ? strict : lenient)(route);
};

export interface ServerOptions {
  logger: Logger;
  /** Largest accepted request body, in bytes. */
  bodyLimit?: number;
  /** Proxies whose X-Forwarded-For gives the client address (`request.ip`). */
  trustProxy?: string | undefined;
}

declare module 'fastify' {
  interface FastifyRequest {
    contextScope: AsyncResource;
  }
}

/**
 * A Fastify instance with what every service shares: request ids, a request context for logs,
 * one access-log line per request and JSON errors that never carry a stack trace.
 */
export function createServer({
  logger,
  bodyLimit = 1_048_576,
  trustProxy,
}: ServerOptions): FastifyInstance {
  const app = Fastify({
    ...(trustProxy === undefined ? {} : { trustProxy }),
    loggerInstance: fastifyLoggerFor(logger),
    // Fastify's own request lines are replaced by the single access line written below.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit,
    schemaController: { compilersFactory: { buildValidator: strictBodies } },
    genReqId: (request) => acceptRequestId(request.headers[REQUEST_ID_HEADER]),
    // A stopping worker (a deploy, a PM2 restart) serves what reaches it during the drain instead
    // of refusing it with 503: the gateway retries only idempotent requests, so a POST refused
    // there would fail for its client.
    return503OnClosing: false,
  });

  refuseMalformedUnicode(app);
  const allowedMethods = trackRouteMethods(app);
  // Every error a route answers is an ErrorBody (the error handler below writes them all): each
  // route's schema says so, for its serializer and its OpenAPI document, without listing it.
  app.addHook('onRoute', (route) => {
    const response = route.schema?.response as Record<string, unknown> | undefined;
    route.schema = { ...route.schema, response: { ...errorResponses, ...response } };
  });
  // Once the drain starts, every response closes its connection: the gateway keeps idle
  // connections to reuse, and a request it sent on one to a stopped worker would be lost.
  let draining = false;
  app.addHook('preClose', (done) => {
    draining = true;
    done();
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (draining) void reply.header('connection', 'close');
    done(null, payload);
  });
  app.decorateRequest('contextScope');
  app.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    runWithContext({ requestId: request.id }, () => {
      request.contextScope = new AsyncResource('request-context');
      request.contextScope.runInAsyncScope(done);
    });
  });
  // A known path asked with another method is answered here, before any body is read: a body
  // parser would refuse the request for its content type first, and hide the 405.
  app.addHook('onRequest', (request, reply, done) => {
    // Only a request no route took is looked at: the others pay nothing here.
    if (!request.is404) {
      done();
      return;
    }
    const [path = '/'] = request.url.split('?', 1);
    const allowed = allowedMethods(path);
    if (allowed.length === 0) {
      done();
      return;
    }
    void reply
      .code(405)
      .header('allow', allowed.join(', '))
      .send({
        statusCode: 405,
        error: 'Method Not Allowed',
        message: `${request.method} is not allowed on ${path}; it answers ${allowed.join(', ')}`,
        requestId: request.id,
      } satisfies ErrorBody);
  });
  // Body parsing runs on stream events, outside the context; re-enter it before handlers run.
  app.addHook('preValidation', (request, _reply, done) => {
    request.contextScope.runInAsyncScope(done);
  });
  app.addHook('onResponse', (request, reply, done) => {
    logger.info('request completed', {
      requestId: request.id,
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      statusCode: reply.statusCode,
      durationMs: Math.round(reply.elapsedTime * 100) / 100,
      bytes: Number(reply.getHeader('content-length') ?? 0),
      userAgent: request.headers['user-agent'],
      ...(request.user ? { userId: request.user.userId } : {}),
    });
    done();
  });

  app.setNotFoundHandler((request, reply) => {
    return reply.code(404).send({
      statusCode: 404,
      error: 'Not Found',
      message: `Route ${request.method} ${request.url} not found`,
      requestId: request.id,
    } satisfies ErrorBody);
  });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    const clientError = status >= 400 && status < 500;
    const unavailable = !clientError && isDependencyUnavailable(error);
    const statusCode = clientError ? status : unavailable ? 503 : 500;
    if (!clientError) logger.error('request failed', { err: error });
    if (error instanceof HttpError) void reply.headers(error.headers);
    if (unavailable) void reply.header('retry-after', '5');
    const body: ErrorBody = {
      statusCode,
      error: STATUS_CODES[statusCode] ?? 'Error',
      // A server error's message could describe internals; only client errors explain themselves.
      message: clientError
        ? error.message
        : unavailable
          ? 'A service this request needs is unavailable; try again shortly.'
          : 'Internal error; quote the request id when reporting it.',
      requestId: request.id,
      ...(error.validation ? { fields: validationFields(error) } : {}),
      ...(error instanceof HttpError ? error.details : {}),
    };
    return reply.code(statusCode).send(body);
  });

  return app;
}
