import { subscribe } from 'node:diagnostics_channel';

import { currentContext } from '../request-context.js';
import { REQUEST_ID_HEADER } from './create-server.js';

interface UndiciRequest {
  origin: string;
  headers: string[] | string;
  addHeader(name: string, value: string): void;
}

export interface PropagationOptions {
  /** Origins (`http://host:port`) that receive the caller's bearer token on outgoing calls. */
  forwardAuthorizationTo?: readonly string[];
}

const hasHeader = (headers: string[] | string, name: string): boolean =>
  Array.isArray(headers)
    ? headers.some((value, index) => index % 2 === 0 && value.toLowerCase() === name)
    : headers.toLowerCase().includes(`${name}:`);

/**
 * Every `fetch` made while serving a request carries its request id, and, towards the origins
 * named here, the caller's bearer token: call sites need no wrapper. Node's fetch (undici)
 * announces each request on this diagnostics channel before sending it.
 */
export function installFetchPropagation({ forwardAuthorizationTo = [] }: PropagationOptions = {}) {
  const trusted = new Set(forwardAuthorizationTo.map((url) => new URL(url).origin));
  subscribe('undici:request:create', (message) => {
    const { request } = message as { request: UndiciRequest };
    const context = currentContext();
    if (!context) return;
    if (!hasHeader(request.headers, REQUEST_ID_HEADER)) {
      request.addHeader(REQUEST_ID_HEADER, context.requestId);
    }
    if (
      context.authorization !== undefined &&
      trusted.has(request.origin) &&
      !hasHeader(request.headers, 'authorization')
    ) {
      request.addHeader('authorization', context.authorization);
    }
  });
}
