import { readFileSync } from 'node:fs';

import type { FastifyPluginAsync } from 'fastify';

import type { ServiceConfig } from '../config.js';
import { createLogger, exitOnCrash, type Logger } from '../logger.js';
import { createServer } from './create-server.js';
import { installFetchPropagation } from './propagation.js';

export interface ServiceDefinition<Config extends ServiceConfig> {
  name: string;
  /** The service's package.json URL, for its version (`new URL('../package.json', import.meta.url)`). */
  packageJson: URL;
  config: Config;
  app: FastifyPluginAsync<{ config: Config; logger: Logger }>;
  /** Services that receive the caller's bearer token on outgoing fetch calls. */
  forwardAuthorizationTo?: readonly string[];
}

/**
 * The process around a service: logger, server, listen, and a graceful stop on SIGTERM/SIGINT that
 * lets requests in flight finish (bounded by SHUTDOWN_TIMEOUT_MS) before the process exits.
 */
export async function startService<Config extends ServiceConfig>(
  definition: ServiceDefinition<Config>,
): Promise<void> {
  const { config } = definition;
  const { version } = JSON.parse(readFileSync(definition.packageJson, 'utf8')) as {
    version: string;
  };
  const logger = createLogger({
    service: definition.name,
    version,
    environment: config.NODE_ENV,
    level: config.LOG_LEVEL,
    directory: config.LOG_DIR,
    retentionDays: config.LOG_RETENTION_DAYS,
  });
  exitOnCrash(logger);
  installFetchPropagation({ forwardAuthorizationTo: definition.forwardAuthorizationTo ?? [] });
  const app = createServer({ logger, trustProxy: config.TRUST_PROXY });
  await app.register(definition.app, { config, logger });

  const stop = (signal: NodeJS.Signals): void => {
    logger.info('shutting down', { signal });
    const timer = setTimeout(() => {
      logger.error('shutdown timed out; exiting with requests still open');
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS);
    timer.unref();
    // No process.exit on success: the process ends once its last handle closes, after the final
    // log lines are flushed.
    app.close().then(
      () => {
        logger.info('stopped');
        // Under a supervisor's IPC channel (a PM2 or cluster worker) the channel is the last open
        // handle: let go of it, or the process would wait for the shutdown timer and exit 1.
        if (process.connected) process.disconnect();
      },
      (error: unknown) => {
        logger.error('shutdown failed', { err: error });
        process.exitCode = 1;
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);

  await app.listen({ host: config.HOST, port: config.PORT });
  logger.info('listening', { host: config.HOST, port: config.PORT });
}
