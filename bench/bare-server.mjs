// The baseline: a bare Fastify server (no logging, no hooks, no validation) answering the same
// shapes as the measured routes. Run from a rendered project so that its Fastify is the one used.
import Fastify from 'fastify';

const app = Fastify();
app.get('/health/live', () => ({ status: 'ok' }));
app.get('/workspace', () => ({
  id: '6f1d2c7e-8a5b-4c3d-9e0f-1a2b3c4d5e6f',
  name: 'Agents',
  description: '',
  createdAt: new Date().toISOString(),
  updatedAt: new Date().toISOString(),
}));
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) });
