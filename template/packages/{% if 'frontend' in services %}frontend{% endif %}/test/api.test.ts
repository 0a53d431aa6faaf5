import { describe, expect, it, vi } from 'vitest';

import { ApiError, createApi } from '../src/api.js';

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/** A scripted fetch: answers in order, and records what was asked. */
function scriptedFetch(...answers: Response[]) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetchImpl = vi.fn((url: string | URL | Request, init: RequestInit = {}) => {
    calls.push({
      url: typeof url === 'string' ? url : url instanceof URL ? url.href : url.url,
      init,
    });
    const answer = answers.shift();
    return answer ? Promise.resolve(answer) : Promise.reject(new Error('no more answers'));
  });
  return { fetchImpl: fetchImpl as unknown as typeof fetch, calls };
}

/** sessionStorage's three methods the API uses, over a Map the test can read. */
function memoryStorage(entries: [string, string][] = []) {
  const map = new Map(entries);
  const storage = {
    getItem: (key: string) => map.get(key) ?? null,
    setItem: (key: string, value: string) => {
      map.set(key, value);
    },
    removeItem: (key: string) => {
      map.delete(key);
    },
  };
  return { map, storage: storage as unknown as Storage };
}

describe('createApi', () => {
  it('refreshes the tokens silently when the access token is refused, then retries', async () => {
    const { fetchImpl, calls } = scriptedFetch(
      json(200, { accessToken: 'a1', refreshToken: 'r1' }),
      json(401, { message: 'The token is invalid or expired' }),
      json(200, { accessToken: 'a2', refreshToken: 'r2' }),
      json(200, { items: [] }),
    );
    const { map, storage } = memoryStorage();
    const api = createApi(fetchImpl, storage);
    await api.signIn('ada@acme.dev', 'a long passphrase');

    expect(await api.listWorkspaces()).toEqual({ items: [] });
    expect(calls.map((call) => call.url)).toEqual([
      '/api/auth/login',
      '/api/core/workspaces?limit=100',
      '/api/auth/refresh',
      '/api/core/workspaces?limit=100',
    ]);
    expect(new Headers(calls[3]?.init.headers).get('authorization')).toBe('Bearer a2');
    expect(map.get('refreshToken')).toBe('r2');
  });

  it('gives up and forgets the session when the refresh is refused', async () => {
    const { fetchImpl } = scriptedFetch(json(401, { message: 'The refresh token is invalid' }));
    const api = createApi(fetchImpl, memoryStorage([['refreshToken', 'stale']]).storage);
    await expect(api.listWorkspaces()).rejects.toBeInstanceOf(ApiError);
    expect(api.hasSession()).toBe(false);
  });
});
