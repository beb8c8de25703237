/**
 * Single sign-on (issue 18): the admin's provider settings, the sign-in page's start, the OIDC
 * provider's redirect back, and sign-out at the provider (SAML's own endpoints are in `saml.ts`).
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { sso } from '@flint/protocol';
import type { Core } from '../../core.ts';
import { deleteSsoConfig, finishSso, getSamlSp, getSsoConfig, putSsoConfig, singleLogoutUrl, startSso } from '../../identity/sso.ts';
import { REPLY_SENT, route } from '../route.ts';
import { setSessionCookie } from './auth.ts';

export function ssoRoutes(app: FastifyInstance, core: Core): void {
  route(app, core, sso.getConfig, async ({ actor }) => getSsoConfig(core, actor));
  route(app, core, sso.putConfig, async ({ actor, body }) => putSsoConfig(core, actor, body));
  route(app, core, sso.deleteConfig, async ({ actor }) => {
    await deleteSsoConfig(core, actor);
  });
  route(app, core, sso.samlSp, async ({ actor }) => getSamlSp(core, actor));
  route(app, core, sso.singleLogout, async ({ actor }) => singleLogoutUrl(core, actor));
  route(app, core, sso.discover, async ({ body }) => startSso(core, body.email, body.nonce));
  route(app, core, sso.callback, async ({ query, client, req, reply }) => {
    const outcome = await finishSso(core, query, client);
    // Back to the web app: signed in (its cookie), or told why not in the fragment, which no server sees.
    if (outcome.kind === 'session') {
      setSessionCookie(core, req, reply, outcome.session);
      await reply.redirect(outcome.idToken !== undefined ? `/${sso.SSO_PROOF_FRAGMENT}${outcome.idToken}` : '/', 303);
    } else {
      await reply.redirect(`/#/sso-error/${outcome.code}`, 303);
    }
    return REPLY_SENT;
  });
}
