import type { Writable } from 'node:stream';

import winston from 'winston';
import DailyRotateFile from 'winston-daily-rotate-file';

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
  /** Also write JSON lines to daily-rotated files in this folder, kept for `retentionDays`. */
  directory?: string | undefined;
  retentionDays?: number;
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

// Masks everything but the level: metadata by key and by shape, the message by shape (it may
// quote input).
const masked = (extraKeys: readonly string[]) =>
  winston.format((info) => {
    const { level } = info;
    const safe = maskSecrets({ ...info }, { extraKeys }) as winston.Logform.TransformableInfo;
    return Object.assign(safe, { level, [Symbol.for('level')]: level });
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
  // Console lines are readable in development and JSON elsewhere; files are always JSON.
  const consoleFormat = pretty ? combine(colorize(), readable) : json();
  const transports = [
    options.destination
      ? new winston.transports.Stream({ stream: options.destination, format: consoleFormat })
      : new winston.transports.Console({ format: consoleFormat }),
    ...(options.directory === undefined
      ? []
      : [
          new DailyRotateFile({
            dirname: options.directory,
            filename: `${options.service}-%DATE%.log`,
            maxFiles: `${String(options.retentionDays ?? 14)}d`,
            zippedArchive: true,
            format: json(),
          }),
        ]),
  ];
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
    ),
    // winston types its transports as interfaces with constructors, which this rule cannot follow.
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment
    transports,
  });
}

/**
 * After an uncaught exception or an unhandled rejection the process is in an unknown state: log
 * the error with its stack, then exit non-zero so the supervisor (PM2, the container runtime)
 * starts a fresh one.
 */
export function exitOnCrash(logger: Logger): void {
  const crash = (kind: string) => (error: unknown) => {
    process.exitCode = 1;
    logger.error(kind, { err: error });
    // Give the line a moment to reach its transports, then stop whatever else is running.
    setTimeout(() => process.exit(1), 200);
  };
  process.on('uncaughtException', crash('uncaught exception'));
  process.on('unhandledRejection', crash('unhandled rejection'));
}
