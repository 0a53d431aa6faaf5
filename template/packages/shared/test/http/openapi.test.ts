import { describe, expect, it } from 'vitest';

import { createServer, registerOpenapi } from '../../src/index.js';
import { captureLogs } from '../../src/testing.js';

describe('registerOpenapi', () => {
  it('documents the routes registered after it in its scope, and hides its own', async () => {
    const app = createServer({ logger: captureLogs().logger });
    await app.register(async (api) => {
      await registerOpenapi(api, {
        path: '/api/x/openapi.json',
        title: 'x-service',
        version: '1.2.3',
      });
      api.get('/api/x/items', { schema: { security: [{ bearer: [] }] } }, () => []);
    });
    const document = (await app.inject({ url: '/api/x/openapi.json' })).json<{
      openapi: string;
      info: { title: string; version: string };
      paths: Record<string, Record<string, { security?: unknown }>>;
      components: { securitySchemes: Record<string, unknown> };
    }>();
    expect(document.openapi).toMatch(/^3\./);
    expect(document.info).toEqual({ title: 'x-service', version: '1.2.3' });
    expect(Object.keys(document.paths)).toEqual(['/api/x/items']);
    expect(document.paths['/api/x/items']?.get?.security).toEqual([{ bearer: [] }]);
    expect(document.components.securitySchemes).toHaveProperty('bearer');
    await app.close();
  });
});
