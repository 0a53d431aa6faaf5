import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { ConfigError, loadConfig, redisEnvSchema, serviceEnvSchema } from '../src/index.js';
import { temporaryFolder } from '../src/testing.js';

describe('loadConfig', () => {
  const schema = serviceEnvSchema(3001);

  it('applies typed defaults', () => {
    const config = loadConfig(schema, {});
    expect(config).toMatchObject({ NODE_ENV: 'development', HOST: '127.0.0.1', PORT: 3001 });
  });

  it('coerces numbers from strings', () => {
    expect(loadConfig(schema, { PORT: '8080' }).PORT).toBe(8080);
  });

  it('fails fast and names every bad variable', () => {
    const load = () => loadConfig(schema, { PORT: 'eighty', LOG_LEVEL: 'loud' });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/PORT/);
    expect(load).toThrow(/LOG_LEVEL/);
  });

  it('rejects a port out of range', () => {
    expect(() => loadConfig(schema, { PORT: '70000' })).toThrow(/PORT/);
  });
});

describe('secrets given as files', () => {
  const folder = temporaryFolder('config-test-');
  let secret = '';
  beforeAll(() => {
    secret = join(folder(), 'redis_url');
    writeFileSync(secret, 'redis://:s3cret@redis:6379\n');
  });

  it('reads NAME_FILE into NAME, without the trailing newline', () => {
    expect(loadConfig(redisEnvSchema, { REDIS_URL_FILE: secret }).REDIS_URL).toBe(
      'redis://:s3cret@redis:6379',
    );
  });

  it('refuses both forms at once', () => {
    expect(() =>
      loadConfig(redisEnvSchema, { REDIS_URL: 'redis://x', REDIS_URL_FILE: secret }),
    ).toThrow(/set only one of REDIS_URL and REDIS_URL_FILE/);
  });

  it('names the variable whose file cannot be read, without its content', () => {
    const load = () => loadConfig(redisEnvSchema, { REDIS_URL_FILE: join(folder(), 'missing') });
    expect(load).toThrow(/REDIS_URL_FILE: cannot read .*missing \(ENOENT\)/);
  });
});
