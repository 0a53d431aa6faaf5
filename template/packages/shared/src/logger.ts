import type { Writable } from 'node:stream';

import winston from 'winston';

import type { Environment, LogLevel } from './config.js';
import { maskSecrets } from './mask.js';
import { currentContext } from './request-context.js';

export type Logger = winston.Logger;

/** Quiet in tests, chatty in development, informative in production. */
export const DEFAULT_LOG_LEVEL: Record<Environment, LogLevel> = {
  development: 'debug',
  test: 'warn',
  production: 'info',
};

export interface LoggerOptions {
  service: string;
  version: string;
  environment: Environment;
  level?: LogLevel | undefined;
  /** Extra key fragments to mask, on top of the defaults. */
  sensitiveKeys?: readonly string[];
  /** Where lines go; standard output when absent (tests pass a stream). */
  destination?: Writable;
}

// Adds the request context, so a line logged anywhere during a request names that request.
const withRequestContext = winston.format((info) => {
  const context = currentContext();
  if (context) {
    info.requestId ??= context.requestId;
    if (context.userId !== undefined) info.userId ??= context.userId;
  }
  return info;
});

// Masks metadata; the message itself is the caller's own wording and stays as written.
const masked = (extraKeys: readonly string[]) =>
  winston.format((info) => {
    const { level, message } = info;
    const safe = maskSecrets({ ...info }, { extraKeys }) as winston.Logform.TransformableInfo;
    return Object.assign(safe, { level, message, [Symbol.for('level')]: level });
  })();

const readable = winston.format.printf(
  ({ timestamp, level, message, service, requestId, stack }) => {
    const id = typeof requestId === 'string' ? ` [${requestId}]` : '';
    const trace = typeof stack === 'string' ? `\n${stack}` : '';
    return `${String(timestamp)} ${level} ${String(service)}${id}: ${String(message)}${trace}`;
  },
);

export function createLogger(options: LoggerOptions): Logger {
  const { combine, errors, timestamp, json, colorize } = winston.format;
  const pretty = options.environment === 'development';
  const transport = options.destination
    ? new winston.transports.Stream({ stream: options.destination })
    : new winston.transports.Console();
  return winston.createLogger({
    level: options.level ?? DEFAULT_LOG_LEVEL[options.environment],
    defaultMeta: {
      service: options.service,
      version: options.version,
      environment: options.environment,
    },
    format: combine(
      errors({ stack: true }),
      withRequestContext(),
      masked(options.sensitiveKeys ?? []),
      timestamp(),
      ...(pretty ? [colorize(), readable] : [json()]),
    ),
    // winston types its transports as interfaces with constructors, which this rule cannot follow.
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment
    transports: [transport],
  });
}
