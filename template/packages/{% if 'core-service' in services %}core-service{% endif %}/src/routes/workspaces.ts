import { HttpError, authenticate, type JwtVerifier } from '#shared';
import type { FastifyPluginCallback, FastifyRequest } from 'fastify';

import type { Workspaces } from '../domain/cached-workspaces.js';
import { decodeCursor } from '../domain/workspaces.js';
import {
  byId,
  createBody,
  listQuery,
  pageResponse,
  updateBody,
  workspaceRef,
  type ById,
  type CreateBody,
  type ListQuery,
  type UpdateBody,
} from '../schemas/workspaces.js';

export interface WorkspaceRoutesOptions {
  workspaces: Workspaces;
  verify: JwtVerifier;
}

const deleted = { type: 'null', description: 'The workspace is deleted' } as const;
const documented = { tags: ['workspaces'], security: [{ bearer: [] }] } as const;

// Another user's workspace is answered exactly like a missing one: its existence is not revealed.
const notFound = () => new HttpError(404, 'No such workspace');

const ownerOf = (request: FastifyRequest): string => {
  if (!request.user) throw new HttpError(401, 'A bearer token is required');
  return request.user.userId;
};

/** Workspaces of the signed-in user: create, list (paginated), read, update, delete. */
const routes: FastifyPluginCallback<WorkspaceRoutesOptions> = (
  app,
  { workspaces, verify },
  done,
) => {
  app.addHook('onRequest', authenticate(verify));

  app.post<{ Body: CreateBody }>(
    '/workspaces',
    {
      schema: {
        ...documented,
        body: createBody,
        response: { 201: workspaceRef },
      },
    },
    async (request, reply) => {
      const { name, description = '' } = request.body;
      return reply.code(201).send(await workspaces.create(ownerOf(request), name, description));
    },
  );

  app.get<{ Querystring: ListQuery }>(
    '/workspaces',
    {
      schema: {
        ...documented,
        querystring: listQuery,
        response: { 200: pageResponse },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      const after = cursor === undefined ? undefined : decodeCursor(cursor);
      return workspaces.list(ownerOf(request), limit, cursor, after);
    },
  );

  app.get<{ Params: ById }>(
    '/workspaces/:id',
    { schema: { ...documented, params: byId, response: { 200: workspaceRef } } },
    async (request) =>
      (await workspaces.get(ownerOf(request), request.params.id)) ?? Promise.reject(notFound()),
  );

  app.patch<{ Params: ById; Body: UpdateBody }>(
    '/workspaces/:id',
    {
      schema: {
        ...documented,
        params: byId,
        body: updateBody,
        response: { 200: workspaceRef },
      },
    },
    async (request) =>
      (await workspaces.update(ownerOf(request), request.params.id, request.body)) ??
      Promise.reject(notFound()),
  );

  app.delete<{ Params: ById }>(
    '/workspaces/:id',
    { schema: { ...documented, params: byId, response: { 204: deleted } } },
    async (request, reply) => {
      if (!(await workspaces.remove(ownerOf(request), request.params.id))) throw notFound();
      return reply.code(204).send();
    },
  );
  done();
};

export default routes;
