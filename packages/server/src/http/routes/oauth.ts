/**
 * OAuth 2.0 integrations (issue 18, ID-9). The native API (integrations, consent, grants) are
 * method objects like every other route. The authorization server's Webex endpoints —
 * `GET /v1/authorize`, `POST /v1/access_token` and RFC 7009's `POST /v1/revoke` — speak OAuth
 * (form bodies, `{error, error_description}` bodies, `Cache-Control: no-store`), so they live in
 * their own Fastify scope with their own error handler, as SCIM does. They are the core's, not the
 * gateway's: they need the database. Handlers stay thin: `identity/oauth.ts` does the work.
 * @module
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OAUTH_LIMITS, oauth } from '@flint/protocol';
import type { Core } from '../../core.ts';
import { ApiError } from '../../errors.ts';
import {
  AuthorizeProblem,
  checkAuthorizeRequest,
  consent,
  consentInfo,
  createIntegration,
  deleteIntegration,
  exchangeCode,
  getIntegrationLogo,
  listGrants,
  listIntegrations,
  problemRedirect,
  refreshGrant,
  revokeByClient,
  revokeGrant,
  setIntegrationLogo,
  type ClientCredentials,
} from '../../identity/oauth.ts';
import { REPLY_SENT, clientInfo, route } from '../route.ts';

/** The OAuth parameters we read; anything longer than this is refused, never stored. */
const MAX_PARAM_CHARS = 4096;
const PARAMS = ['response_type', 'client_id', 'redirect_uri', 'scope', 'state', 'code_challenge', 'code_challenge_method', 'grant_type', 'code', 'code_verifier', 'refresh_token', 'client_secret', 'token', 'token_type_hint'] as const;
type Param = (typeof PARAMS)[number];

/** The request's OAuth parameters as strings; a repeated, oversized or NUL-holding one is invalid_request (RFC 6749 §3.1). */
function oauthParams(source: unknown): Partial<Record<Param, string>> {
  const input = (source ?? {}) as Record<string, unknown>;
  if (typeof input !== 'object' || Array.isArray(input)) throw new ApiError('oauth_invalid_request', 'The parameters must be a form or a JSON object.');
  const out: Partial<Record<Param, string>> = {};
  for (const name of PARAMS) {
    const v = input[name];
    if (v === undefined) continue;
    if (typeof v !== 'string') throw new ApiError('oauth_invalid_request', `${name}: given once, as a string.`);
    if (v.length > MAX_PARAM_CHARS || v.includes('\u0000')) throw new ApiError('oauth_invalid_request', `${name}: at most ${MAX_PARAM_CHARS} characters, no NUL.`);
    out[name] = v;
  }
  return out;
}

/** client_secret_basic (RFC 6749 §2.3.1) or client_secret_post. */
function clientCredentials(req: FastifyRequest, p: Partial<Record<Param, string>>): ClientCredentials {
  const header = req.headers.authorization;
  const basic = typeof header === 'string' ? /^Basic\s+([A-Za-z0-9+/=]{1,2048})$/i.exec(header) : null;
  if (basic?.[1] !== undefined) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new ApiError('oauth_invalid_client', 'Client authentication failed.');
    try {
      return { clientId: decodeURIComponent(decoded.slice(0, colon)), clientSecret: decodeURIComponent(decoded.slice(colon + 1)) };
    } catch {
      throw new ApiError('oauth_invalid_client', 'Client authentication failed.');
    }
  }
  return { clientId: p.client_id, clientSecret: p.client_secret };
}

function oauthError(reply: FastifyReply, status: number, error: string, description: string): FastifyReply {
  return reply.code(status).header('Cache-Control', 'no-store').header('Pragma', 'no-cache').send({ error, error_description: description });
}

export function oauthRoutes(app: FastifyInstance, core: Core): void {
  route(app, core, oauth.createIntegration, async ({ actor, body }) => createIntegration(core, actor, body));
  route(app, core, oauth.listIntegrations, async ({ actor }) => ({ items: await listIntegrations(core, actor) }));
  route(app, core, oauth.deleteIntegration, async ({ actor, params }) => {
    await deleteIntegration(core, actor, params.id);
  });
  // The logo arrives as the raw image (people.ts registers the image/* parser); it is re-encoded to WebP.
  route(
    app,
    core,
    oauth.setIntegrationLogo,
    async ({ actor, params, req }) => {
      if (!Buffer.isBuffer(req.body)) throw new ApiError('unsupported_media_type', 'Send the logo as the raw image with its image/* Content-Type.');
      return setIntegrationLogo(core, actor, params.id, req.headers['content-type'], req.body);
    },
    { bodyLimit: OAUTH_LIMITS.logoBytes },
  );
  route(app, core, oauth.getIntegrationLogo, async ({ actor, params, reply }) => {
    const logo = await getIntegrationLogo(core, actor, params.id);
    void reply
      .code(200)
      .header('Content-Type', logo.contentType)
      .header('X-Content-Type-Options', 'nosniff')
      .header('Content-Security-Policy', "default-src 'none'; sandbox")
      .header('Cache-Control', 'private, max-age=3600')
      .send(Buffer.from(logo.data));
    return REPLY_SENT;
  });
  route(app, core, oauth.consentInfo, async ({ actor, query }) => consentInfo(core, actor, query));
  route(app, core, oauth.consent, async ({ actor, body }) => consent(core, actor, body));
  route(app, core, oauth.listGrants, async ({ actor }) => ({ items: await listGrants(core, actor) }));
  route(app, core, oauth.revokeGrant, async ({ actor, params }) => {
    await revokeGrant(core, actor, params.id);
  });
  route(app, core, oauth.tokenInfo, async ({ actor }) => ({ scopes: actor.scopes === undefined ? null : [...actor.scopes] }));

  void app.register(async (scope) => {
    scope.setErrorHandler((error, req, reply) => {
      const api = ApiError.from(error);
      if (api.status >= 500) {
        req.log.error({ err: error }, 'OAuth request failed');
        return oauthError(reply, 500, 'server_error', 'Internal error.');
      }
      if (api.retryAfterSec !== undefined) void reply.header('Retry-After', String(api.retryAfterSec));
      if (api.code === 'oauth_invalid_client' && typeof req.headers.authorization === 'string' && /^Basic\s/i.test(req.headers.authorization)) {
        void reply.header('WWW-Authenticate', 'Basic realm="flint"');
      }
      const code = api.code.startsWith('oauth_') ? api.code.slice('oauth_'.length) : api.code === 'rate_limited' ? 'slow_down' : 'invalid_request';
      return oauthError(reply, api.status, code, api.message);
    });
    // Counted by the rate limiter per address like every method route (auth: none ignores credentials).
    const config = (id: string) => ({ methodId: `oauth.${id}`, auth: 'none' as const });

    scope.get('/v1/authorize', { config: config('authorize'), schema: { hide: true } }, async (req, reply) => {
      const p = oauthParams(req.query);
      try {
        await checkAuthorizeRequest(core, p);
      } catch (error) {
        if (!(error instanceof AuthorizeProblem)) throw error;
        const back = problemRedirect(error);
        // An unknown client or a redirect URI it did not register is never redirected to (RFC 6749 §4.1.2.1).
        if (back === undefined) return oauthError(reply, 400, error.error, error.description);
        return reply.code(302).header('Location', back).header('Cache-Control', 'no-store').send();
      }
      // The consent page is the web app's; the request travels in the fragment, which no server sees.
      const forward = new URLSearchParams();
      for (const name of ['client_id', 'redirect_uri', 'scope', 'state', 'code_challenge', 'code_challenge_method'] as const) {
        const v = p[name];
        if (v !== undefined) forward.set(name, v);
      }
      return reply.code(302).header('Location', `${core.config.publicUrl}/#/oauth/authorize?${forward.toString()}`).header('Cache-Control', 'no-store').send();
    });

    scope.post('/v1/access_token', { config: config('token'), schema: { hide: true }, bodyLimit: 16 * 1024 }, async (req, reply) => {
      const p = oauthParams(req.body);
      const creds = clientCredentials(req, p);
      const info = clientInfo(req);
      let answer;
      if (p.grant_type === 'authorization_code') answer = await exchangeCode(core, creds, p, info);
      else if (p.grant_type === 'refresh_token') answer = await refreshGrant(core, creds, p.refresh_token, info);
      else if (p.grant_type === undefined) throw new ApiError('oauth_invalid_request', 'grant_type is required.');
      else throw new ApiError('oauth_unsupported_grant_type', 'grant_type must be authorization_code or refresh_token.');
      return reply.code(200).header('Cache-Control', 'no-store').header('Pragma', 'no-cache').send(answer);
    });

    scope.post('/v1/revoke', { config: config('revoke'), schema: { hide: true }, bodyLimit: 16 * 1024 }, async (req, reply) => {
      const p = oauthParams(req.body);
      await revokeByClient(core, clientCredentials(req, p), p.token);
      return reply.code(200).header('Cache-Control', 'no-store').send();
    });
  });
}
