import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { installFetchPropagation } from '#shared';
import { buildService, serveJwks, temporaryFolder, testSigningKey } from '#shared/testing';
import type { FastifyInstance } from 'fastify';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import app from '../src/app.js';
import { loadMcpConfig } from '../src/config.js';

const ISSUER = 'https://hub.test/api/auth';
const AUDIENCE = 'hub-test';

describe('loadMcpConfig', () => {
  it('names every missing variable', () => {
    expect(() => loadMcpConfig({})).toThrow(/JWT_ISSUER[\s\S]*JWT_AUDIENCE/);
  });
});

// The MCP SDK's client speaks HTTP, so this suite listens on a loopback port. core-service is a
// recording stand-in here; the template's e2e tier runs the tools against the real one.
describe('POST /mcp', () => {
  let server: FastifyInstance;
  let url: string;
  let token: string;
  let jwks: Awaited<ReturnType<typeof serveJwks>>;
  let core: Server;
  const seen: { method: string; url: string; headers: IncomingHttpHeaders; body: string }[] = [];

  const keyFolder = temporaryFolder('mcp-test-');
  beforeAll(async () => {
    const key = await testSigningKey(keyFolder());
    jwks = await serveJwks([key.publicJwk]);
    token = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: key.publicJwk.kid ?? '' })
      .setSubject(crypto.randomUUID())
      .setJti(crypto.randomUUID())
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('5m')
      .sign(key.privateKey);

    core = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        seen.push({
          method: request.method ?? '',
          url: request.url ?? '',
          headers: request.headers,
          body,
        });
        const workspace = {
          id: crypto.randomUUID(),
          name: 'Agents',
          description: '',
          createdAt: '',
          updatedAt: '',
        };
        const answer =
          request.method === 'POST' ? workspace : { items: [workspace], nextCursor: null };
        response.writeHead(request.method === 'POST' ? 201 : 200, {
          'content-type': 'application/json',
        });
        response.end(JSON.stringify(answer));
      });
    });
    await new Promise<void>((resolve) => core.listen(0, '127.0.0.1', resolve));
    const coreUrl = `http://127.0.0.1:${String((core.address() as AddressInfo).port)}`;

    installFetchPropagation({ forwardAuthorizationTo: [coreUrl] });
    const config = loadMcpConfig({
      NODE_ENV: 'test',
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      AUTH_JWKS_URL: jwks.url,
      CORE_SERVICE_URL: coreUrl,
    });
    ({ app: server } = await buildService(app, { config }));
    url = await server.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await server.close();
    await jwks.close();
    core.close();
  });

  const connect = async (authorization?: string) => {
    const client = new Client({ name: 'test-agent', version: '1.0.0' });
    const headers: Record<string, string> = authorization ? { authorization } : {};
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers } }),
    );
    return client;
  };

  it('lists the workspace tools', async () => {
    const client = await connect(`Bearer ${token}`);
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(['create_workspace', 'list_workspaces']);
    await client.close();
  });

  it('creates a workspace through core-service with the caller token and a request id', async () => {
    const client = await connect(`Bearer ${token}`);
    const result = await client.callTool({
      name: 'create_workspace',
      arguments: { name: 'Agents' },
    });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ name: 'Agents' });
    const call = seen.find((request) => request.method === 'POST');
    expect(call?.headers.authorization).toBe(`Bearer ${token}`);
    expect(call?.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(call?.body ?? '{}')).toEqual({ name: 'Agents', description: '' });
    await client.close();
  });

  it('lists workspaces through core-service', async () => {
    const client = await connect(`Bearer ${token}`);
    const result = await client.callTool({ name: 'list_workspaces', arguments: { limit: 5 } });
    expect(result.structuredContent).toMatchObject({
      items: [{ name: 'Agents' }],
      nextCursor: null,
    });
    expect(seen.some((request) => request.url === '/api/core/workspaces?limit=5')).toBe(true);
    await client.close();
  });

  it('refuses a caller without a valid token', async () => {
    await expect(connect()).rejects.toThrow();
    await expect(connect('Bearer forged.token.value')).rejects.toThrow();
  });

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    server.inject({
      method: 'POST',
      url: '/mcp',
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/json, text/event-stream',
        ...headers,
      },
      payload: body as object,
    });

  it('refuses a message that is not JSON-RPC with an ErrorBody naming the field', async () => {
    for (const body of [
      { jsonrpc: '1.0', id: 1, method: 'tools/list' },
      { jsonrpc: '2.0', id: 2 ** 60, method: 'tools/list' },
      { jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: 5 } },
      { jsonrpc: '2.0', id: 1, method: 'tools/list', extra: true },
      [],
    ]) {
      const response = await post(body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(response.json()).toMatchObject({
        statusCode: 400,
        error: 'Bad Request',
        requestId: expect.any(String) as string,
      });
    }
  });

  it('refuses a client that does not take an event stream, with an ErrorBody', async () => {
    const response = await post(
      { jsonrpc: '2.0', id: 1, method: 'tools/list' },
      { accept: 'application/json' },
    );
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      fields: [expect.objectContaining({ field: 'accept' })],
    });
  });

  it('accepts a notification with 202 and no body', async () => {
    const response = await post({ jsonrpc: '2.0', method: 'notifications/initialized' });
    expect(response.statusCode).toBe(202);
    expect(response.body).toBe('');
  });

  it('documents POST /mcp in its OpenAPI document', async () => {
    const document = (await server.inject({ url: '/api/mcp/openapi.json' })).json<{
      paths: Record<string, Record<string, { security?: unknown; responses: object }>>;
    }>();
    expect(Object.keys(document.paths)).toEqual(['/mcp']);
    expect(document.paths['/mcp']?.post?.security).toEqual([{ bearer: [] }]);
    expect(Object.keys(document.paths['/mcp']?.post?.responses ?? {})).toEqual(
      expect.arrayContaining(['200', '202', '4XX', '5XX']),
    );
  });

  it('answers GET with 405: the server keeps no session to stream', async () => {
    const response = await server.inject({ url: '/mcp' });
    expect(response.statusCode).toBe(405);
    expect(response.headers.allow).toBe('POST');
  });
});
