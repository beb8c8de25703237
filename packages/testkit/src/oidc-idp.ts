/**
 * An organization's OpenID Provider on loopback for the SSO tests: `oidc-provider` (a certified
 * implementation: discovery, JWKS, authorization code with PKCE, signed ID tokens), with a small
 * sign-in page of our own that checks each account's password (the package's development pages
 * accept any password and pull a web font from the Internet). Consent is implied: the provider is
 * the org's own, and Flint is its first-party client.
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import { freePort } from './flint.ts';

export interface IdpAccount {
  /** The sign-in name typed at the IdP (its `sub`). */
  login: string;
  password: string;
  email: string;
  name: string;
  emailVerified?: boolean;
}

export interface TestIdp {
  issuer: string;
  clientId: string;
  clientSecret: string;
  accounts: IdpAccount[];
  /** Sign-ins the IdP finished (login names), to tell that a browser really went through it. */
  signIns: string[];
  close(): Promise<void>;
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escape(title)}</title></head><body><main><h1>${escape(title)}</h1>${body}</main></body></html>`;
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/**
 * `idTokenClaims`: put the account's `email` and `name` in the ID token itself (as Google, Entra ID
 * and Okta do for the `email` scope), not only in UserInfo (oidc-provider's default for a code
 * flow, OIDC Core 5.4). The KMS's IdP proof needs the address in the signed ID token.
 */
export async function startOidcIdp(options: { redirectUris: string[]; accounts: IdpAccount[]; postLogoutRedirectUris?: string[]; idTokenClaims?: boolean }): Promise<TestIdp> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const clientId = 'flint';
  const clientSecret = 'test-idp-client-secret-0123456789abcdef';
  const accounts = options.accounts;
  const signIns: string[] = [];
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: options.redirectUris,
        // Where RP-initiated logout may send the browser back: the app's root by default.
        post_logout_redirect_uris: options.postLogoutRedirectUris ?? options.redirectUris.map((u) => `${new URL(u).origin}/`),
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    pkce: { required: () => true },
    conformIdTokenClaims: options.idTokenClaims !== true,
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    findAccount: (_ctx: unknown, sub: string) => {
      const account = accounts.find((a) => a.login === sub);
      if (account === undefined) return undefined;
      return { accountId: sub, claims: () => ({ sub, email: account.email, email_verified: account.emailVerified ?? true, name: account.name }) };
    },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      // RP-initiated logout (end_session_endpoint), with a confirmation page of ours (the package's loads nothing external, but is unlabeled).
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx: { body: string; type: string }, form: string) => {
          ctx.type = 'html';
          ctx.body = page('Sign out of the Test IdP', `${form}<button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out of the IdP</button>`);
        },
      },
    },
    cookies: { keys: ['test-idp-cookie-key-0123456789'] },
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, AuthorizationCode: 60, IdToken: 600 },
    // Quiet: the provider's default renderer would answer errors with a page that loads nothing external.
    renderError: (ctx: { type: string; body: string }, out: { error?: string }) => {
      ctx.type = 'html';
      ctx.body = page('Sign-in error', `<p>${escape(String(out.error))}</p>`);
    },
  });
  const callback = provider.callback();

  const interaction = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const details = await provider.interactionDetails(req, res);
    if (details.prompt.name === 'consent') {
      const grant = details.grantId !== undefined ? await provider.Grant.find(details.grantId) : new provider.Grant({ accountId: details.session?.accountId ?? '', clientId: String(details.params['client_id']) });
      if (grant === undefined) throw new Error('grant vanished');
      const missingScope = details.prompt.details['missingOIDCScope'];
      const missingClaims = details.prompt.details['missingOIDCClaims'];
      if (Array.isArray(missingScope)) grant.addOIDCScope(missingScope.join(' '));
      if (Array.isArray(missingClaims)) grant.addOIDCClaims(missingClaims as string[]);
      await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
      return;
    }
    if (req.method === 'POST') {
      const form = await readForm(req);
      const account = accounts.find((a) => a.login === form.get('login') && a.password === form.get('password'));
      if (account !== undefined) {
        signIns.push(account.login);
        await provider.interactionFinished(req, res, { login: { accountId: account.login } }, { mergeWithLastSubmission: false });
        return;
      }
    }
    const failed = req.method === 'POST' ? '<p role="alert">Wrong name or password.</p>' : '';
    const hint = typeof details.params['login_hint'] === 'string' ? details.params['login_hint'] : '';
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(
      page(
        'Test IdP sign-in',
        `${failed}<form method="post" action="/interaction/${escape(details.uid)}"><label>IdP user <input name="login" autocomplete="username" value="${escape(hint)}" required></label><label>IdP password <input name="password" type="password" autocomplete="current-password" required></label><button type="submit">Sign in to the IdP</button></form>`,
      ),
    );
  };

  const server = createServer((req, res) => {
    if (req.url?.startsWith('/interaction/') === true) {
      interaction(req, res).catch((error: unknown) => {
        res.writeHead(400, { 'content-type': 'text/plain' });
        res.end(error instanceof Error ? error.message : String(error));
      });
      return;
    }
    callback(req, res);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  if ((server.address() as AddressInfo).port !== port) throw new Error('IdP port');
  return {
    issuer,
    clientId,
    clientSecret,
    accounts,
    signIns,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
