import { describe, expect, it, vi } from 'vitest';

import { DEFAULT_LOG_LEVEL, createLogger, runWithContext } from '../src/index.js';
import { captureLogs } from '../src/testing.js';

describe('createLogger', () => {
  it('writes one JSON line with service, version, environment and an ISO UTC timestamp', () => {
    const { logger, lines } = captureLogs();
    logger.info('hello', { answer: 42 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'info',
      message: 'hello',
      service: 'test-service',
      version: '0.0.0-test',
      environment: 'production',
      answer: 42,
    });
    expect(String(lines[0]?.timestamp)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it('adds the request id of the current context', () => {
    const { logger, lines } = captureLogs();
    runWithContext({ requestId: 'req-1', userId: 'user-9' }, () => {
      logger.warn('inside');
    });
    logger.warn('outside');
    expect(lines[0]).toMatchObject({ requestId: 'req-1', userId: 'user-9' });
    expect(lines[1]).not.toHaveProperty('requestId');
  });

  it('masks secrets in metadata', () => {
    const { logger, lines } = captureLogs();
    logger.info('login', { body: { email: 'a@b.c', password: 'canary-password' } });
    expect(JSON.stringify(lines)).not.toContain('canary-password');
  });

  it('logs errors with their stack', () => {
    const { logger, lines } = captureLogs();
    logger.error('failed', { err: new Error('boom') });
    const err = lines[0]?.err as { message: string; stack: string };
    expect(err.message).toBe('boom');
    expect(err.stack).toContain('logger.test.ts');
  });

  it.each(Object.entries(DEFAULT_LOG_LEVEL))('in %s defaults to %s', (environment, level) => {
    const logger = createLogger({
      service: 's',
      version: '1',
      environment: environment as keyof typeof DEFAULT_LOG_LEVEL,
    });
    expect(logger.level).toBe(level);
  });

  it('lets LOG_LEVEL override the default', () => {
    const { logger, lines } = captureLogs({ level: 'error' });
    logger.info('dropped');
    logger.error('kept');
    expect(lines.map((line) => line.message)).toEqual(['kept']);
  });

  it('spends nothing on a line below the level: no format runs for it', () => {
    const { logger } = captureLogs({ level: 'warn' });
    // The timestamp format is the last of the chain; winston would run them all, then drop.
    const stamped = vi.spyOn(Date.prototype, 'toISOString');
    logger.info('request completed', { requestId: 'r-1', route: '/health/live' });
    expect(stamped).not.toHaveBeenCalled();
    logger.warn('kept');
    expect(stamped).toHaveBeenCalledTimes(1);
    stamped.mockRestore();
  });
});
