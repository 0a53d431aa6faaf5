import type { FastifyBaseLogger } from 'fastify';

import type { Logger } from '../logger.js';

type Bindings = Record<string, unknown>;

// Fastify binds `reqId` and passes raw `req`/`res` objects; the request context already names the
// request, and the raw objects are large and hold headers we would only have to mask.
const FASTIFY_NOISE = new Set(['reqId', 'req', 'res']);

const withoutNoise = (fields: Bindings): Bindings =>
  Object.fromEntries(Object.entries(fields).filter(([key]) => !FASTIFY_NOISE.has(key)));

/**
 * Presents a Winston logger with the pino-style methods Fastify calls (`log.error(obj, msg)`), so
 * the framework's own messages go through the same format, context and masking as ours.
 */
export function fastifyLoggerFor(logger: Logger, bindings: Bindings = {}): FastifyBaseLogger {
  const method =
    (level: string) =>
    (first: unknown, message?: string): void => {
      if (first instanceof Error) {
        logger.log(level, message ?? first.message, { ...bindings, err: first });
      } else if (typeof first === 'object' && first !== null) {
        logger.log(level, message ?? '', { ...bindings, ...withoutNoise(first as Bindings) });
      } else {
        logger.log(level, String(first), bindings);
      }
    };
  return {
    level: logger.level,
    fatal: method('error'),
    error: method('error'),
    warn: method('warn'),
    info: method('info'),
    debug: method('debug'),
    trace: method('silly'),
    silent: () => undefined,
    child: (childBindings: Bindings) =>
      fastifyLoggerFor(logger, { ...bindings, ...withoutNoise(childBindings) }),
  } as FastifyBaseLogger;
}
