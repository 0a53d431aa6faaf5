import type { Workspace, WorkspacePage } from '#shared/api-types';

export class CoreServiceError extends Error {
  override name = 'CoreServiceError';
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * core-service's workspace API. Calls carry no credentials here: the shared fetch propagation adds
 * the caller's bearer token and request id to every call towards CORE_SERVICE_URL.
 */
export function coreClient(baseUrl: string) {
  const call = async <T>(path: string, method = 'GET', body?: unknown): Promise<T> => {
    const response = await fetch(new URL(`/api/core${path}`, baseUrl), {
      method,
      ...(body === undefined
        ? {}
        : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const answer = (await response.json()) as T & { message?: string };
    if (!response.ok)
      throw new CoreServiceError(response.status, answer.message ?? response.statusText);
    return answer;
  };

  return {
    listWorkspaces: (limit: number, cursor?: string) => {
      const query = new URLSearchParams({ limit: String(limit) });
      if (cursor !== undefined) query.set('cursor', cursor);
      return call<WorkspacePage>(`/workspaces?${query.toString()}`);
    },
    createWorkspace: (name: string, description: string) =>
      call<Workspace>('/workspaces', 'POST', { name, description }),
  };
}

export type CoreClient = ReturnType<typeof coreClient>;
