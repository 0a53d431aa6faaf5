import { HttpError, authenticate, type JwtVerifier } from '#shared';
import type { FastifyPluginCallback } from 'fastify';

import { decoyHash, hashPassword, verifyPassword } from '../domain/passwords.js';
import type { LoginThrottle } from '../domain/login-throttle.js';
import type { RefreshTokenStore } from '../domain/refresh-tokens.js';
import type { UserRepository } from '../domain/users.js';
import {
  credentialsBody,
  loginBody,
  refreshTokenBody,
  tokenResponse,
  userResponse,
  type Credentials,
  type RefreshTokenRequest,
} from '../schemas/auth.js';

export interface AuthRoutesOptions {
  users: UserRepository;
  refreshTokens: RefreshTokenStore;
  throttle: LoginThrottle;
  issueAccessToken: (userId: string) => Promise<string>;
  verify: JwtVerifier;
  accessTokenTtlSeconds: number;
}

const invalidCredentials = () => new HttpError(401, 'Invalid email or password');
// How the OpenAPI document groups them; /me also names the token it needs.
const documented = { tags: ['auth'] } as const;
const noContent = {
  type: 'null',
  description: 'Signed out: the refresh token is revoked',
} as const;

const routes: FastifyPluginCallback<AuthRoutesOptions> = (app, options, done) => {
  const { users, refreshTokens, throttle, issueAccessToken } = options;
  const tokensFor = async (userId: string, refreshToken?: string) => ({
    accessToken: await issueAccessToken(userId),
    refreshToken: refreshToken ?? (await refreshTokens.issue(userId)),
    tokenType: 'Bearer' as const,
    expiresIn: options.accessTokenTtlSeconds,
  });

  app.post<{ Body: Credentials }>(
    '/register',
    {
      schema: {
        ...documented,
        body: credentialsBody,
        response: { 201: userResponse },
      },
    },
    async (request, reply) => {
      const user = await users.create(
        request.body.email,
        await hashPassword(request.body.password),
      );
      if (!user) throw new HttpError(409, 'An account with this email already exists');
      request.log.info({ userId: user.id }, 'account created');
      return reply.code(201).send(user);
    },
  );

  app.post<{ Body: Credentials }>(
    '/login',
    {
      schema: {
        ...documented,
        body: loginBody,
        response: { 200: tokenResponse },
      },
    },
    async (request) => {
      const { email, password } = request.body;
      const wait = await throttle.retryAfter(email, request.ip);
      if (wait > 0) {
        request.log.warn({ ip: request.ip }, 'login throttled');
        throw new HttpError(429, 'Too many failed sign-ins; try again later', {
          headers: { 'retry-after': String(wait) },
        });
      }
      const user = await users.findByEmail(email);
      // Same work whether or not the account exists: the answer and its timing tell nothing.
      const valid = await verifyPassword(password, user?.passwordHash ?? (await decoyHash()));
      if (!user || !valid) {
        await throttle.recordFailure(email, request.ip);
        request.log.warn({ ip: request.ip }, 'login failed');
        throw invalidCredentials();
      }
      await throttle.recordSuccess(email);
      request.log.info({ userId: user.id }, 'login succeeded');
      return tokensFor(user.id);
    },
  );

  app.post<{ Body: RefreshTokenRequest }>(
    '/refresh',
    {
      schema: {
        ...documented,
        body: refreshTokenBody,
        response: { 200: tokenResponse },
      },
    },
    async (request) => {
      const result = await refreshTokens.rotate(request.body.refreshToken);
      if (result.outcome === 'reused') {
        request.log.warn({ userId: result.userId }, 'refresh token reused; session family revoked');
      }
      if (result.outcome !== 'rotated') throw new HttpError(401, 'The refresh token is invalid');
      return tokensFor(result.userId, result.refreshToken);
    },
  );

  app.post<{ Body: RefreshTokenRequest }>(
    '/logout',
    {
      schema: {
        ...documented,
        body: refreshTokenBody,
        response: { 204: noContent },
      },
    },
    async (request, reply) => {
      await refreshTokens.revoke(request.body.refreshToken);
      return reply.code(204).send();
    },
  );

  app.get(
    '/me',
    {
      onRequest: authenticate(options.verify),
      schema: {
        ...documented,
        security: [{ bearer: [] }],
        response: { 200: userResponse },
      },
    },
    async (request) => {
      const user = await users.findById(request.user?.userId ?? '');
      if (!user) throw new HttpError(401, 'The account no longer exists');
      return user;
    },
  );
  done();
};

export default routes;
