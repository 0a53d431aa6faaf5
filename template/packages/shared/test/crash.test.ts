import { spawnSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { createLogger } from '../src/index.js';
import { temporaryFolder } from '../src/testing.js';

// A real Node process (TypeScript through tsx), since crashing is what is under test.
const runNode = (code: string) =>
  spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: join(import.meta.dirname, '..'),
    encoding: 'utf8',
    timeout: 20_000,
  });

const crashing = (throwing: string) => `
  const { createLogger, exitOnCrash } = await import('./src/index.ts');
  exitOnCrash(createLogger({ service: 'crash-test', version: '1', environment: 'production' }));
  setInterval(() => {}, 1000); // a server would keep the process alive like this
  ${throwing}
`;

describe('exitOnCrash', () => {
  it.each([
    [
      'an uncaught exception',
      "setTimeout(() => { throw new Error('boom', { cause: new Error('root cause') }); });",
      'uncaught exception',
    ],
    ['an unhandled rejection', "Promise.reject(new Error('boom'));", 'unhandled rejection'],
  ])(
    'logs %s with its stack, then exits non-zero',
    (_what, throwing, message) => {
      const result = runNode(crashing(throwing));
      expect(result.status).toBe(1);
      const line = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as {
        message: string;
        err: { message: string; stack: string };
      };
      expect(line.message).toBe(message);
      expect(line.err.message).toBe('boom');
      expect(line.err.stack).toContain('Error: boom');
    },
    // Longer than the child may take (above): starting Node with tsx is slow on a busy machine.
    30_000,
  );
});

describe('LOG_DIR', () => {
  const directory = temporaryFolder('logs-');

  it('also writes JSON lines to a daily file in that folder', async () => {
    const logger = createLogger({
      service: 'files',
      version: '1',
      environment: 'production',
      directory: directory(),
    });
    logger.info('to the file', { password: 'hunter2' });
    await new Promise<void>((resolve) => {
      logger.on('finish', resolve);
      logger.end();
    });
    const [file] = (await readdir(directory())).filter((name) => name.endsWith('.log'));
    expect(file).toMatch(/^files-\d{4}-\d{2}-\d{2}\.log$/);
    const line = JSON.parse(
      (await readFile(join(directory(), file ?? ''), 'utf8')).trim(),
    ) as Record<string, unknown>;
    expect(line).toMatchObject({
      message: 'to the file',
      password: '[REDACTED]',
      service: 'files',
    });
  });
});
