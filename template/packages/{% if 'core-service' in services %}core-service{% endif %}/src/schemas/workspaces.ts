// Schemas of the workspace routes: validation (400 naming the field), serialization (only the
// listed fields leave the service) and the OpenAPI document all come from these.

const id = { type: 'string', format: 'uuid' } as const;
// PostgreSQL's text cannot hold a NUL character: refused here, with a 400 naming the field.
const noNul = '^[^\\u0000]*$';
const name = { type: 'string', minLength: 1, maxLength: 100, pattern: noNul } as const;
const description = { type: 'string', maxLength: 1000, pattern: noNul } as const;

export const workspace = {
  $id: 'Workspace',
  type: 'object',
  required: ['id', 'name', 'description', 'createdAt', 'updatedAt'],
  properties: {
    id,
    name,
    description,
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
} as const;

const workspaceRef = { $ref: 'Workspace#' } as const;

export const byId = {
  type: 'object',
  required: ['id'],
  properties: { id },
} as const;

export const createBody = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: { name, description },
} as const;

export const updateBody = {
  type: 'object',
  minProperties: 1,
  additionalProperties: false,
  properties: { name, description },
} as const;

// Microseconds since 1970 (at most 16 digits, before the year 2287: always a valid timestamp),
// then the row's id; domain/workspaces.ts writes and reads it.
const CURSOR_PATTERN = '^[0-9]{1,16}_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';

export const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
    cursor: {
      type: 'string',
      description: "The previous page's nextCursor",
      pattern: CURSOR_PATTERN,
    },
  },
} as const;

export const pageResponse = {
  type: 'object',
  required: ['items', 'nextCursor'],
  properties: {
    items: { type: 'array', items: workspaceRef },
    nextCursor: { type: ['string', 'null'] },
  },
} as const;

export { workspaceRef };

export interface CreateBody {
  name: string;
  description?: string;
}

export type UpdateBody = Partial<CreateBody>;

export interface ListQuery {
  limit: number;
  cursor?: string;
}

export interface ById {
  id: string;
}
