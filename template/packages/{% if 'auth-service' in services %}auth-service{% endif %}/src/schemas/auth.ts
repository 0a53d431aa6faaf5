// Request and response schemas: Fastify validates bodies against them (400 with the failing
// fields) and serializes responses through them (no field leaks that is not listed here).

// An address as RFC 6531 allows it: any letters in the local part (`jörg@…`, which the `email`
// format, ASCII-only, refused), a domain of letter-or-digit labels, no space, control character
// or quoting. Whether it receives mail is for a confirmation message to show, not a pattern.
const LOCAL_PART = String.raw`[^\s\p{C}@"(),:;<>[\]\\]{1,64}`;
const LABEL = String.raw`[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?`;
const email = {
  type: 'string',
  pattern: `^${LOCAL_PART}@(?:${LABEL}\\.)+${LABEL}$`,
  maxLength: 254,
} as const;

export const credentialsBody = {
  type: 'object',
  required: ['email', 'password'],
  additionalProperties: false,
  properties: {
    email,
    // Long passphrases welcome; the upper bound keeps hashing cost bounded.
    password: { type: 'string', minLength: 12, maxLength: 128 },
  },
} as const;

export const loginBody = {
  ...credentialsBody,
  properties: { email, password: { type: 'string', minLength: 1, maxLength: 128 } },
} as const;

export const refreshTokenBody = {
  type: 'object',
  required: ['refreshToken'],
  additionalProperties: false,
  properties: { refreshToken: { type: 'string', minLength: 1, maxLength: 512 } },
} as const;

export const userResponse = {
  type: 'object',
  required: ['id', 'email', 'createdAt'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    email: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' },
  },
} as const;

export const tokenResponse = {
  type: 'object',
  required: ['accessToken', 'refreshToken', 'tokenType', 'expiresIn'],
  properties: {
    accessToken: { type: 'string' },
    refreshToken: { type: 'string' },
    tokenType: { type: 'string', const: 'Bearer' },
    expiresIn: { type: 'integer' },
  },
} as const;

export interface Credentials {
  email: string;
  password: string;
}

export interface RefreshTokenRequest {
  refreshToken: string;
}
