import { describe, expect, it } from 'vitest';

import { ConfigError, loadConfig, serviceEnvSchema } from '../src/index.js';

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
