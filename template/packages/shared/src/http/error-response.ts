/** JSON schema of ErrorBody, for routes to document (and serialize) their error responses. */
export const errorResponseSchema = {
  type: 'object',
  required: ['statusCode', 'error', 'message', 'requestId'],
  properties: {
    statusCode: { type: 'integer' },
    error: { type: 'string' },
    message: { type: 'string' },
    requestId: { type: 'string' },
    fields: {
      type: 'array',
      items: {
        type: 'object',
        properties: { field: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
} as const;

/**
 * The errors of every route (createServer adds them to each route's schema): any 4xx or 5xx answer
 * is an ErrorBody, its message saying which, so a client (and the schema fuzzer) can rely on the
 * shape whatever the status.
 */
export const errorResponses = { '4xx': errorResponseSchema, '5xx': errorResponseSchema } as const;
