// The JSON the services answer, as their clients see it. Types only: the browser imports this
// module (`/api-types`) without pulling in anything that runs on Node.

/** Every error response, as the shared error handler writes it. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  requestId: string;
  /** Present on 400s: each field the request got wrong. */
  fields?: { field: string; message: string }[];
}

/** A workspace as core-service answers it. */
export interface Workspace {
  id: string;
  name: string;
  description: string;
  createdAt: string;
  updatedAt: string;
}

/** One page of workspaces; pass `nextCursor` back as `cursor` for the next one. */
export interface WorkspacePage {
  items: Workspace[];
  nextCursor: string | null;
}
