import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { HttpError, authenticate, type JwtVerifier } from '#shared';
import type { FastifyPluginCallback } from 'fastify';

import type { CoreClient } from '../domain/core-client.js';
import { buildMcpServer } from '../domain/tools.js';

export interface McpRoutesOptions {
  core: CoreClient;
  verify: JwtVerifier;
  version: string;
}

/**
 * Model Context Protocol over Streamable HTTP at /mcp, stateless: every POST gets a fresh server
 * and transport, so any process of the cluster can answer any request and nothing is kept between
 * requests. Callers authenticate with the same bearer token as the rest of the API.
 */
const routes: FastifyPluginCallback<McpRoutesOptions> = (app, { core, verify, version }, done) => {
  app.post('/mcp', { preHandler: authenticate(verify) }, async (request, reply) => {
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

  // Stateless: no session to stream to (GET) or to end (DELETE).
  const notAllowed = () => {
    throw new HttpError(405, 'This MCP server is stateless: send JSON-RPC requests with POST', {
      headers: { allow: 'POST' },
    });
  };
  app.get('/mcp', notAllowed);
  app.delete('/mcp', notAllowed);
  done();
};

export default routes;
