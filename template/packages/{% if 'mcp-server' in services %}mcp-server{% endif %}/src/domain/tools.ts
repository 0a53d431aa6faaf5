import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

import { CoreServiceError, type CoreClient } from './core-client.js';

// A tool's failure is an answer the agent can read and act on, not a protocol error.
async function asToolResult(work: () => Promise<unknown>): Promise<CallToolResult> {
  try {
    const value = await work();
    return {
      content: [{ type: 'text', text: JSON.stringify(value) }],
      structuredContent: value as Record<string, unknown>,
    };
  } catch (error) {
    if (error instanceof CoreServiceError && error.statusCode < 500) {
      return { isError: true, content: [{ type: 'text', text: `core-service: ${error.message}` }] };
    }
    throw error;
  }
}

/** The MCP server an agent talks to: workspace tools backed by core-service. */
export function buildMcpServer(core: CoreClient, version: string): McpServer {
  const server = new McpServer({ name: 'mcp-server', version });

  server.registerTool(
    'list_workspaces',
    {
      title: 'List workspaces',
      description: "Lists the signed-in user's workspaces, newest first, one page at a time.",
      inputSchema: {
        limit: z.number().int().min(1).max(100).default(20).describe('Workspaces per page'),
        cursor: z.string().max(200).optional().describe('nextCursor of the previous page'),
      },
      annotations: { readOnlyHint: true },
    },
    ({ limit, cursor }) => asToolResult(() => core.listWorkspaces(limit, cursor)),
  );

  server.registerTool(
    'create_workspace',
    {
      title: 'Create a workspace',
      description: 'Creates a workspace owned by the signed-in user.',
      inputSchema: {
        name: z.string().min(1).max(100).describe('Name of the workspace'),
        description: z.string().max(1000).default('').describe('What the workspace is for'),
      },
    },
    ({ name, description }) => asToolResult(() => core.createWorkspace(name, description)),
  );

  return server;
}
