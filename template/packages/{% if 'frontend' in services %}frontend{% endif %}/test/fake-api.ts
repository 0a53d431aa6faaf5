import { vi } from 'vitest';

import { ApiError, type Api, type Workspace } from '../src/api.js';

/** An in-memory stand-in for the API, for component tests (the e2e test uses the real one). */
export function fakeApi(overrides: Partial<Api> = {}): Api {
  const workspaces: Workspace[] = [];
  return {
    hasSession: vi.fn(() => false),
    register: vi.fn((email: string) => Promise.resolve({ id: '1', email })),
    signIn: vi.fn(() => Promise.resolve()),
    signOut: vi.fn(() => Promise.resolve()),
    listWorkspaces: vi.fn(() => Promise.resolve({ items: [...workspaces] })),
    createWorkspace: vi.fn((name: string, description: string) => {
      const workspace = {
        id: String(workspaces.length + 1),
        name,
        description,
        createdAt: '',
        updatedAt: '',
      };
      workspaces.unshift(workspace);
      return Promise.resolve(workspace);
    }),
    ...overrides,
  };
}

export const rejected = (status: number, message: string, fields: ApiError['fields'] = []) =>
  vi.fn(() => Promise.reject(new ApiError(status, message, fields)));
