// Drives a running mcp-server with the MCP SDK's own client: lists the tools, creates a workspace
// and lists workspaces. Copied into the rendered project and run there, so that the SDK it imports
// is the one the project installed. Usage: node mcp_client.mjs <mcp-url> <access-token> <request-id>
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const [url, token, requestId] = process.argv.slice(2);
const client = new Client({ name: 'e2e-agent', version: '1.0.0' });
await client.connect(
  new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { authorization: `Bearer ${token}`, 'x-request-id': requestId } },
  }),
);
const tools = (await client.listTools()).tools.map((tool) => tool.name).sort();
const created = await client.callTool({ name: 'create_workspace', arguments: { name: 'From an agent' } });
const listed = await client.callTool({ name: 'list_workspaces', arguments: { limit: 10 } });
await client.close();
console.log(JSON.stringify({ tools, created: created.structuredContent, listed: listed.structuredContent }));
