import type { ErrorBody, Workspace } from '#shared/api-types';

export type { Workspace };

interface Tokens {
  accessToken: string;
  refreshToken: string;
}

/** An API error with the message the service gave, and the invalid fields when there were any. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
    readonly fields: NonNullable<ErrorBody['fields']> = [],
  ) {
    super(message);
  }
}

// The refresh token survives a reload in sessionStorage (gone with the tab); the access token
// lives in memory only.
const REFRESH_KEY = 'refreshToken';

/**
 * The gateway's API as the SPA uses it: /api/auth and /api/core on the same origin. A request
 * answered 401 is retried once after a silent refresh of the tokens.
 */
export function createApi(
  fetchImpl: typeof fetch = fetch.bind(globalThis),
  storage: Storage = sessionStorage,
) {
  let accessToken: string | undefined;

  const send = async <T>(
    path: string,
    method = 'GET',
    body?: unknown,
    token?: string,
  ): Promise<T> => {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    const response = await fetchImpl(path, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (response.status === 204) return undefined as T;
    const payload = (await response.json().catch(() => ({}))) as T & Partial<ErrorBody>;
    if (!response.ok) {
      throw new ApiError(response.status, payload.message ?? response.statusText, payload.fields);
    }
    return payload;
  };

  const remember = (tokens: Tokens) => {
    accessToken = tokens.accessToken;
    storage.setItem(REFRESH_KEY, tokens.refreshToken);
  };

  const forget = () => {
    accessToken = undefined;
    storage.removeItem(REFRESH_KEY);
  };

  const refresh = async (): Promise<boolean> => {
    const refreshToken = storage.getItem(REFRESH_KEY);
    if (refreshToken === null) return false;
    try {
      remember(await send<Tokens>('/api/auth/refresh', 'POST', { refreshToken }));
      return true;
    } catch {
      forget();
      return false;
    }
  };

  const authorized = async <T>(path: string, method = 'GET', body?: unknown): Promise<T> => {
    if (accessToken === undefined && !(await refresh())) throw new ApiError(401, 'Please sign in');
    try {
      return await send<T>(path, method, body, accessToken);
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 401) || !(await refresh())) throw error;
      return send<T>(path, method, body, accessToken);
    }
  };

  return {
    /** Whether a session can be resumed (a refresh token is kept). */
    hasSession: () => accessToken !== undefined || storage.getItem(REFRESH_KEY) !== null,
    register: (email: string, password: string) =>
      send<{ id: string; email: string }>('/api/auth/register', 'POST', { email, password }),
    signIn: async (email: string, password: string) => {
      remember(await send<Tokens>('/api/auth/login', 'POST', { email, password }));
    },
    signOut: async () => {
      const refreshToken = storage.getItem(REFRESH_KEY);
      forget();
      if (refreshToken !== null) await send('/api/auth/logout', 'POST', { refreshToken });
    },
    listWorkspaces: () => authorized<{ items: Workspace[] }>('/api/core/workspaces?limit=100'),
    createWorkspace: (name: string, description: string) =>
      authorized<Workspace>('/api/core/workspaces', 'POST', { name, description }),
  };
}

export type Api = ReturnType<typeof createApi>;
