/**
 * Single sign-on through the org's identity provider (issue 18, SPEC ID-6): the org admin names the
 * provider — OpenID Connect here (authorization code + PKCE + nonce, discovery and JWKS by
 * `openid-client`), or SAML 2.0 (`saml.ts`); a person of the org's verified domains is sent there
 * from the sign-in page and comes back with an ID token (or an assertion) the core checks before it
 * starts a session. The org may create accounts just in time and may turn password sign-in off for
 * its people (its admins keep theirs: break-glass). Sign-out goes to the provider's logout when it
 * offers one (RP-initiated logout, SAML single logout).
 * @module
 */
import type * as Oidc from 'openid-client';
import type { SsoConfig, SsoConfigBody } from '@flint/protocol';
import { ApiError } from '../errors.ts';
import type { Actor, ClientInfo, Core } from '../core.ts';
import type { Db } from '../db/database.ts';
import type { OrgSsoRow } from '../db/schema.ts';
import { recordAdminAction } from '../admin/audit.ts';
import { getOrg, orgOwningEmail } from './orgs.ts';
import { findPersonByEmail } from './people.ts';
import { hashToken } from './tokens.ts';
import { fetchIdpMetadata, parseIdpMetadata, presentIdp, samlLogoutUrl, samlSp, startSaml } from './saml.ts';
import { signInVouched, type SsoOutcome } from './sso-accounts.ts';

export type { SsoOutcome } from './sso-accounts.ts';

/** A sign-in must come back from the provider within this long. */
const LOGIN_TTL_MS = 10 * 60_000;
/** The provider's discovery document and keys are read again after this long. */
const DISCOVERY_TTL_MS = 10 * 60_000;

/** openid-client, loaded when an org's OpenID provider is first used rather than by every server at start-up. */
const openidClient = () => import('openid-client');

export const redirectUri = (core: Core): string => `${core.config.publicUrl}/api/auth/sso/callback`;

function isLoopback(host: string): boolean {
  return host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '[::1]';
}

/** https only, or plain http on loopback when the operator allows it (tests). */
function checkIssuer(core: Core, issuer: string): URL {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw ApiError.badRequest('issuer: not a URL');
  }
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') throw ApiError.badRequest('issuer: no credentials, query or fragment');
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && core.config.auth.ssoAllowLoopbackHttp && isLoopback(url.hostname)) return url;
  throw ApiError.badRequest('issuer: must be an https:// URL');
}

interface CachedConfig {
  key: string;
  at: number;
  config: Oidc.Configuration;
}
const discovered = new Map<string, CachedConfig>();

/** The provider's configuration (discovery document; openid-client reads its JWKS when it checks a token). */
async function providerConfig(core: Core, row: Pick<OrgSsoRow, 'org_id' | 'issuer' | 'client_id' | 'client_secret' | 'updated_at'>): Promise<Oidc.Configuration> {
  const oidc = await openidClient();
  const key = `${row.issuer}\n${row.client_id}\n${row.updated_at}`;
  const cached = discovered.get(row.org_id);
  if (cached !== undefined && cached.key === key && core.now() - cached.at < DISCOVERY_TTL_MS) return cached.config;
  const url = checkIssuer(core, row.issuer);
  const auth = row.client_secret === null ? oidc.None() : oidc.ClientSecretBasic(row.client_secret);
  const config = await oidc.discovery(url, row.client_id, undefined, auth, {
    ...(url.protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : {}),
    timeout: 10,
  });
  discovered.set(row.org_id, { key, at: core.now(), config });
  return config;
}

async function present(core: Core, row: OrgSsoRow): Promise<SsoConfig> {
  const common = {
    protocol: row.protocol,
    issuer: row.issuer,
    clientId: row.client_id,
    hasClientSecret: row.client_secret !== null,
    enabled: row.enabled === 1,
    jit: row.jit === 1,
    requireSso: row.require_sso === 1,
    redirectUri: redirectUri(core),
    updated: new Date(row.updated_at).toISOString(),
  };
  if (row.protocol === 'saml') {
    const idp = await presentIdp(core, row);
    return { ...common, singleLogout: idp.sloUrl !== null, saml: idp, samlSp: samlSp(core, row.org_id) };
  }
  let endSession = false;
  try {
    endSession = typeof (await providerConfig(core, row)).serverMetadata().end_session_endpoint === 'string';
  } catch {
    // The provider cannot be reached now: the settings are still shown.
  }
  return { ...common, singleLogout: endSession };
}

export async function ssoConfigOf(db: Db, orgId: string): Promise<OrgSsoRow | undefined> {
  return db.selectFrom('org_sso').selectAll().where('org_id', '=', orgId).executeTakeFirst();
}

export async function getSsoConfig(core: Core, actor: Actor): Promise<SsoConfig> {
  const row = await ssoConfigOf(core.db, actor.orgId);
  if (row === undefined) throw ApiError.notFound('single sign-on configuration');
  return present(core, row);
}

/** Flint's SAML service provider for the org, shown before any IdP is set. */
export function getSamlSp(core: Core, actor: Actor) {
  return samlSp(core, actor.orgId);
}

/**
 * Sets the org's provider. OIDC: its discovery document is read first, so a typo is told at once.
 * SAML: its metadata (pasted, or read from its URL now) must name an IdP with a sign-on service and
 * a signing certificate.
 */
export async function putSsoConfig(core: Core, actor: Actor, body: SsoConfigBody): Promise<SsoConfig> {
  const before = await ssoConfigOf(core.db, actor.orgId);
  const now = core.now();
  const settings = {
    org_id: actor.orgId,
    enabled: body.enabled ? 1 : 0,
    jit: body.jit ? 1 : 0,
    require_sso: body.requireSso ? 1 : 0,
    created_at: before?.created_at ?? now,
    updated_at: Math.max(now, (before?.updated_at ?? 0) + 1),
  };
  let row: OrgSsoRow;
  if (body.protocol === 'saml') {
    if ((body.metadataXml === undefined) === (body.metadataUrl === undefined)) throw ApiError.badRequest('Give the IdP’s metadata: either metadataXml or metadataUrl.');
    const metadataUrl = body.metadataUrl?.trim();
    const xml = metadataUrl === undefined ? body.metadataXml! : await fetchIdpMetadata(core, metadataUrl);
    const idp = await parseIdpMetadata(core, xml);
    row = { ...settings, protocol: 'saml', issuer: idp.entityId, client_id: '', client_secret: null, saml_metadata: xml, saml_metadata_url: metadataUrl ?? null };
  } else {
    const issuer = checkIssuer(core, body.issuer.trim()).href.replace(/\/$/, '');
    const keep = before?.protocol === 'oidc' ? before.client_secret : null;
    const secret = body.clientSecret === undefined ? keep : body.clientSecret;
    row = { ...settings, protocol: 'oidc', issuer, client_id: body.clientId.trim(), client_secret: secret, saml_metadata: null, saml_metadata_url: null };
    try {
      await providerConfig(core, row);
    } catch (error) {
      core.log.info({ orgId: actor.orgId, err: error instanceof Error ? error.message : String(error) }, 'SSO provider discovery failed');
      throw ApiError.badRequest('The provider’s discovery document could not be read from this issuer.', [`${issuer}/.well-known/openid-configuration`]);
    }
  }
  const org = await getOrg(core.db, actor.orgId);
  await core.db.transaction().execute(async (trx) => {
    if (before === undefined) await trx.insertInto('org_sso').values(row).execute();
    else await trx.updateTable('org_sso').set(row).where('org_id', '=', actor.orgId).execute();
    const shown = (r: OrgSsoRow | undefined) =>
      r === undefined ? {} : { ssoProtocol: r.protocol, ssoMetadataUrl: r.saml_metadata_url ?? undefined, ssoIssuer: r.issuer, ssoClientId: r.client_id, ssoClientSecret: r.client_secret === null ? 'none' : 'set', ssoEnabled: r.enabled === 1, ssoJit: r.jit === 1, ssoRequired: r.require_sso === 1 };
    const from = shown(before) as Record<string, unknown>;
    const to = shown(row) as Record<string, unknown>;
    const changes: Record<string, { from?: unknown; to?: unknown }> = {};
    for (const k of Object.keys(to)) if (from[k] !== to[k]) changes[k] = { from: from[k], to: to[k] };
    await recordAdminAction(core, trx, actor, { action: 'org.update', targetId: actor.orgId, targetName: org?.display_name ?? actor.orgId, changes });
  });
  return present(core, row);
}

export async function deleteSsoConfig(core: Core, actor: Actor): Promise<void> {
  const org = await getOrg(core.db, actor.orgId);
  await core.db.transaction().execute(async (trx) => {
    const deleted = await trx.deleteFrom('org_sso').where('org_id', '=', actor.orgId).executeTakeFirst();
    if (Number(deleted.numDeletedRows) === 0) throw ApiError.notFound('single sign-on configuration');
    await recordAdminAction(core, trx, actor, { action: 'org.update', targetId: actor.orgId, targetName: org?.display_name ?? actor.orgId, changes: { ssoEnabled: { from: true, to: false } } });
  });
  discovered.delete(actor.orgId);
}

/** The enabled SSO of the org owning an address's domain (verified), if any. */
export async function ssoForEmail(db: Db, email: string): Promise<OrgSsoRow | undefined> {
  const org = await orgOwningEmail(db, email);
  if (org === undefined) return undefined;
  const row = await ssoConfigOf(db, org.id);
  return row?.enabled === 1 ? row : undefined;
}

/**
 * Whether password sign-in is off for this person: their org requires SSO and they hold no admin
 * role (an admin keeps a password, so a broken provider cannot lock the org out).
 */
export async function passwordSignInRefused(db: Db, email: string): Promise<boolean> {
  const sso = await ssoForEmail(db, email);
  if (sso?.require_sso !== 1) return false;
  const person = await findPersonByEmail(db, email);
  if (person === undefined) return true;
  const admin = await db.selectFrom('person_roles').select('role').where('person_id', '=', person.id).where('role', '=', 'org_admin').executeTakeFirst();
  return admin === undefined;
}

/** Starts a sign-in at the provider of the address's org: where to send the browser. */
export async function startSso(core: Core, email: string, clientNonce?: string): Promise<{ sso: boolean; redirectUrl?: string }> {
  const row = await ssoForEmail(core.db, email);
  if (row === undefined) return { sso: false };
  if (row.protocol === 'saml') {
    try {
      return { sso: true, redirectUrl: await startSaml(core, row, email) };
    } catch (error) {
      core.log.info({ orgId: row.org_id, err: error instanceof Error ? error.message : String(error) }, 'SAML sign-in could not start');
      throw new ApiError('unavailable', 'Your organization’s sign-in provider cannot be used now; try again later.');
    }
  }
  const oidc = await openidClient();
  let config: Oidc.Configuration;
  try {
    config = await providerConfig(core, row);
  } catch {
    throw new ApiError('unavailable', 'Your organization’s sign-in provider cannot be reached; try again later.');
  }
  const state = oidc.randomState();
  // A browser that chose the nonce (a commitment to a secret it keeps) gets the ID token back for
  // the KMS, which can then tell that this very browser signed in at the provider (docs/sso.md).
  const nonce = clientNonce ?? oidc.randomNonce();
  const verifier = oidc.randomPKCECodeVerifier();
  const now = core.now();
  await core.db.deleteFrom('sso_logins').where('expires_at', '<=', now).execute();
  await core.db
    .insertInto('sso_logins')
    .values({ state_hash: await hashToken(state), org_id: row.org_id, code_verifier: verifier, nonce, kms_proof: clientNonce !== undefined ? 1 : 0, created_at: now, expires_at: now + LOGIN_TTL_MS })
    .execute();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri(core),
    scope: 'openid email profile',
    response_type: 'code',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    login_hint: email,
  });
  return { sso: true, redirectUrl: url.href };
}

/**
 * The provider's redirect back: the state names the sign-in (single use), the code is traded for
 * tokens with the PKCE verifier, and the ID token (signature by the provider's JWKS, issuer,
 * audience, nonce, expiry: openid-client) names the person by a verified e-mail address of one of
 * the org's verified domains.
 */
export async function finishSso(core: Core, query: Record<string, unknown>, client: ClientInfo): Promise<SsoOutcome> {
  const state = typeof query['state'] === 'string' ? query['state'] : undefined;
  if (state === undefined) return { kind: 'error', code: 'expired' };
  const hash = await hashToken(state);
  const login = await core.db.selectFrom('sso_logins').selectAll().where('state_hash', '=', hash).executeTakeFirst();
  if (login === undefined) return { kind: 'error', code: 'expired' };
  // Single use: a replayed callback finds nothing.
  const spent = await core.db.deleteFrom('sso_logins').where('state_hash', '=', hash).executeTakeFirst();
  if (Number(spent.numDeletedRows) !== 1 || login.expires_at <= core.now()) return { kind: 'error', code: 'expired' };
  if (typeof query['error'] === 'string') return { kind: 'error', code: 'idp_error' };
  const row = await ssoConfigOf(core.db, login.org_id);
  if (row?.enabled !== 1 || row.protocol !== 'oidc') return { kind: 'error', code: 'refused' };

  let claims: Record<string, unknown> | undefined;
  let idTokenJwt: string | undefined;
  try {
    const oidc = await openidClient();
    const config = await providerConfig(core, row);
    const current = new URL(redirectUri(core));
    for (const [k, v] of Object.entries(query)) if (typeof v === 'string') current.searchParams.set(k, v);
    const tokens = await oidc.authorizationCodeGrant(config, current, { pkceCodeVerifier: login.code_verifier, expectedState: state, expectedNonce: login.nonce, idTokenExpected: true });
    const idToken = tokens.claims();
    if (idToken === undefined) throw new Error('no ID token');
    claims = { ...idToken };
    idTokenJwt = tokens.id_token;
    // Many providers put the scope's claims (email, name) only in the UserInfo answer, as OIDC
    // Core 5.4 says for a code flow; its `sub` must be the ID token's (openid-client checks).
    if (typeof idToken['email'] !== 'string') {
      const info = await oidc.fetchUserInfo(config, tokens.access_token, idToken.sub);
      claims = { ...info, ...idToken, email: info['email'], email_verified: info['email_verified'], name: info['name'] };
    }
  } catch (error) {
    core.log.info({ orgId: row.org_id, err: error instanceof Error ? error.message : String(error) }, 'SSO sign-in refused: the provider’s answer did not check out');
    return { kind: 'error', code: 'refused' };
  }
  const email = typeof claims?.['email'] === 'string' ? claims['email'].trim().toLowerCase() : undefined;
  if (email === undefined || claims?.['email_verified'] === false) return { kind: 'error', code: 'refused' };
  const name = typeof claims?.['name'] === 'string' ? claims['name'] : undefined;
  const outcome = await signInVouched(core, row, { email, name }, client, { idToken: idTokenJwt });
  // A browser that chose the nonce (kms_proof) takes the provider's ID token to the KMS.
  return outcome.kind === 'session' && login.kms_proof === 1 && idTokenJwt !== undefined ? { ...outcome, idToken: idTokenJwt } : outcome;
}

/**
 * Where to send the browser at sign-out so the provider ends its session too: for a session the
 * org's SAML IdP started, its Single Logout service with a LogoutRequest; for an OIDC one, the
 * provider's `end_session_endpoint` (RP-initiated logout) with the ID token as hint. Nothing for
 * a password session, or a provider that offers no logout. The Flint session itself is ended by
 * `auth.logout`, which the app calls next.
 */
export async function singleLogoutUrl(core: Core, actor: Actor): Promise<{ redirectUrl?: string }> {
  const facts = await core.db.selectFrom('sso_sessions').selectAll().where('session_id', '=', actor.sessionId).executeTakeFirst();
  if (facts === undefined) return {};
  const row = await ssoConfigOf(core.db, facts.org_id);
  if (row === undefined || row.protocol !== facts.protocol) return {};
  try {
    if (row.protocol === 'saml') {
      if (facts.name_id === null) return {};
      const url = await samlLogoutUrl(core, row, { nameId: facts.name_id, nameIdFormat: facts.name_id_format, sessionIndex: facts.session_index });
      return url === undefined ? {} : { redirectUrl: url };
    }
    const config = await providerConfig(core, row);
    if (typeof config.serverMetadata().end_session_endpoint !== 'string') return {};
    const url = (await openidClient()).buildEndSessionUrl(config, { post_logout_redirect_uri: `${core.config.publicUrl}/`, ...(facts.id_token === null ? {} : { id_token_hint: facts.id_token }) });
    return { redirectUrl: url.href };
  } catch (error) {
    // The provider cannot be reached: the Flint session still ends.
    core.log.info({ orgId: row.org_id, err: error instanceof Error ? error.message : String(error) }, 'Single logout at the provider could not be prepared');
    return {};
  }
}
