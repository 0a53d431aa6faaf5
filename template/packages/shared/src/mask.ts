export const REDACTED = '[REDACTED]';

// Compared against keys lowercased with separators removed, as substrings: "x-api-key",
// "refresh_token" and "dbPassword" all match. Erring towards masking is the safe side.
export const DEFAULT_SENSITIVE_KEYS = [
  'password',
  'passwd',
  'secret',
  'token',
  'authorization',
  'cookie',
  'apikey',
  'privatekey',
  'cardnumber',
  'connectionstring',
] as const;

const MAX_DEPTH = 8;
// Longer strings are cut before the patterns run, so no value can make masking slow.
const MAX_STRING = 8_192;

// Secrets recognised by their shape inside any string, whatever key holds them.
const SECRET_SHAPES: [RegExp, string][] = [
  // JWTs: three base64url parts, the first two JSON objects ("eyJ" is the encoding of '{"').
  [/\beyJ[\w-]+\.eyJ[\w-]+\.[\w-]*/g, REDACTED],
  // Credentials after an HTTP authentication scheme.
  [/\b(Bearer|Basic|Digest)\s+[\w.~+/=-]+/gi, `$1 ${REDACTED}`],
  // user:password@ in URLs and connection strings.
  [/\b([a-z][\w+.-]*:\/\/)[^\s/:@]+:[^\s/@]*@/gi, `$1${REDACTED}@`],
  // Email addresses keep their first character and their domain: enough to help, not to identify.
  [/\b([\w+-])[\w.+-]*@([\w-]+(?:\.[\w-]+)+)\b/g, '$1***@$2'],
];

/**
 * A string safe to log: secrets masked by their shape, and line breaks replaced, so that input
 * cannot forge a log line of its own (log injection).
 */
export function maskString(value: string): string {
  let safe = value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…[truncated]` : value;
  for (const [shape, replacement] of SECRET_SHAPES) safe = safe.replace(shape, replacement);
  return safe.replace(/[\r\n\u2028\u2029]+/g, ' ');
}

export interface MaskOptions {
  /** More key fragments to mask, on top of the defaults. */
  extraKeys?: readonly string[];
}

const normalize = (key: string): string => key.toLowerCase().replace(/[-_.\s]/g, '');

/** True when a key names a value that must never reach a log. */
export function isSensitiveKey(key: string, fragments: readonly string[]): boolean {
  const normalized = normalize(key);
  return fragments.some((fragment) => normalized.includes(fragment));
}

function serializeError(error: Error): Record<string, unknown> {
  const { name, message, stack, cause } = error;
  const code = (error as { code?: unknown }).code;
  return {
    name,
    message,
    stack,
    ...(code === undefined ? {} : { code }),
    ...(cause === undefined ? {} : { cause }),
  };
}

/**
 * A copy of `value` safe to log: sensitive keys masked at any depth, secrets masked inside every
 * string, errors turned into plain objects (with their cause chain), cycles and excessive depth
 * cut instead of thrown on.
 */
export function maskSecrets(value: unknown, options: MaskOptions = {}): unknown {
  const fragments = [...DEFAULT_SENSITIVE_KEYS, ...(options.extraKeys ?? []).map(normalize)];
  const ancestors = new WeakSet<object>();

  const visit = (current: unknown, depth: number): unknown => {
    if (typeof current === 'string') return maskString(current);
    if (current === null || typeof current !== 'object') return current;
    if (ancestors.has(current)) return '[Circular]';
    if (depth >= MAX_DEPTH) return '[Truncated]';
    const source = current instanceof Error ? serializeError(current) : current;
    ancestors.add(current);
    const copy = Array.isArray(source)
      ? source.map((item: unknown) => visit(item, depth + 1))
      : Object.fromEntries(
          Object.entries(source).map(([key, item]) => [
            key,
            isSensitiveKey(key, fragments) ? REDACTED : visit(item, depth + 1),
          ]),
        );
    ancestors.delete(current);
    return copy;
  };

  return visit(value, 0);
}
