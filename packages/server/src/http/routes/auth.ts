/**
 * Sign-up, sign-in, refresh and sign-out (SPEC ID-1, ID-5).
 * @module
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { auth } from '@flint/protocol';
import type { Core } from '../../core.ts';
import { login, signup } from '../../identity/accounts.ts';
import { refreshSession, revokeSession, type IssuedSession } from '../../identity/sessions.ts';
import { route } from '../route.ts';

export const SESSION_COOKIE = 'flint_session';

function isSecure(core: Core, req: FastifyRequest): boolean {
  return req.protocol === 'https' || core.config.publicUrl.startsWith('https:');
}

/** The web app's session: HttpOnly (scripts cannot read it), SameSite=Strict, Secure on HTTPS. */
function setSessionCookie(core: Core, req: FastifyRequest, reply: FastifyReply, issued: IssuedSession): void {
  void reply.setCookie(SESSION_COOKIE, issued.cookieToken, {
    httpOnly: true,
    sameSite: 'strict',
    secure: isSecure(core, req),
    path: '/',
    maxAge: core.config.auth.refreshTokenTtlSec,
  });
}

function withoutCookie(issued: IssuedSession) {
  const { cookieToken: _cookie, ...result } = issued;
  return result;
}

export function authRoutes(app: FastifyInstance, core: Core): void {
  route(app, core, auth.signup, async ({ body, client, req, reply }) => {
    const issued = await signup(core, body, client);
    setSessionCookie(core, req, reply, issued);
    return withoutCookie(issued);
  });

  route(app, core, auth.login, async ({ body, client, req, reply }) => {
    const issued = await login(core, body, client);
    setSessionCookie(core, req, reply, issued);
    return withoutCookie(issued);
  });

  route(app, core, auth.refresh, async ({ body, client }) => refreshSession(core, body.refreshToken, client));

  route(app, core, auth.logout, async ({ actor, req, reply }) => {
    await revokeSession(core, actor, actor.sessionId);
    void reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'strict', secure: isSecure(core, req) });
  });
}
