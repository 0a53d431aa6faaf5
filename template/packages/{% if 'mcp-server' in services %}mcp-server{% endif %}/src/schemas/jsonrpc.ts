// What POST /mcp takes and answers, for validation (a 400 naming the field, before the MCP SDK
// sees the request) and the OpenAPI document. The message schemas accept exactly what the SDK's
// own (JSONRPCMessageSchema) does, so a request valid here is never refused by the SDK with a
// JSON-RPC error where the rest of the API answers an ErrorBody.

// JSON-RPC ids and error codes are numbers the SDK takes only as safe integers.
const integer = {
  type: 'integer',
  minimum: Number.MIN_SAFE_INTEGER,
  maximum: Number.MAX_SAFE_INTEGER,
} as const;
const id = { anyOf: [{ type: 'string' }, integer] } as const;
const jsonrpc = { type: 'string', const: '2.0' } as const;
const method = { type: 'string' } as const;
const withMeta = {
  type: 'object',
  properties: {
    _meta: {
      type: 'object',
      properties: {
        progressToken: id,
        'io.modelcontextprotocol/related-task': {
          type: 'object',
          required: ['taskId'],
          properties: { taskId: { type: 'string' } },
        },
      },
    },
  },
} as const;

const message = {
  anyOf: [
    {
      description: 'A request',
      type: 'object',
      required: ['jsonrpc', 'id', 'method'],
      additionalProperties: false,
      properties: { jsonrpc, id, method, params: withMeta },
    },
    {
      description: 'A notification',
      type: 'object',
      required: ['jsonrpc', 'method'],
      additionalProperties: false,
      properties: { jsonrpc, method, params: withMeta },
    },
    {
      description: "A result, answering the server's request",
      type: 'object',
      required: ['jsonrpc', 'id', 'result'],
      additionalProperties: false,
      properties: { jsonrpc, id, result: withMeta },
    },
    {
      description: "An error, answering the server's request",
      type: 'object',
      required: ['jsonrpc', 'error'],
      additionalProperties: false,
      properties: {
        jsonrpc,
        id,
        error: {
          type: 'object',
          required: ['code', 'message'],
          properties: { code: integer, message: { type: 'string' }, data: {} },
        },
      },
    },
  ],
} as const;

/** One JSON-RPC message, or a batch of them (protocol versions before 2025-06-18). */
export const mcpBody = {
  // 100: the SDK's MAX_BATCH_SIZE.
  anyOf: [message, { type: 'array', items: message, minItems: 1, maxItems: 100 }],
} as const;

/** Streamable HTTP: the client says it takes both a JSON answer and an event stream. */
export const mcpHeaders = {
  type: 'object',
  required: ['accept'],
  properties: {
    accept: {
      type: 'string',
      description: 'Must list both application/json and text/event-stream',
      pattern: '^(?=.*application/json)(?=.*text/event-stream)',
    },
  },
} as const;

/** The answers of the SDK's transport: an event stream for requests, nothing for the rest. */
export const mcpAnswers = {
  200: {
    description: 'The JSON-RPC responses, as server-sent events',
    content: {
      'text/event-stream': {
        schema: {
          description: 'One event per response; its data is the JSON-RPC response',
          type: 'object',
          required: ['event', 'data'],
          properties: { event: { type: 'string', const: 'message' }, data: { type: 'string' } },
        },
      },
    },
  },
  202: { type: 'null', description: 'Notifications or responses only: accepted' },
} as const;
