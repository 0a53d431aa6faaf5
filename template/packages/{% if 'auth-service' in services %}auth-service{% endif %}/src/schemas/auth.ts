// Request and response schemas: Fastify validates bodies against them (400 with the failing
// fields) and serializes responses through them (no field leaks that is not listed here).

// An address as RFC 6531 allows it: any letters in the local part (`jörg@…`, which the `email`
// format, ASCII-only, refused), a domain of letter-or-digit labels, no space, control or
// invisible formatting character, or quoting (a lone surrogate is refused in every body). The
// refused characters are listed rather than named by a Unicode property (`\p{C}`), so every
// regular-expression engine that reads the OpenAPI document (a client generator's, the schema
// fuzzer's) agrees with this one. Whether the address receives mail is for a confirmation message
// to show, not a pattern.
const INVISIBLE = String.raw`\u0000-\u001f\u007f-\u009f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff`;
const LOCAL_PART = String.raw`[^\s${INVISIBLE}@"(),:;<>[\]\\]{1,64}`;
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
