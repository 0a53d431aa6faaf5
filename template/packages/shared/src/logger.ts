import type { Writable } from 'node:stream';

import winston from 'winston';
import DailyRotateFile from 'winston-daily-rotate-file';

import type { Environment, LogLevel } from './config.js';
import { StdoutTransport } from './log-destination.js';
import { createMasker } from './mask.js';
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
  /** Characters of lines waiting for a slow standard output, at most, before lines are dropped. */
  bufferLimit?: number;
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
const masked = (extraKeys: readonly string[]) => {
  const mask = createMasker({ extraKeys });
  return winston.format((info) => {
    const { level } = info;
    const safe = mask({ ...info }) as winston.Logform.TransformableInfo;
    return Object.assign(safe, { level, [Symbol.for('level')]: level });
  })();
};

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
  const primary = options.destination
    ? new winston.transports.Stream({ stream: options.destination, format: consoleFormat })
    : new StdoutTransport({ format: consoleFormat, bufferLimit: options.bufferLimit });
  const transports = [
    primary,
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
  const logger = winston.createLogger({
    level: options.level ?? DEFAULT_LOG_LEVEL[options.environment],
    defaultMeta: {
      service: options.service,
      version: options.version,
      environment: options.environment,
    },
    format: combine(
      // winston runs every format before its transports filter by level: a line below the level
      // would still be masked and stamped for nothing. It is dropped first.
      winston.format((info) => (logger.isLevelEnabled(info.level) ? info : false))(),
      errors({ stack: true }),
      withRequestContext(),
      masked(options.sensitiveKeys ?? []),
      timestamp(),
    ),
    // winston types its transports as interfaces with constructors, which this rule cannot follow.
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment
    transports,
  });
  if (primary instanceof StdoutTransport) reportDrops(logger, primary);
  return logger;
}

const DROP_REPORT_MS = 5_000;

// A loss is never silent: every few seconds, how many lines the bounded buffer could not take.
function reportDrops(logger: Logger, stdout: StdoutTransport): void {
  const timer = setInterval(() => {
    const dropped = stdout.takeDropped();
    if (dropped > 0)
      logger.warn('log lines dropped: standard output is slower than the service', { dropped });
  }, DROP_REPORT_MS);
  timer.unref();
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
