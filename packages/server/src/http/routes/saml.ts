/**
 * SAML 2.0 endpoints of Flint's service provider, per org (issue 18): its metadata, the Assertion
 * Consumer Service (HTTP-POST) and the Single Logout Service (HTTP-Redirect and HTTP-POST). SAML is
 * its own protocol — form-encoded posts from the IdP's page, XML, answers that are browser
 * redirects — so these routes live in their own Fastify scope (as SCIM's do) rather than as native
 * method objects. The work is in `identity/saml.ts`.
 * @module
 */
import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core.ts';
import { ApiError } from '../../errors.ts';
import { finishSaml, samlSingleLogout, spMetadataXml } from '../../identity/saml.ts';
import { ssoConfigOf } from '../../identity/sso.ts';
import { getOrg } from '../../identity/orgs.ts';
import { clientInfo } from '../route.ts';
import { setSessionCookie } from './auth.ts';

type P = { orgId: string };
const FORM = 'application/x-www-form-urlencoded';
/** A signed SAML response with a few attributes is a few KiB; an IdP's can be larger, not this large. */
const FORM_LIMIT = 512 * 1024;

function fields(body: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (body instanceof URLSearchParams) for (const [k, v] of body) out[k] = v;
  return out;
}

export function samlRoutes(app: FastifyInstance, core: Core): void {
  void app.register(
    async (scope) => {
      // The OAuth token endpoint's form parser (8 KiB) is app-wide; a signed SAML response is larger.
      scope.removeContentTypeParser(FORM);
      scope.addContentTypeParser(FORM, { parseAs: 'string', bodyLimit: FORM_LIMIT }, (_req, body, done) => {
        done(null, new URLSearchParams(body as string));
      });
      const config = (id: string) => ({ methodId: `saml.${id}`, auth: 'none' as const });

      scope.get<{ Params: P }>('/metadata', { config: config('metadata') }, async (req, reply) => {
        if ((await getOrg(core.db, req.params.orgId)) === undefined) throw ApiError.notFound('organization');
        return reply.type('application/samlmetadata+xml').header('cache-control', 'no-cache').send(await spMetadataXml(core, req.params.orgId));
      });

      scope.post<{ Params: P }>('/acs', { config: config('acs') }, async (req, reply) => {
        const form = fields(req.body);
        const response = form['SAMLResponse'];
        const outcome =
          response === undefined ? ({ kind: 'error', code: 'refused' } as const) : await finishSaml(core, await ssoConfigOf(core.db, req.params.orgId), response, clientInfo(req));
        // Back to the web app: signed in (its cookie), or told why not in the fragment, which no server sees.
        if (outcome.kind === 'session') {
          setSessionCookie(core, req, reply, outcome.session);
          return reply.redirect('/', 303);
        }
        return reply.redirect(`/#/sso-error/${outcome.code}`, 303);
      });

      const slo = async (orgId: string, message: Parameters<typeof samlSingleLogout>[2]) => samlSingleLogout(core, await ssoConfigOf(core.db, orgId), message);
      scope.get<{ Params: P; Querystring: Record<string, string> }>('/slo', { config: config('slo') }, async (req, reply) => {
        const rawQuery = req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '';
        const outcome = await slo(req.params.orgId, { binding: 'redirect', query: req.query, rawQuery });
        return reply.redirect(outcome.kind === 'redirect' ? outcome.url : `/#/sso-error/${outcome.code}`, 303);
      });
      scope.post<{ Params: P }>('/slo', { config: config('slo') }, async (req, reply) => {
        const outcome = await slo(req.params.orgId, { binding: 'post', body: fields(req.body) });
        return reply.redirect(outcome.kind === 'redirect' ? outcome.url : `/#/sso-error/${outcome.code}`, 303);
      });
    },
    { prefix: '/api/auth/saml/:orgId' },
  );
}
