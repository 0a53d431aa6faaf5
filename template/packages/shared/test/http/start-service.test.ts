import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

describe('startService', () => {
  // A real process with an IPC channel, as PM2 and Node's cluster start their workers.
  it('stops at once and cleanly on SIGTERM under a supervisor', async () => {
    const port = await freePort();
    // The worker listens to its supervisor, as a cluster worker does: that keeps the channel open.
    const code = `
      process.on('message', () => {});
      const { startService } = await import('./src/index.ts');
      await startService({
        name: 'stop-test',
        packageJson: new URL('file://${join(import.meta.dirname, '../../package.json')}'),
        config: {
          NODE_ENV: 'production', HOST: '127.0.0.1', PORT: ${String(port)},
          LOG_RETENTION_DAYS: 14, SHUTDOWN_TIMEOUT_MS: 10000,
        },
        app: async () => {},
      });
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      cwd: join(import.meta.dirname, '../..'),
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    let output = '';
    let signalled = 0;
    expect(child.stdout).not.toBeNull();
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (signalled === 0 && output.includes('"listening"')) {
        signalled = Date.now();
        child.kill('SIGTERM');
      }
    });
    const [status] = (await once(child, 'exit')) as [number | null];

    expect(status).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(5_000);
    expect(output).toContain('"stopped"');
    expect(output).not.toContain('timed out');
  }, 30_000);
});
