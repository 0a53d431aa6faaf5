import { EventEmitter, once } from 'node:events';
import { connect, type AddressInfo, type Socket } from 'node:net';

import { afterEach, describe, expect, it } from 'vitest';

import { createServer, healthRoutes } from '../../src/index.js';
import { captureLogs } from '../../src/testing.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function build() {
  const { logger, lines } = captureLogs({ level: 'debug' });
  const app = createServer({ logger });
  app.get('/echo', () => {
    logger.debug('inside handler');
    return { ok: true };
  });
  app.post('/echo', { schema: { body: { type: 'object', required: ['name'] } } }, (request) => {
    logger.debug('inside handler after body parsing');
    return request.body;
  });
  app.get('/boom', () => {
    throw new Error('database password is hunter2');
  });
  app.get('/database-down', () => {
    throw Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:5432'), { code: 'ECONNREFUSED' });
  });
  return { app, lines };
}

describe('createServer', () => {
  let current: ReturnType<typeof build> | undefined;
  afterEach(async () => {
    await current?.app.close();
  });
  const setup = () => (current = build());

  it('generates a request id and echoes it', async () => {
    const { app } = setup();
    const response = await app.inject({ method: 'GET', url: '/echo' });
    expect(response.headers['x-request-id']).toMatch(UUID);
  });

  it('keeps a valid incoming request id', async () => {
    const { app } = setup();
    const response = await app.inject({ url: '/echo', headers: { 'x-request-id': 'abc-123.x' } });
    expect(response.headers['x-request-id']).toBe('abc-123.x');
  });

  it.each(['bad id with spaces', 'x'.repeat(200), '<script>', 'evil\r\nset-cookie'])(
    'replaces a hostile request id %#',
    async (hostile) => {
      const { app } = setup();
      const response = await app.inject({ url: '/echo', headers: { 'x-request-id': hostile } });
      expect(response.headers['x-request-id']).toMatch(UUID);
    },
  );

  it('answers 503 with Retry-After when a dependency cannot be reached', async () => {
    const { app } = setup();
    const response = await app.inject({ url: '/database-down' });
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('5');
    expect(response.json()).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
    expect(response.body).not.toContain('10.0.0.5');
  });

  it('writes one access line per request, and handler lines carry the request id', async () => {
    const { app, lines } = setup();
    await app.inject({ url: '/echo', headers: { 'x-request-id': 'req-42' } });
    const access = lines.filter((line) => line.message === 'request completed');
    expect(access).toHaveLength(1);
    expect(access[0]).toMatchObject({
      requestId: 'req-42',
      method: 'GET',
      route: '/echo',
      statusCode: 200,
    });
    expect(lines.find((line) => line.message === 'inside handler')).toMatchObject({
      requestId: 'req-42',
    });
  });

  it('keeps the request context after the body is parsed', async () => {
    const { app, lines } = setup();
    await app.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'x-request-id': 'req-7' },
      payload: { name: 'n' },
    });
    expect(
      lines.find((line) => line.message === 'inside handler after body parsing'),
    ).toMatchObject({
      requestId: 'req-7',
    });
  });

  it('answers malformed JSON with a 400 JSON error', async () => {
    const { app } = setup();
    const response = await app.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"name": ',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ statusCode: 400, error: 'Bad Request' });
  });

  it('refuses a body with a lone surrogate, which no UTF-8 column could store', async () => {
    const { app } = setup();
    app.post('/deep', () => ({ accepted: true }));
    const post = (payload: string) =>
      app.inject({
        method: 'POST',
        url: '/echo',
        headers: { 'content-type': 'application/json' },
        payload,
      });
    for (const lone of [String.raw`{"name":"a\ud800"}`, String.raw`{"name":"x","\udc00":1}`]) {
      const refused = await post(lone);
      expect(refused.statusCode, lone).toBe(400);
      expect(refused.json()).toMatchObject({
        message: 'The body holds a lone surrogate, which is not valid Unicode',
      });
    }
    // A pair is one code point (😀); an escaped backslash makes `\ud800` plain text.
    expect((await post(String.raw`{"name":"\ud83d\ude00"}`)).json()).toEqual({ name: '😀' });
    expect((await post(String.raw`{"name":"\\ud800"}`)).json()).toEqual({ name: '\\ud800' });
    // Deeply nested, the walk keeps its own stack; prototype poisoning is still refused.
    const deep = `{"name":${'['.repeat(5000)}"\\ud83d\\ude00"${']'.repeat(5000)}}`;
    const nested = await app.inject({
      method: 'POST',
      url: '/deep',
      headers: { 'content-type': 'application/json' },
      payload: deep,
    });
    expect(nested.json()).toEqual({ accepted: true });
    expect((await post('{"name":"x","__proto__":{"admin":true}}')).statusCode).toBe(400);
  });

  it('answers a schema violation with a 400 that names the field', async () => {
    const { app } = setup();
    const response = await app.inject({ method: 'POST', url: '/echo', payload: { other: 1 } });
    expect(response.statusCode).toBe(400);
    expect(response.json<{ message: string }>().message).toContain('name');
  });

  it('answers an unknown route with a JSON 404 carrying the request id', async () => {
    const { app } = setup();
    const response = await app.inject({ url: '/nowhere', headers: { 'x-request-id': 'req-404' } });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ statusCode: 404, requestId: 'req-404' });
  });

  it('answers a known path asked with another method with a JSON 405 and Allow', async () => {
    const { app } = setup();
    app.get('/items/:id', () => ({ ok: true }));
    app.delete('/items/:id', () => ({ ok: true }));
    const response = await app.inject({
      method: 'PUT',
      url: '/items/42?x=1',
      headers: { 'x-request-id': 'req-405' },
    });
    expect(response.statusCode).toBe(405);
    // GET brings HEAD along (Fastify answers HEAD for every GET route).
    expect(response.headers.allow).toBe('DELETE, GET, HEAD');
    expect(response.json()).toEqual({
      statusCode: 405,
      error: 'Method Not Allowed',
      message: 'PUT is not allowed on /items/42; it answers DELETE, GET, HEAD',
      requestId: 'req-405',
    });
    // Another path, or one segment more, is still unknown.
    const deeper = await app.inject({ method: 'PUT', url: '/items/42/more' });
    expect(deeper.statusCode).toBe(404);
    expect(deeper.headers.allow).toBeUndefined();
  });

  it('answers 405 before it would look for a body', async () => {
    const { app } = setup();
    // QUERY carries a body: without a content type, it would be refused with 400, hiding the 405.
    const response = await app.inject({ method: 'QUERY', url: '/boom' });
    expect(response.statusCode).toBe(405);
    expect(response.headers.allow).toBe('GET, HEAD');
  });

  it('hides the cause of a 500 from the client but logs it', async () => {
    const { app, lines } = setup();
    const response = await app.inject({ url: '/boom' });
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('hunter2');
    expect(response.body).not.toContain('at ');
    const failure = lines.find((line) => line.message === 'request failed');
    expect(JSON.stringify(failure)).toContain('stack');
  });
});

// Raw HTTP/1.1 over one kept-alive connection, as the gateway holds them: what the server wrote on
// it until it closed.
async function rawConnection(port: number) {
  const socket: Socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
  const closed = once(socket, 'close').then(() => received);
  return { socket, closed };
}

describe('createServer while it drains', () => {
  async function listening() {
    const { logger } = captureLogs();
    const app = createServer({ logger });
    // /slow answers once the test emits 'release', so the drain can start while it is in flight.
    const gate = new EventEmitter();
    app.get('/slow', async () => {
      gate.emit('started');
      await once(gate, 'release');
      return { slow: true };
    });
    app.get('/echo', () => ({ ok: true }));
    await app.listen({ host: '127.0.0.1', port: 0 });
    return { app, port: (app.server.address() as AddressInfo).port, gate };
  }

  it('closes the connection of a request in flight once it is answered', async () => {
    const { app, port, gate } = await listening();
    const { socket, closed } = await rawConnection(port);
    const started = once(gate, 'started');
    socket.write('GET /slow HTTP/1.1\r\nHost: hub\r\n\r\n');
    await started;
    const stopped = app.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    gate.emit('release');
    const received = await closed;
    await stopped;
    expect(received).toMatch(/^HTTP\/1\.1 200 /);
    expect(received.toLowerCase()).toContain('connection: close');
  });

  it('serves a request that reaches it after the drain started, instead of a 503', async () => {
    const { app, port } = await listening();
    const { socket, closed } = await rawConnection(port);
    // Headers still incomplete when the drain starts: the connection is busy, not idle.
    socket.write('GET /echo HTTP/1.1\r\nHost: hub\r\n');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const stopped = app.close();
    socket.write('\r\n');
    const received = await closed;
    await stopped;
    expect(received).toMatch(/^HTTP\/1\.1 200 /);
    expect(received).toContain('{"ok":true}');
    expect(received.toLowerCase()).toContain('connection: close');
  });
});

describe('healthRoutes', () => {
  it('answers live and ready when every check passes', async () => {
    const { logger } = captureLogs();
    const app = createServer({ logger });
    await app.register(healthRoutes, { checks: { cache: () => Promise.resolve() } });
    expect((await app.inject({ url: '/health/live' })).json()).toEqual({ status: 'ok' });
    expect((await app.inject({ url: '/health/ready' })).statusCode).toBe(200);
    await app.close();
  });

  it('answers 503 naming the failing dependency', async () => {
    const { logger } = captureLogs();
    const app = createServer({ logger });
    await app.register(healthRoutes, {
      checks: { postgres: () => Promise.reject(new Error('down')), redis: () => Promise.resolve() },
    });
    const response = await app.inject({ url: '/health/ready' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({ status: 'unavailable', failing: ['postgres'] });
    await app.close();
  });
});
