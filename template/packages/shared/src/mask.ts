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

// What every shape above contains: a string with none of these holds no secret shape, and most
// strings of a line (a method, a route, a message) are spared the patterns by one scan.
const MAYBE_SECRET = /eyJ|bearer|basic|digest|@/i;
const LINE_BREAKS = /[\r\n\u2028\u2029]+/g;
const LINE_BREAK = /[\r\n\u2028\u2029]/;

/**
 * A string safe to log: secrets masked by their shape, and line breaks replaced, so that input
 * cannot forge a log line of its own (log injection).
 */
export function maskString(value: string): string {
  let safe = value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…[truncated]` : value;
  if (MAYBE_SECRET.test(safe)) {
    for (const [shape, replacement] of SECRET_SHAPES) safe = safe.replace(shape, replacement);
  }
  return LINE_BREAK.test(safe) ? safe.replace(LINE_BREAKS, ' ') : safe;
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

// A line's keys are nearly always the same few (requestId, method, route...): a masker judges each
// once. Bounded, since keys can come from input.
const KEY_VERDICTS_MAX = 1_000;

function sensitivityOf(fragments: readonly string[]): (key: string) => boolean {
  const verdicts = new Map<string, boolean>();
  return (key) => {
    let verdict = verdicts.get(key);
    if (verdict === undefined) {
      verdict = isSensitiveKey(key, fragments);
      if (verdicts.size >= KEY_VERDICTS_MAX) verdicts.clear();
      verdicts.set(key, verdict);
    }
    return verdict;
  };
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
 * A function that makes a copy of a value safe to log: sensitive keys masked at any depth,
 * secrets masked inside every string, errors turned into plain objects (with their cause chain),
 * cycles and excessive depth cut instead of thrown on. Made once, used for every line.
 */
export function createMasker(options: MaskOptions = {}): (value: unknown) => unknown {
  const sensitive = sensitivityOf([
    ...DEFAULT_SENSITIVE_KEYS,
    ...(options.extraKeys ?? []).map(normalize),
  ]);

  return (value) => {
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
              sensitive(key) ? REDACTED : visit(item, depth + 1),
            ]),
          );
      ancestors.delete(current);
      return copy;
    };
    return visit(value, 0);
  };
}

/** `value` made safe to log (see createMasker), for a one-off; a logger keeps its masker. */
export function maskSecrets(value: unknown, options: MaskOptions = {}): unknown {
  return createMasker(options)(value);
}
