import { createRequire } from 'node:module';

import type { SonicBoom as Destination, SonicBoomOpts } from 'sonic-boom';
import type winston from 'winston';
import TransportStream from 'winston-transport';

// sonic-boom is CommonJS (`module.exports = SonicBoom`), typed as if it had ES exports: required
// as what it is.
const SonicBoom = createRequire(import.meta.url)('sonic-boom') as new (
  options: SonicBoomOpts,
) => Destination;
const MESSAGE = Symbol.for('message');

/** Characters of lines waiting for standard output, at most, before new lines are dropped. */
export const DEFAULT_LOG_BUFFER = 4 * 1024 * 1024;

export interface StdoutTransportOptions extends TransportStream.TransportStreamOptions {
  bufferLimit?: number | undefined;
  /** Standard output unless told otherwise (tests write to a pipe of their own). */
  fd?: number;
}

/**
 * Lines to standard output without blocking the event loop. Node writes to a file or a pipe
 * synchronously, so a slow reader (a disk, PM2, a log shipper) would stall every request; these
 * lines are buffered and written asynchronously instead. The buffer is bounded: when the reader
 * falls that far behind, new lines are dropped and counted (`takeDropped`), so memory stays flat.
 * What is buffered is written out synchronously when the process exits, a crash included.
 */
export class StdoutTransport extends TransportStream {
  private readonly destination: Destination;
  private dropped = 0;

  constructor({
    bufferLimit = DEFAULT_LOG_BUFFER,
    fd = 1,
    ...options
  }: StdoutTransportOptions = {}) {
    super(options);
    this.destination = new SonicBoom({ fd, sync: false, maxLength: bufferLimit });
    this.destination.on('drop', () => {
      this.dropped += 1;
    });
    process.once('exit', () => {
      this.flush();
    });
  }

  override log(info: winston.Logform.TransformableInfo, next: () => void): void {
    this.destination.write(`${String(info[MESSAGE])}\n`);
    next();
  }

  /** Lines dropped since the last call. */
  takeDropped(): number {
    const dropped = this.dropped;
    this.dropped = 0;
    return dropped;
  }

  /** Writes out what is buffered, now; a closed or broken standard output loses it. */
  flush(): void {
    try {
      this.destination.flushSync();
    } catch {
      // Nowhere left to write to.
    }
  }
}
