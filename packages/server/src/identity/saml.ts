/**
 * SAML 2.0 single sign-on per org (issue 18, SPEC ID-6), the second protocol next to OpenID Connect
 * (`sso.ts`), sharing its org settings (enabled, just-in-time accounts, require-SSO). Flint is the
 * service provider; the org imports its IdP's metadata (pasted or from a URL). All of the SAML
 * protocol work — building AuthnRequests and LogoutRequests, checking XML signatures against the
 * IdP's certificates, audience, issuer, validity windows, InResponseTo — is `@node-saml/node-saml`'s
 * (the library behind passport-saml); here are only the org's settings, the stores it needs, and
 * what a verified assertion means for Flint. Assertions must be signed (an unsigned or tampered one
 * is refused by the library); each assertion is used once.
 * @module
 */
import type { SAML, CacheProvider, Profile } from '@node-saml/node-saml';
import { sso, type SamlIdp, type SamlSp } from '@flint/protocol';
import { ApiError } from '../errors.ts';
import type { ClientInfo, Core } from '../core.ts';
import type { OrgSsoRow } from '../db/schema.ts';
import { signInVouched, endSsoSessions, type SsoOutcome } from './sso-accounts.ts';

/** A sign-in (or a logout) must come back from the IdP within this long. */
const REQUEST_TTL_MS = 10 * 60_000;
/** An assertion is accepted at most this long after the IdP issued it, whatever its own window says. */
const MAX_ASSERTION_AGE_MS = 5 * 60_000;
/** Clocks of Flint and the IdP may differ by this much. */
const CLOCK_SKEW_MS = 30_000;

const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
const DS = 'http://www.w3.org/2000/09/xmldsig#';
const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
const EMAIL_FORMAT = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';

/**
 * node-saml and xmldom are loaded when an org's SAML is first used, not by every server at start-up
 * (they and their XML signature and encryption libraries are a noticeable part of its load time).
 */
const nodeSaml = () => import('@node-saml/node-saml');
const xmldom = () => import('@xmldom/xmldom');

export function samlSp(core: Core, orgId: string): SamlSp {
  const base = `${core.config.publicUrl}/api/auth/saml/${encodeURIComponent(orgId)}`;
  return { entityId: `${base}/metadata`, metadataUrl: `${base}/metadata`, acsUrl: `${base}/acs`, sloUrl: `${base}/slo` };
}

/**
 * The SP's metadata for the org, to give to the IdP (no key: Flint signs no request, and wants
 * assertions signed). node-saml writes the Single Logout Service with the HTTP-POST binding only;
 * Flint's also takes HTTP-Redirect (most IdPs send logouts that way), so that binding is added.
 */
export async function spMetadataXml(core: Core, orgId: string): Promise<string> {
  const sp = samlSp(core, orgId);
  const xml = (await nodeSaml()).generateServiceProviderMetadata({ issuer: sp.entityId, callbackUrl: sp.acsUrl, logoutCallbackUrl: sp.sloUrl, identifierFormat: EMAIL_FORMAT, wantAssertionsSigned: true });
  return xml.replace(/(<SingleLogoutService\b[^>]*HTTP-POST[^>]*\/>)/, (post) => `${post}<SingleLogoutService Binding="${REDIRECT}" Location="${sp.sloUrl.replace(/&/g, '&amp;')}"/>`);
}

export interface ParsedIdp {
  entityId: string;
  ssoUrl: string;
  sloUrl: string | null;
  certificates: string[];
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '[::1]';
}

/** https only, or plain http on loopback when the operator allows it (tests). */
function checkUrl(core: Core, what: string, value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw ApiError.badRequest(`${what}: not a URL`);
  }
  if (url.username !== '' || url.password !== '' || url.hash !== '') throw ApiError.badRequest(`${what}: no credentials or fragment`);
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && core.config.auth.ssoAllowLoopbackHttp && isLoopback(url.hostname)) return url;
  throw ApiError.badRequest(`${what}: must be an https:// URL`);
}

const children = (el: Element, ns: string, name: string): Element[] => Array.from(el.getElementsByTagNameNS(ns, name) as unknown as ArrayLike<Element>);

/**
 * Reads the IdP's metadata: its entity ID, its Single Sign-On service (HTTP-Redirect binding), its
 * Single Logout service if any, and its signing certificates. The XML is only read here; signatures
 * are checked by node-saml against these certificates.
 */
export async function parseIdpMetadata(core: Core, xml: string): Promise<ParsedIdp> {
  if (Buffer.byteLength(xml, 'utf8') > sso.SAML_METADATA_MAX_BYTES) throw ApiError.badRequest('The IdP’s metadata is too large.');
  const { DOMParser } = await xmldom();
  const errors: string[] = [];
  let doc: Document;
  try {
    doc = new DOMParser({ errorHandler: { error: (m: string) => errors.push(m), fatalError: (m: string) => errors.push(m), warning: () => undefined } }).parseFromString(xml, 'text/xml');
  } catch {
    throw ApiError.badRequest('The IdP’s metadata is not well-formed XML.');
  }
  // xmldom reads DOCTYPEs but never fetches or expands external entities; refuse them anyway.
  if (errors.length > 0 || doc.documentElement === null || doc.doctype !== null) throw ApiError.badRequest('The IdP’s metadata is not well-formed XML.');
  const descriptors = [doc.documentElement, ...children(doc.documentElement, MD, 'EntityDescriptor')].filter(
    (e) => e.namespaceURI === MD && e.localName === 'EntityDescriptor' && children(e, MD, 'IDPSSODescriptor').length > 0,
  );
  const entity = descriptors[0];
  if (entity === undefined) throw ApiError.badRequest('The metadata holds no SAML IdP (no EntityDescriptor with an IDPSSODescriptor).');
  const entityId = entity.getAttribute('entityID') ?? '';
  if (entityId === '' || entityId.length > 512) throw ApiError.badRequest('The IdP’s metadata has no entityID.');
  const idp = children(entity, MD, 'IDPSSODescriptor')[0]!;
  const service = (name: string): string | null => {
    const found = children(idp, MD, name).find((s) => s.getAttribute('Binding') === REDIRECT);
    return found?.getAttribute('Location') ?? null;
  };
  const ssoUrl = service('SingleSignOnService');
  if (ssoUrl === null) throw ApiError.badRequest('The IdP’s metadata has no SingleSignOnService with the HTTP-Redirect binding.');
  const sloUrl = service('SingleLogoutService');
  const certificates = children(idp, MD, 'KeyDescriptor')
    .filter((k) => (k.getAttribute('use') ?? 'signing') === 'signing' || k.getAttribute('use') === '')
    .flatMap((k) => children(k, DS, 'X509Certificate'))
    .map((c) => (c.textContent ?? '').replace(/\s+/g, ''))
    .filter((c) => /^[A-Za-z0-9+/]+=*$/.test(c));
  if (certificates.length === 0) throw ApiError.badRequest('The IdP’s metadata has no signing certificate.');
  checkUrl(core, 'SingleSignOnService', ssoUrl);
  if (sloUrl !== null) checkUrl(core, 'SingleLogoutService', sloUrl);
  return { entityId, ssoUrl, sloUrl, certificates };
}

/** Reads metadata from the IdP's URL (https, at most 256 KiB, 10 s). */
export async function fetchIdpMetadata(core: Core, value: string): Promise<string> {
  const url = checkUrl(core, 'metadataUrl', value);
  let text: string;
  try {
    const res = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(10_000), headers: { accept: 'application/samlmetadata+xml, application/xml, text/xml' } });
    if (!res.ok) throw new Error(`status ${res.status}`);
    const length = Number(res.headers.get('content-length') ?? '0');
    if (length > sso.SAML_METADATA_MAX_BYTES) throw ApiError.badRequest('The IdP’s metadata is too large.');
    text = await res.text();
  } catch (error) {
    if (error instanceof ApiError) throw error;
    core.log.info({ err: error instanceof Error ? error.message : String(error) }, 'SAML metadata could not be fetched');
    throw ApiError.badRequest('The IdP’s metadata could not be read from this URL.', [url.href]);
  }
  return text;
}

export async function presentIdp(core: Core, row: OrgSsoRow): Promise<SamlIdp> {
  const idp = await idpOf(core, row);
  return { entityId: idp.entityId, ssoUrl: idp.ssoUrl, sloUrl: idp.sloUrl, metadataUrl: row.saml_metadata_url, signingCertificates: idp.certificates.length };
}

const parsed = new Map<string, { key: number; idp: ParsedIdp }>();
async function idpOf(core: Core, row: OrgSsoRow): Promise<ParsedIdp> {
  const cached = parsed.get(row.org_id);
  if (cached !== undefined && cached.key === row.updated_at) return cached.idp;
  if (row.saml_metadata === null) throw new Error('SAML configuration without metadata');
  const idp = await parseIdpMetadata(core, row.saml_metadata);
  parsed.set(row.org_id, { key: row.updated_at, idp });
  return idp;
}

/**
 * node-saml's store of the request IDs it sent, in the database so any instance can check an
 * answer; an answer's ID is removed when used, so the same answer cannot come twice.
 */
function requestStore(core: Core, orgId: string): CacheProvider {
  return {
    saveAsync: async (key, value) => {
      const created = Date.parse(value);
      const now = core.now();
      await core.db.deleteFrom('saml_requests').where('expires_at', '<=', now).execute();
      await core.db.insertInto('saml_requests').values({ id: key, org_id: orgId, created_at: created, expires_at: now + REQUEST_TTL_MS }).execute();
      return { value, createdAt: created };
    },
    getAsync: async (key) => {
      const row = await core.db.selectFrom('saml_requests').select('created_at').where('id', '=', key).where('org_id', '=', orgId).where('expires_at', '>', core.now()).executeTakeFirst();
      return row === undefined ? null : new Date(Number(row.created_at)).toISOString();
    },
    removeAsync: async (key) => {
      if (key === null) return null;
      const gone = await core.db.deleteFrom('saml_requests').where('id', '=', key).where('org_id', '=', orgId).executeTakeFirst();
      return Number(gone.numDeletedRows) > 0 ? key : null;
    },
  };
}

const pem = (b64: string) => `-----BEGIN CERTIFICATE-----\n${b64.replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----\n`;

async function serviceProvider(core: Core, row: OrgSsoRow): Promise<{ saml: SAML; idp: ParsedIdp }> {
  const idp = await idpOf(core, row);
  const sp = samlSp(core, row.org_id);
  const { SAML, ValidateInResponseTo } = await nodeSaml();
  const saml = new SAML({
    issuer: sp.entityId,
    callbackUrl: sp.acsUrl,
    logoutCallbackUrl: sp.sloUrl,
    entryPoint: idp.ssoUrl,
    logoutUrl: idp.sloUrl ?? idp.ssoUrl,
    idpIssuer: idp.entityId,
    idpCert: idp.certificates.map(pem),
    audience: sp.entityId,
    // The assertion must carry the IdP's signature; a signature on the response alone is not enough.
    wantAssertionsSigned: true,
    wantAuthnResponseSigned: false,
    // A solicited answer must match a request Flint sent (once); an IdP-initiated one has no InResponseTo.
    validateInResponseTo: ValidateInResponseTo.ifPresent,
    requestIdExpirationPeriodMs: REQUEST_TTL_MS,
    cacheProvider: requestStore(core, row.org_id),
    identifierFormat: EMAIL_FORMAT,
    disableRequestedAuthnContext: true,
    acceptedClockSkewMs: CLOCK_SKEW_MS,
    maxAssertionAgeMs: MAX_ASSERTION_AGE_MS,
    signatureAlgorithm: 'sha256',
  });
  return { saml, idp };
}

/** SP-initiated sign-in: the IdP's URL with an AuthnRequest (HTTP-Redirect binding). */
export async function startSaml(core: Core, row: OrgSsoRow, email: string): Promise<string> {
  const { saml } = await serviceProvider(core, row);
  const url = new URL(await saml.getAuthorizeUrlAsync('', undefined, {}));
  // Most IdPs fill in the user name from a login hint; it is only a hint (the assertion names the person).
  url.searchParams.set('login_hint', email);
  return url.href;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : Array.isArray(v) && typeof v[0] === 'string' ? v[0].trim() : undefined);

/** The person's address: the `email`/`mail` attribute, else an e-mail NameID. */
function emailOf(profile: Profile): string | undefined {
  const attrs = (profile['attributes'] ?? {}) as Record<string, unknown>;
  const fromAttr = str(profile.email) ?? str(profile.mail) ?? str(attrs['email']) ?? str(attrs['mail']) ?? str(attrs['http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress']);
  if (fromAttr !== undefined) return fromAttr;
  return profile.nameIDFormat === EMAIL_FORMAT || /^[^@\s]+@[^@\s]+$/.test(profile.nameID) ? profile.nameID : undefined;
}

function nameOf(profile: Profile): string | undefined {
  const attrs = (profile['attributes'] ?? {}) as Record<string, unknown>;
  const display = str(attrs['displayName']) ?? str(attrs['name']) ?? str(attrs['cn']) ?? str(attrs['http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name']);
  if (display !== undefined) return display;
  const parts = [str(attrs['givenName']), str(attrs['sn']) ?? str(attrs['surname'])].filter((p) => p !== undefined);
  return parts.length > 0 ? parts.join(' ') : undefined;
}

/** The assertion's ID and its end of validity, to refuse it a second time. */
function assertionIdOf(profile: Profile): { id: string; until: number } | undefined {
  const assertion = profile.getAssertion?.() as { Assertion?: { $?: { ID?: string }; Conditions?: { $?: { NotOnOrAfter?: string } }[] } } | undefined;
  const id = assertion?.Assertion?.$?.ID;
  if (id === undefined) return undefined;
  const notOnOrAfter = Date.parse(assertion?.Assertion?.Conditions?.[0]?.$?.NotOnOrAfter ?? '');
  return { id, until: Math.min(Number.isNaN(notOnOrAfter) ? Infinity : notOnOrAfter, Date.now() + MAX_ASSERTION_AGE_MS) + CLOCK_SKEW_MS };
}

/**
 * The IdP's answer at the Assertion Consumer Service (HTTP-POST): node-saml checks the XML
 * signature on the assertion against the IdP's certificates, issuer, audience, validity window and
 * InResponseTo; Flint then refuses an assertion it has seen before, and signs the person in as for
 * OIDC (verified domain, JIT, require-SSO).
 */
export async function finishSaml(core: Core, row: OrgSsoRow | undefined, samlResponse: string, client: ClientInfo): Promise<SsoOutcome> {
  if (row?.enabled !== 1 || row.protocol !== 'saml') return { kind: 'error', code: 'refused' };
  let profile: Profile | null;
  try {
    const { saml } = await serviceProvider(core, row);
    ({ profile } = await saml.validatePostResponseAsync({ SAMLResponse: samlResponse }));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    core.log.info({ orgId: row.org_id, err: message.slice(0, 200) }, 'SAML sign-in refused: the IdP’s answer did not check out');
    return { kind: 'error', code: /InResponseTo|SubjectInResponseTo/.test(message) ? 'expired' : /status/i.test(message) ? 'idp_error' : 'refused' };
  }
  if (profile === null) return { kind: 'error', code: 'refused' };
  const seen = assertionIdOf(profile);
  if (seen === undefined) return { kind: 'error', code: 'refused' };
  const now = core.now();
  await core.db.deleteFrom('saml_assertions').where('expires_at', '<=', now).execute();
  try {
    await core.db.insertInto('saml_assertions').values({ org_id: row.org_id, assertion_id: seen.id.slice(0, 256), expires_at: seen.until }).execute();
  } catch {
    core.log.info({ orgId: row.org_id }, 'SAML sign-in refused: assertion replayed');
    return { kind: 'error', code: 'expired' };
  }
  const email = emailOf(profile);
  if (email === undefined) return { kind: 'error', code: 'refused' };
  return signInVouched(core, row, { email, name: nameOf(profile) }, client, { nameId: profile.nameID, nameIdFormat: profile.nameIDFormat, sessionIndex: profile.sessionIndex });
}

/** Sign-out of a SAML session: the IdP's Single Logout URL with a LogoutRequest, if it has one. */
export async function samlLogoutUrl(core: Core, row: OrgSsoRow, facts: { nameId: string; nameIdFormat: string | null; sessionIndex: string | null }): Promise<string | undefined> {
  const { saml, idp } = await serviceProvider(core, row);
  if (idp.sloUrl === null) return undefined;
  const profile: Profile = { issuer: idp.entityId, nameID: facts.nameId, nameIDFormat: facts.nameIdFormat ?? EMAIL_FORMAT, ...(facts.sessionIndex === null ? {} : { sessionIndex: facts.sessionIndex }) };
  return saml.getLogoutUrlAsync(profile, '', {});
}

export type SloOutcome = { kind: 'redirect'; url: string } | { kind: 'error'; code: 'refused' };

/**
 * The Single Logout Service. A LogoutRequest from the IdP (it must be signed: HTTP-Redirect's query
 * signature or HTTP-POST's XML signature, checked by node-saml) ends the named person's Flint
 * sessions that the IdP started, and is answered with a LogoutResponse; a LogoutResponse to Flint's
 * own request sends the browser back to the web app.
 */
export async function samlSingleLogout(
  core: Core,
  row: OrgSsoRow | undefined,
  message: { binding: 'redirect'; query: Record<string, string>; rawQuery: string } | { binding: 'post'; body: Record<string, string> },
): Promise<SloOutcome> {
  if (row?.protocol !== 'saml') return { kind: 'error', code: 'refused' };
  const fields = message.binding === 'redirect' ? message.query : message.body;
  try {
    const { saml } = await serviceProvider(core, row);
    if (typeof fields['SAMLRequest'] === 'string') {
      // node-saml accepts an HTTP-Redirect LogoutRequest without a query signature; Flint does not.
      if (message.binding === 'redirect' && (typeof fields['Signature'] !== 'string' || typeof fields['SigAlg'] !== 'string')) throw new Error('unsigned LogoutRequest');
      const { profile } =
        message.binding === 'redirect' ? await saml.validateRedirectAsync(message.query, message.rawQuery) : await saml.validatePostRequestAsync(message.body);
      if (profile === null) throw new Error('no LogoutRequest');
      const indexes = profile.sessionIndex === undefined ? [] : [profile.sessionIndex];
      const ended = await endSsoSessions(core, row.org_id, profile.nameID, indexes);
      core.log.info({ orgId: row.org_id, ended }, 'SAML single logout from the IdP');
      const url = await saml.getLogoutResponseUrlAsync(profile, fields['RelayState'] ?? '', {}, true);
      return { kind: 'redirect', url };
    }
    if (typeof fields['SAMLResponse'] === 'string') {
      if (message.binding === 'redirect') await saml.validateRedirectAsync(message.query, message.rawQuery);
      else await saml.validatePostResponseAsync(message.body);
      return { kind: 'redirect', url: '/' };
    }
    throw new Error('neither SAMLRequest nor SAMLResponse');
  } catch (error) {
    core.log.info({ orgId: row.org_id, err: (error instanceof Error ? error.message : String(error)).slice(0, 200) }, 'SAML single logout refused');
    return { kind: 'error', code: 'refused' };
  }
}
