import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';

import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { calculateJwkThumbprint, exportJWK, exportPKCS8, generateKeyPair, type JWK } from 'jose';
import { afterAll, beforeAll } from 'vitest';

import { ACCESS_TOKEN_ALGORITHM } from './auth/jwt-verifier.js';

import { createServer } from './http/create-server.js';
import { createLogger, type Logger, type LoggerOptions } from './logger.js';

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
export async function buildService<Options extends { logger: Logger }>(
  plugin: FastifyPluginAsync<Options>,
  options: Omit<Options, 'logger'>,
): Promise<{ app: FastifyInstance; lines: LogLine[] }> {
  const { logger, lines } = captureLogs({ level: 'debug' });
  const app = createServer({ logger });
  await app.register(plugin, { ...options, logger } as Options);
  await app.ready();
  return { app, lines };
}

/**
 * PostgreSQL and Redis for integration tests, from TEST_DATABASE_URL and TEST_REDIS_URL; undefined
 * when they are not set, so those suites skip (and say so) instead of failing. Where they must run
 * (INTEGRATION_TESTS=required, as in CI), a missing one is an error instead.
 */
export function integrationEnv(): { DATABASE_URL: string; REDIS_URL: string } | undefined {
  const { TEST_DATABASE_URL, TEST_REDIS_URL, INTEGRATION_TESTS } = process.env;
  if (TEST_DATABASE_URL === undefined || TEST_REDIS_URL === undefined) {
    if (INTEGRATION_TESTS === 'required') {
      throw new Error(
        'INTEGRATION_TESTS=required, but TEST_DATABASE_URL or TEST_REDIS_URL is not set',
      );
    }
    return undefined;
  }
  return { DATABASE_URL: TEST_DATABASE_URL, REDIS_URL: TEST_REDIS_URL };
}

/**
 * A new folder under the system's temporary one for the tests of the block (or file) that asks for
 * it: made before they run, removed after, and never made when they are skipped. Call it where
 * hooks may be declared (in a `describe` block or at the top of a file); the function it returns
 * gives the folder's path once the tests run.
 */
export function temporaryFolder(prefix: string): () => string {
  let folder: string | undefined;
  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), prefix));
  });
  afterAll(() => {
    if (folder !== undefined) rmSync(folder, { recursive: true, force: true });
  });
  return () => {
    if (folder === undefined) throw new Error('temporaryFolder: its path is known once tests run');
    return folder;
  };
}

/** An ES256 key pair for tests: the private key as a PKCS#8 file, the public one as a JWK. */
export async function testSigningKey(directory: string) {
  const { privateKey, publicKey } = await generateKeyPair(ACCESS_TOKEN_ALGORITHM, {
    extractable: true,
  });
  const file = join(directory, `jwt-${randomUUID()}.pem`);
  await writeFile(file, await exportPKCS8(privateKey), { mode: 0o600 });
  const publicJwk = await exportJWK(publicKey);
  publicJwk.kid = await calculateJwkThumbprint(publicJwk);
  return { file, privateKey, publicJwk: { ...publicJwk, alg: ACCESS_TOKEN_ALGORITHM, use: 'sig' } };
}

/** A real HTTP server publishing `keys` as a JWKS on loopback, as auth-service does. */
export async function serveJwks(keys: JWK[]): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createHttpServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  };
}
