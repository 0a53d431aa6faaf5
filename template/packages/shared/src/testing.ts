import { Writable } from 'node:stream';

import type { FastifyInstance, FastifyPluginAsync } from 'fastify';

import { createServer } from './http/create-server.js';
import { createLogger, type LoggerOptions } from './logger.js';

export type LogLine = Record<string, unknown>;

/** A production (JSON) logger whose lines are kept in memory, for assertions in tests. */
export function captureLogs(options: Partial<LoggerOptions> = {}) {
  const lines: LogLine[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(JSON.parse(chunk.toString()) as LogLine);
      callback();
    },
  });
  const logger = createLogger({
    service: 'test-service',
    version: '0.0.0-test',
    environment: 'production',
    destination,
    ...options,
  });
  return { logger, lines };
}

/** A service's app on the shared server, ready for `app.inject()`; no port is opened. */
export async function buildService<Options extends object>(
  plugin: FastifyPluginAsync<Options>,
  options: Options,
): Promise<{ app: FastifyInstance; lines: LogLine[] }> {
  const { logger, lines } = captureLogs({ level: 'debug' });
  const app = createServer({ logger });
  await app.register(plugin, options);
  await app.ready();
  return { app, lines };
}
