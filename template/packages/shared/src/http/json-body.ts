import type { FastifyInstance, FastifyRequest } from 'fastify';

import { HttpError } from '../http-error.js';

// In a well-formed string a surrogate only comes paired (one code point), which `\p{Cs}` in
// Unicode mode does not match: what it matches is alone.
const LONE_SURROGATE = /\p{Cs}/u;
// Parsed JSON holds a lone surrogate only where the text escaped one (decoded UTF-8 cannot).
const ESCAPED_SURROGATE = /\\u[dD][89a-fA-F]/;

/** Walks the parsed body with a stack of its own: a deeply nested body cannot overflow the call stack. */
function holdsLoneSurrogate(body: unknown): boolean {
  const pending: unknown[] = [body];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value === 'string') {
      if (LONE_SURROGATE.test(value)) return true;
    } else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        if (LONE_SURROGATE.test(key)) return true;
        pending.push(item);
      }
    }
  }
  return false;
}

/**
 * Fastify's JSON parser (prototype poisoning refused), which also refuses a string that is not
 * valid Unicode: JSON can spell a lone surrogate (`"\ud800"`), which no UTF-8 column can hold, and
 * PostgreSQL would silently store U+FFFD in its place. Refused for every route, with a 400.
 */
export function refuseMalformedUnicode(app: FastifyInstance): void {
  // Typed as callback-or-promise; with a callback it calls back and returns nothing.
  const parseJson = app.getDefaultJsonParser('error', 'error') as (
    request: FastifyRequest,
    text: string,
    done: (error: Error | null, body?: unknown) => void,
  ) => void;
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, raw, done) => {
    const text = raw.toString();
    parseJson(request, text, (error, body) => {
      if (error) done(error);
      else if (ESCAPED_SURROGATE.test(text) && holdsLoneSurrogate(body))
        done(new HttpError(400, 'The body holds a lone surrogate, which is not valid Unicode'));
      else done(null, body);
    });
  });
}
