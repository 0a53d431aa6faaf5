import { execFileSync, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, constants, openSync, readFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';

import winston from 'winston';
import { describe, expect, it } from 'vitest';

import { StdoutTransport } from '../src/log-destination.js';
import { temporaryFolder } from '../src/testing.js';

const LINES = 1_000;
const LINE = 'x'.repeat(1_000);

function loggerTo(transport: StdoutTransport) {
  // winston types its transports as interfaces with constructors, which this rule cannot follow.
  // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment
  return winston.createLogger({ format: winston.format.simple(), transports: [transport] });
}

describe('StdoutTransport', () => {
  const folder = temporaryFolder('log-destination-');
  it('writes out every buffered line when the process exits at once', () => {
    // A real process (TypeScript through tsx): what is under test is what happens at its exit.
    const code = `
      const { createLogger } = await import('./src/index.ts');
      const logger = createLogger({ service: 'exit-test', version: '1', environment: 'production' });
      for (let index = 0; index < ${String(LINES)}; index += 1) logger.info('line ' + index);
      process.exit(0);
    `;
    const result = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', code],
      {
        cwd: join(import.meta.dirname, '..'),
        encoding: 'utf8',
        timeout: 20_000,
      },
    );
    expect(result.status).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(LINES);
    expect(JSON.parse(lines.at(-1) ?? '{}')).toMatchObject({
      message: `line ${String(LINES - 1)}`,
    });
  }, 30_000);

  it('loses no line when the reader keeps up, and writes out the rest when flushed', () => {
    const file = join(folder(), 'out.log');
    const fd = openSync(file, 'w');
    const transport = new StdoutTransport({ fd });
    const logger = loggerTo(transport);
    for (let index = 0; index < LINES; index += 1) logger.info(`line ${String(index)}`);
    transport.flush();
    closeSync(fd);
    const written = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(written).toHaveLength(LINES);
    expect(written.at(-1)).toBe(`info: line ${String(LINES - 1)}`);
    expect(transport.takeDropped()).toBe(0);
  });

  it('drops and counts what a stalled reader leaves beyond its bound, never blocking', async () => {
    const fifo = join(folder(), 'pipe');
    execFileSync('mkfifo', [fifo]);
    // The read end opened first (without waiting for a writer), and not read yet: a stalled reader.
    const readFd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const writeFd = openSync(fifo, 'w');
    const transport = new StdoutTransport({ fd: writeFd, bufferLimit: 100_000 });
    const logger = loggerTo(transport);

    const started = performance.now();
    for (let index = 0; index < LINES; index += 1) logger.info(LINE);
    // A megabyte offered to a 64 KiB pipe and a 100 kB buffer, without waiting on either.
    expect(performance.now() - started).toBeLessThan(1_000);
    const dropped = transport.takeDropped();
    expect(dropped).toBeGreaterThan(LINES / 2);

    // Once the reader reads, everything not dropped arrives.
    let received = 0;
    const reader = new Socket({ fd: readFd, readable: true, writable: false });
    reader.on('data', (chunk: Buffer | string) => {
      received += chunk.toString().split('\n').length - 1;
      if (received === LINES - dropped) reader.destroy();
    });
    await once(reader, 'close');
    expect(received).toBe(LINES - dropped);
    closeSync(writeFd);
  });
});
