/**
 * Sign-up, sign-in, refresh and sign-out (SPEC ID-1, ID-5).
 * @module
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { auth, type SignupMailed } from '@flint/protocol';
import type { Core } from '../../core.ts';
import { confirmSignup, login, signup } from '../../identity/accounts.ts';
import { RESET_REQUESTED, requestPasswordReset, resetPasswordWithToken } from '../../identity/password-reset.ts';
import { exchangeForKmsToken, kmsPrincipalOf, issueWebToken, refreshSession, revokeSession, type IssuedSession } from '../../identity/sessions.ts';
import { REPLY_SENT, route } from '../route.ts';

export const SESSION_COOKIE = 'flint_session';
/** One answer for a new address and for one that has an account (issue 14): same status, same bytes. */
const SIGNUP_MAILED = 'We sent an e-mail to this address: follow it to continue.';

function isSecure(core: Core, req: FastifyRequest): boolean {
  return req.protocol === 'https' || core.config.publicUrl.startsWith('https:');
}

/** The web app's session: HttpOnly (scripts cannot read it), SameSite=Strict, Secure on HTTPS. */
export function setSessionCookie(core: Core, req: FastifyRequest, reply: FastifyReply, issued: IssuedSession): void {
  void reply.setCookie(SESSION_COOKIE, issued.cookieToken, {
    httpOnly: true,
    sameSite: 'strict',
    secure: isSecure(core, req),
    path: '/',
    maxAge: core.config.auth.refreshTokenTtlSec,
  });
  // Readable by the app: "a session may be here", so a first visit asks for no token (no 401).
  void reply.setCookie(auth.SIGNED_IN_HINT_COOKIE, '1', { httpOnly: false, sameSite: 'strict', secure: isSecure(core, req), path: '/', maxAge: core.config.auth.refreshTokenTtlSec });
}

function withoutCookie(issued: IssuedSession) {
  const { cookieToken: _cookie, ...result } = issued;
  return result;
}

export function authRoutes(app: FastifyInstance, core: Core): void {
  route(app, core, auth.signup, async ({ body, client, req, reply }) => {
    const outcome = await signup(core, body, client);
    if (outcome.kind === 'mailed') {
      // A confirmation link, or "this address has an account": the caller learns only that mail went.
      const answer: SignupMailed = { message: SIGNUP_MAILED };
      await reply.code(202).send(answer);
      return REPLY_SENT;
    }
    setSessionCookie(core, req, reply, outcome.session);
    return withoutCookie(outcome.session);
  });

  route(app, core, auth.confirmSignup, async ({ body, client, req, reply }) => {
    const issued = await confirmSignup(core, body, client);
    setSessionCookie(core, req, reply, issued);
    return withoutCookie(issued);
  });

  route(app, core, auth.login, async ({ body, client, req, reply }) => {
    const issued = await login(core, body, client);
    setSessionCookie(core, req, reply, issued);
    return withoutCookie(issued);
  });

  route(app, core, auth.requestPasswordReset, async ({ body, client, reply }) => {
    await requestPasswordReset(core, body, client);
    await reply.code(202).send({ message: RESET_REQUESTED });
    return REPLY_SENT;
  });

  route(app, core, auth.resetPassword, async ({ body }) => {
    await resetPasswordWithToken(core, body);
  });

  route(app, core, auth.refresh, async ({ body, client }) => refreshSession(core, body.refreshToken, client));

  // OAuth clients post the token endpoint as a form; URLSearchParams is all it takes to read one.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 8192 }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  route(app, core, auth.exchangeToken, async ({ body }) => {
    const { token, expiresIn } = await exchangeForKmsToken(core, body.subject_token);
    return { access_token: token, issued_token_type: auth.ACCESS_TOKEN_TYPE, token_type: 'Bearer' as const, expires_in: expiresIn, scope: auth.KMS_SCOPE };
  });

  route(app, core, auth.introspectToken, async ({ body }) => {
    const principal = await kmsPrincipalOf(core, body.token);
    if (principal === undefined) return { active: false };
    return { active: true, sub: principal.userId, org_id: principal.orgId, ...(principal.email !== undefined ? { username: principal.email } : {}), scope: auth.KMS_SCOPE };
  });

  route(app, core, auth.webToken, async ({ actor }) => issueWebToken(core, actor));

  route(app, core, auth.logout, async ({ actor, req, reply }) => {
    await revokeSession(core, actor, actor.sessionId);
    void reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'strict', secure: isSecure(core, req) });
    void reply.clearCookie(auth.SIGNED_IN_HINT_COOKIE, { path: '/', sameSite: 'strict', secure: isSecure(core, req) });
  });
}
