/**
 * An organization's SAML 2.0 IdP on loopback for the SSO tests: `samlify`'s identity provider (a
 * different implementation from the SP side, `@node-saml/node-saml`, so the two really
 * interoperate), signing with an RSA key and certificate made at start, its request parsing checked
 * against the SAML schemas by `@authenio/samlify-node-xmllint`. A small sign-in page of ours checks
 * each account's password (HTTP-Redirect binding in, HTTP-POST binding out); it answers Flint's
 * LogoutRequests (single logout) and can send its own, and it hands tests raw signed responses
 * (solicited or IdP-initiated, with a wrong audience or out of date) to throw at Flint.
 * @module
 */
import 'reflect-metadata';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import * as samlify from 'samlify';
import * as xmllint from '@authenio/samlify-node-xmllint';
import { createRequire } from 'node:module';
import { freePort } from './flint.ts';
import type { IdpAccount } from './oidc-idp.ts';

samlify.setSchemaValidator(xmllint);
// samlify re-exports its template helpers through getters that Node's ESM named-export detection misses.
const { SamlLib } = createRequire(import.meta.url)('samlify') as typeof samlify;

const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
const EMAIL_FORMAT = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';

export interface SamlResponseOptions {
  /** The account the assertion names (its e-mail address is the NameID). */
  login: string;
  /** The AuthnRequest's ID, for a solicited response; none for an IdP-initiated one. */
  inResponseTo?: string;
  /** Another SP's entity ID as the audience (the assertion is still signed). */
  audience?: string;
  /** Moves the assertion's clock, e.g. -1 hour for one long expired. */
  shiftMs?: number;
}

export interface TestSamlIdp {
  entityId: string;
  metadataUrl: string;
  metadataXml: string;
  accounts: IdpAccount[];
  /** Sign-ins the IdP finished (login names). */
  signIns: string[];
  /** NameIDs of the LogoutRequests the IdP received from the SP. */
  logouts: string[];
  /** Trusts an SP (its metadata XML, as Flint publishes it). */
  registerSp(metadataXml: string): void;
  /** A signed SAMLResponse (base64, HTTP-POST binding) for the registered SP. */
  response(options: SamlResponseOptions): Promise<string>;
  /** An IdP-initiated LogoutRequest to the SP's Single Logout Service (HTTP-Redirect), signed unless told. */
  logoutRequestUrl(options: { login: string; sessionIndex?: string; signed?: boolean }): string;
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

/** An RSA key and a self-signed certificate for the IdP's signatures, made now. */
async function signingKey(): Promise<{ cert: string; key: string }> {
  x509.cryptoProvider.set(webcrypto as unknown as Crypto);
  const alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 } as const;
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '02',
    name: 'CN=Test SAML IdP',
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
    keys,
    signingAlgorithm: alg,
  });
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64').replace(/(.{64})/g, '$1\n');
  return { cert: cert.toString('pem'), key: `-----BEGIN PRIVATE KEY-----\n${der}\n-----END PRIVATE KEY-----\n` };
}

export async function startSamlIdp(options: { accounts: IdpAccount[]; singleLogout?: boolean }): Promise<TestSamlIdp> {
  // xmllint (WebAssembly) compiles itself and the SAML schemas on its first use, which takes tens of
  // seconds on a loaded machine: done now, beside the key generation, not in a browser's first visit.
  const warm = xmllint
    .validate('<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_warm" Version="2.0" IssueInstant="2026-01-01T00:00:00Z"><saml:Issuer>warm-up</saml:Issuer></samlp:AuthnRequest>')
    .catch(() => undefined);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const entityId = `${base}/metadata`;
  const { cert, key } = await signingKey();
  const accounts = options.accounts;
  const signIns: string[] = [];
  const logouts: string[] = [];
  const idp = samlify.IdentityProvider({
    entityID: entityId,
    signingCert: cert,
    privateKey: key,
    nameIDFormat: [EMAIL_FORMAT],
    singleSignOnService: [{ Binding: REDIRECT, Location: `${base}/sso` }],
    ...(options.singleLogout === false ? {} : { singleLogoutService: [{ Binding: REDIRECT, Location: `${base}/slo` }] }),
    wantAuthnRequestsSigned: false,
  });
  const metadataXml = idp.getMetadata();
  let sp: samlify.ServiceProviderInstance | undefined;
  let spUnsignedLogout: samlify.ServiceProviderInstance | undefined;
  const spOrThrow = () => {
    if (sp === undefined) throw new Error('no SP registered at the test IdP');
    return sp;
  };
  const sessionIndexes = new Map<string, string>();

  /** A signed login response, filled in by our template so the AuthnStatement carries a SessionIndex. */
  async function response(o: SamlResponseOptions): Promise<string> {
    const target = spOrThrow();
    const account = accounts.find((a) => a.login === o.login);
    if (account === undefined) throw new Error(`no IdP account ${o.login}`);
    const sessionIndex = `_s${randomUUID()}`;
    sessionIndexes.set(account.email, sessionIndex);
    const acs = target.entityMeta.getAssertionConsumerService('post') as string;
    const replacement = (template: string) => {
      const now = new Date(Date.now() + (o.shiftMs ?? 0));
      const later = new Date(now.getTime() + 5 * 60_000).toISOString();
      const id = `_${randomUUID()}`;
      const values: Record<string, string> = {
        ID: id,
        AssertionID: `_${randomUUID()}`,
        Destination: acs,
        Audience: o.audience ?? target.entityMeta.getEntityID(),
        SubjectRecipient: acs,
        Issuer: entityId,
        IssueInstant: now.toISOString(),
        StatusCode: 'urn:oasis:names:tc:SAML:2.0:status:Success',
        ConditionsNotBefore: now.toISOString(),
        ConditionsNotOnOrAfter: later,
        SubjectConfirmationDataNotOnOrAfter: later,
        NameIDFormat: EMAIL_FORMAT,
        NameID: account.email,
      };
      // Our own XML fragments go in as they are (samlify escapes every tag value).
      const fragments: Record<string, string> = {
        AuthnStatement: `<saml:AuthnStatement AuthnInstant="${now.toISOString()}" SessionIndex="${sessionIndex}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>`,
        AttributeStatement: `<saml:AttributeStatement><saml:Attribute Name="email"><saml:AttributeValue xsi:type="xs:string">${escape(account.email)}</saml:AttributeValue></saml:Attribute><saml:Attribute Name="displayName"><saml:AttributeValue xsi:type="xs:string">${escape(account.name)}</saml:AttributeValue></saml:Attribute></saml:AttributeStatement>`,
      };
      let context = template;
      for (const [tag, xml] of Object.entries(fragments)) context = context.replace(`{${tag}}`, xml);
      // An IdP-initiated response names no request: samlify drops an attribute whose value is undefined.
      context = SamlLib.replaceTagsByValue(context, { ...values, InResponseTo: o.inResponseTo });
      return { id, context };
    };
    const out = await idp.createLoginResponse(target, {} as never, 'post', { email: account.email }, replacement);
    return out.context;
  }

  function logoutRequestUrl(o: { login: string; sessionIndex?: string; signed?: boolean }): string {
    const target = o.signed === false ? spUnsignedLogout : spOrThrow();
    if (target === undefined) throw new Error('no SP registered at the test IdP');
    const account = accounts.find((a) => a.login === o.login);
    if (account === undefined) throw new Error(`no IdP account ${o.login}`);
    const sessionIndex = o.sessionIndex ?? sessionIndexes.get(account.email);
    const out = idp.createLogoutRequest(target, 'redirect', { logoutNameID: account.email, ...(sessionIndex === undefined ? {} : { sessionIndex }) });
    return out.context;
  }

  const autoPost = (action: string, fields: Record<string, string>) =>
    page(
      'Returning to the application',
      `<form method="post" action="${escape(action)}">${Object.entries(fields)
        .map(([k, v]) => `<input type="hidden" name="${escape(k)}" value="${escape(v)}">`)
        .join('')}<button type="submit">Continue</button></form><script>document.forms[0].submit()</script>`,
    );

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', base);
    const html = (status: number, body: string) => {
      res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(body);
    };
    if (url.pathname === '/metadata') {
      res.writeHead(200, { 'content-type': 'application/samlmetadata+xml' });
      res.end(metadataXml);
      return;
    }
    if (url.pathname === '/sso' && req.method === 'GET') {
      const query = Object.fromEntries(url.searchParams);
      // samlify parses and schema-checks the AuthnRequest; its ID comes back as InResponseTo.
      const parsed = await idp.parseLoginRequest(spOrThrow(), 'redirect', { query });
      const requestId = String((parsed.extract as { request?: { id?: string } }).request?.id ?? '');
      const hint = url.searchParams.get('login_hint') ?? '';
      const login = accounts.find((a) => a.email === hint)?.login ?? '';
      html(
        200,
        page(
          'Test SAML IdP sign-in',
          `<form method="post" action="/sso"><input type="hidden" name="request" value="${escape(requestId)}"><input type="hidden" name="RelayState" value="${escape(url.searchParams.get('RelayState') ?? '')}"><label>IdP user <input name="login" autocomplete="username" value="${escape(login)}" required></label><label>IdP password <input name="password" type="password" autocomplete="current-password" required></label><button type="submit">Sign in to the IdP</button></form>`,
        ),
      );
      return;
    }
    if (url.pathname === '/sso' && req.method === 'POST') {
      const form = await readForm(req);
      const account = accounts.find((a) => a.login === form.get('login') && a.password === form.get('password'));
      if (account === undefined) {
        html(200, page('Test SAML IdP sign-in', '<p role="alert">Wrong name or password.</p>'));
        return;
      }
      signIns.push(account.login);
      const request = form.get('request') ?? '';
      const samlResponse = await response({ login: account.login, ...(request === '' ? {} : { inResponseTo: request }) });
      const relay = form.get('RelayState') ?? '';
      html(200, autoPost(spOrThrow().entityMeta.getAssertionConsumerService('post') as string, { SAMLResponse: samlResponse, ...(relay === '' ? {} : { RelayState: relay }) }));
      return;
    }
    if (url.pathname === '/slo' && req.method === 'GET') {
      const query = Object.fromEntries(url.searchParams);
      const parsed = await idp.parseLogoutRequest(spOrThrow(), 'redirect', { query });
      const extract = parsed.extract as { nameID?: string };
      logouts.push(String(extract.nameID ?? ''));
      const out = idp.createLogoutResponse(spOrThrow(), parsed as never, 'redirect', url.searchParams.get('RelayState') ?? '');
      res.writeHead(303, { location: out.context, 'cache-control': 'no-store' });
      res.end();
      return;
    }
    html(404, page('Not found', ''));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end(error instanceof Error ? error.message : String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  if ((server.address() as AddressInfo).port !== port) throw new Error('IdP port');
  await warm;
  return {
    entityId,
    metadataUrl: entityId,
    metadataXml,
    accounts,
    signIns,
    logouts,
    registerSp: (xml: string) => {
      sp = samlify.ServiceProvider({ metadata: xml, wantLogoutRequestSigned: true, wantLogoutResponseSigned: true });
      spUnsignedLogout = samlify.ServiceProvider({ metadata: xml, wantLogoutRequestSigned: false });
    },
    response,
    logoutRequestUrl,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
