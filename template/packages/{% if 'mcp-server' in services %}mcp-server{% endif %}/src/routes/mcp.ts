import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { authenticate, type JwtVerifier } from '#shared';
import type { FastifyPluginCallback } from 'fastify';

import type { CoreClient } from '../domain/core-client.js';
import { buildMcpServer } from '../domain/tools.js';
import { mcpAnswers, mcpBody, mcpHeaders } from '../schemas/jsonrpc.js';

export interface McpRoutesOptions {
  core: CoreClient;
  verify: JwtVerifier;
  version: string;
}

/**
 * Model Context Protocol over Streamable HTTP at /mcp, stateless: every POST gets a fresh server
 * and transport, so any process of the cluster can answer any request and nothing is kept between
 * requests. Callers authenticate with the same bearer token as the rest of the API. GET (a
 * session's stream) and DELETE (a session's end) get 405: there is no session.
 */
const routes: FastifyPluginCallback<McpRoutesOptions> = (app, { core, verify, version }, done) => {
  const schema = {
    tags: ['mcp'],
    security: [{ bearer: [] }],
    headers: mcpHeaders,
    body: mcpBody,
    response: { ...mcpAnswers },
  };
  app.post('/mcp', { onRequest: authenticate(verify), schema }, async (request, reply) => {
    const server = buildMcpServer(core, version);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    // The transport writes the response itself (JSON or an event stream).
    reply.hijack();
    reply.raw.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(request.raw, reply.raw, request.body);
  });

  done();
};

export default routes;
