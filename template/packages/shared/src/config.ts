import { readFileSync } from 'node:fs';

import { z } from 'zod';

export const ENVIRONMENTS = ['development', 'test', 'production'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

export const LOG_LEVELS = ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Variables every service reads; a service adds its own with `.extend()`. */
export function serviceEnvSchema(defaultPort: number) {
  return z.object({
    NODE_ENV: z.enum(ENVIRONMENTS).default('development'),
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: z.coerce.number().int().min(1).max(65535).default(defaultPort),
    LOG_LEVEL: z.enum(LOG_LEVELS).optional(),
    // Also write rotated JSON log files there (the console stays the primary output).
    LOG_DIR: z.string().min(1).optional(),
    LOG_RETENTION_DAYS: z.coerce.number().int().min(1).default(14),
    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
    // Addresses of the proxies (the gateway) whose X-Forwarded-For is believed, comma-separated.
    TRUST_PROXY: z.string().min(1).optional(),
  });
}

export type ServiceConfig = z.infer<ReturnType<typeof serviceEnvSchema>>;

/** PostgreSQL settings; the pool defaults come from the template's connection budget. */
export function databaseEnvSchema(pool: { max: number; min: number }) {
  return z.object({
    DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgres:// URL'),
    DB_POOL_MAX: z.coerce.number().int().min(1).default(pool.max),
    DB_POOL_MIN: z.coerce.number().int().min(0).default(pool.min),
  });
}

export const redisEnvSchema = z.object({
  REDIS_URL: z.string().regex(/^rediss?:\/\/\S+$/, 'must be a redis:// or rediss:// URL'),
});

/** Where access tokens come from and whom they are for; every verifying service reads these. */
export const tokenEnvSchema = z.object({
  JWT_ISSUER: z.string().min(1),
  JWT_AUDIENCE: z.string().min(1),
});

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Secrets that may be given as `<NAME>_FILE` instead: the path of a file holding the value, which
 * is how Docker and Compose hand secrets to a container (never in its environment or image).
 */
export const SECRET_FILE_VARIABLES = ['DATABASE_URL', 'REDIS_URL'] as const;

function readSecretFiles(env: NodeJS.ProcessEnv, problems: string[]): NodeJS.ProcessEnv {
  const resolved = { ...env };
  for (const name of SECRET_FILE_VARIABLES) {
    const path = env[`${name}_FILE`];
    if (path === undefined) continue;
    if (env[name] !== undefined) {
      problems.push(`${name}_FILE: set only one of ${name} and ${name}_FILE`);
      continue;
    }
    try {
      // A trailing newline is how editors and `echo` end a file; it is not part of the secret.
      resolved[name] = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      problems.push(`${name}_FILE: cannot read ${path} (${code})`);
    }
  }
  return resolved;
}

/**
 * Parses the environment once at start-up. A bad value stops the process with a message that names
 * every offending variable, instead of failing later on first use.
 */
export function loadConfig<Schema extends z.ZodType>(
  schema: Schema,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<Schema> {
  const problems: string[] = [];
  const result = schema.safeParse(readSecretFiles(env, problems));
  if (result.success && problems.length === 0) return result.data;
  if (!result.success) {
    problems.push(
      ...result.error.issues.map(
        (issue) => `${issue.path.map(String).join('.') || '(environment)'}: ${issue.message}`,
      ),
    );
  }
  throw new ConfigError(`Invalid environment:\n  ${problems.join('\n  ')}`);
}
