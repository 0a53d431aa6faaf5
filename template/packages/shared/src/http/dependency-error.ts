/**
 * Errors that mean a dependency (PostgreSQL, Redis, another service) cannot be reached right now,
 * not that the request or the code is wrong. They answer 503 with Retry-After, so clients and the
 * gateway try again once it is back, instead of a 500 that reads as a bug.
 */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EPIPE',
  // PostgreSQL: admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections.
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);

// node-pg's pool and client say so in their messages only; ioredis names its error class, or,
// with no offline queue (createRedis), refuses a command while disconnected with this message.
const UNREACHABLE_MESSAGES = [
  'timeout exceeded when trying to connect',
  'Connection terminated',
  'Connection is closed',
  "Stream isn't writeable",
];

export function isDependencyUnavailable(error: unknown): boolean {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; depth += 1) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return true;
    if (cause.name === 'MaxRetriesPerRequestError') return true;
    if (
      UNREACHABLE_MESSAGES.some(
        (message) => cause instanceof Error && cause.message.includes(message),
      )
    ) {
      return true;
    }
    cause = cause.cause;
  }
  if (error instanceof AggregateError) return error.errors.some(isDependencyUnavailable);
  return false;
}
