import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

export interface RequestContext {
  requestId: string;
  /** Set once the caller is authenticated. */
  userId?: string;
  /** The caller's `Authorization` header, kept only to forward it to trusted services. */
  authorization?: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** Runs `fn` so that every log line written inside it, however deep, carries this context. */
export function runWithContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

export function currentContext(): RequestContext | undefined {
  return storage.getStore();
}

/**
 * `handler`, run outside any request's context wherever it is called from. For events of shared
 * resources (a pool, a Redis client): they fire inside whichever request's async chain touched
 * the resource last, and must not be logged with that request's id.
 */
export function outsideRequests<A extends unknown[]>(handler: (...args: A) => void) {
  return (...args: A): void => {
    storage.exit(() => {
      handler(...args);
    });
  };
}

// Ids from outside are only trusted when short and made of safe characters: they end up in logs,
// headers and other services' requests.
const SAFE_REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** The caller's request id when it is safe to reuse, else a new UUID. */
export function acceptRequestId(header: string | string[] | undefined): string {
  return typeof header === 'string' && SAFE_REQUEST_ID.test(header) ? header : randomUUID();
}
