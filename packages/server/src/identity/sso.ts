/**
 * Single sign-on through the org's OpenID Connect provider (issue 18, SPEC ID-6): the org admin
 * names the provider; a person of the org's verified domains is sent there from the sign-in page
 * (authorization code + PKCE + nonce, discovery and JWKS by `openid-client`), and comes back with
 * an ID token the core checks before it starts a session. The org may create accounts just in time
 * and may turn password sign-in off for its people (its admins keep theirs: break-glass).
 * @module
 */
import * as oidc from 'openid-client';
import type { SsoConfig, SsoConfigBody, SsoErrorCode } from '@flint/protocol';
import { ApiError } from '../errors.ts';
import type { Actor, ClientInfo, Core } from '../core.ts';
import type { Db } from '../db/database.ts';
import type { OrgSsoRow } from '../db/schema.ts';
import { recordAdminAction } from '../admin/audit.ts';
import { emailDomain, getOrg, orgOwningEmail } from './orgs.ts';
import { findPersonByEmail, insertPerson } from './people.ts';
import { cleanName } from './names.ts';
import { startSession, type IssuedSession } from './sessions.ts';
import { hashToken } from './tokens.ts';

/** A sign-in must come back from the provider within this long. */
const LOGIN_TTL_MS = 10 * 60_000;
/** The provider's discovery document and keys are read again after this long. */
const DISCOVERY_TTL_MS = 10 * 60_000;

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
  config: oidc.Configuration;
}
const discovered = new Map<string, CachedConfig>();

/** The provider's configuration (discovery document; openid-client reads its JWKS when it checks a token). */
async function providerConfig(core: Core, row: Pick<OrgSsoRow, 'org_id' | 'issuer' | 'client_id' | 'client_secret' | 'updated_at'>): Promise<oidc.Configuration> {
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

function present(core: Core, row: OrgSsoRow): SsoConfig {
  return {
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
}

export async function ssoConfigOf(db: Db, orgId: string): Promise<OrgSsoRow | undefined> {
  return db.selectFrom('org_sso').selectAll().where('org_id', '=', orgId).executeTakeFirst();
}

export async function getSsoConfig(core: Core, actor: Actor): Promise<SsoConfig> {
  const row = await ssoConfigOf(core.db, actor.orgId);
  if (row === undefined) throw ApiError.notFound('single sign-on configuration');
  return present(core, row);
}

/** Sets the org's provider; its discovery document is read first, so a typo is told at once. */
export async function putSsoConfig(core: Core, actor: Actor, body: SsoConfigBody): Promise<SsoConfig> {
  const issuer = checkIssuer(core, body.issuer.trim()).href.replace(/\/$/, '');
  const before = await ssoConfigOf(core.db, actor.orgId);
  const secret = body.clientSecret === undefined ? (before?.client_secret ?? null) : body.clientSecret;
  const now = core.now();
  const row: OrgSsoRow = {
    org_id: actor.orgId,
    protocol: 'oidc',
    issuer,
    client_id: body.clientId.trim(),
    client_secret: secret,
    enabled: body.enabled ? 1 : 0,
    jit: body.jit ? 1 : 0,
    require_sso: body.requireSso ? 1 : 0,
    created_at: before?.created_at ?? now,
    updated_at: Math.max(now, (before?.updated_at ?? 0) + 1),
  };
  try {
    await providerConfig(core, row);
  } catch (error) {
    core.log.info({ orgId: actor.orgId, err: error instanceof Error ? error.message : String(error) }, 'SSO provider discovery failed');
    throw ApiError.badRequest('The provider’s discovery document could not be read from this issuer.', [`${issuer}/.well-known/openid-configuration`]);
  }
  const org = await getOrg(core.db, actor.orgId);
  await core.db.transaction().execute(async (trx) => {
    if (before === undefined) await trx.insertInto('org_sso').values(row).execute();
    else await trx.updateTable('org_sso').set(row).where('org_id', '=', actor.orgId).execute();
    const shown = (r: OrgSsoRow | undefined) =>
      r === undefined ? {} : { ssoIssuer: r.issuer, ssoClientId: r.client_id, ssoClientSecret: r.client_secret === null ? 'none' : 'set', ssoEnabled: r.enabled === 1, ssoJit: r.jit === 1, ssoRequired: r.require_sso === 1 };
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
  let config: oidc.Configuration;
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

/** `idToken`: the provider's ID token, for a browser that chose the nonce (it takes it to the KMS). */
export type SsoOutcome = { kind: 'session'; session: IssuedSession; idToken?: string | undefined } | { kind: 'error'; code: SsoErrorCode };

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
  if (row?.enabled !== 1) return { kind: 'error', code: 'refused' };

  let claims: Record<string, unknown> | undefined;
  let idTokenText: string | undefined;
  try {
    const config = await providerConfig(core, row);
    const current = new URL(redirectUri(core));
    for (const [k, v] of Object.entries(query)) if (typeof v === 'string') current.searchParams.set(k, v);
    const tokens = await oidc.authorizationCodeGrant(config, current, { pkceCodeVerifier: login.code_verifier, expectedState: state, expectedNonce: login.nonce, idTokenExpected: true });
    const idToken = tokens.claims();
    if (idToken === undefined) throw new Error('no ID token');
    idTokenText = tokens.id_token;
    claims = { ...idToken };
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
  const owner = await orgOwningEmail(core.db, email);
  if (owner?.id !== row.org_id) {
    core.log.info({ orgId: row.org_id, domain: emailDomain(email) }, 'SSO sign-in refused: address outside the org’s verified domains');
    return { kind: 'error', code: 'outside_domains' };
  }
  let person = await findPersonByEmail(core.db, email);
  if (person === undefined) {
    if (row.jit !== 1) return { kind: 'error', code: 'no_account' };
    const name = typeof claims?.['name'] === 'string' && claims['name'].trim() !== '' ? claims['name'] : email.slice(0, email.indexOf('@'));
    person = await insertPerson(core, core.db, { orgId: row.org_id, email, displayName: cleanName('displayName', name.slice(0, 128)), status: 'active' });
    core.log.info({ orgId: row.org_id, personId: person.id }, 'SSO: account made just in time');
  } else if (person.status === 'invited') {
    // The provider vouches for the address the invitation went to: that accepts it.
    await core.db.updateTable('people').set({ status: 'active', updated_at: core.now() }).where('id', '=', person.id).execute();
  }
  if (person.org_id !== row.org_id || person.type !== 'person' || person.status === 'deactivated') return { kind: 'error', code: 'refused' };
  core.metrics.signIns.inc({ result: 'success' });
  const session = await startSession(core, core.db, person.id, client, 'sso');
  return { kind: 'session', session, ...(login.kms_proof === 1 && idTokenText !== undefined ? { idToken: idTokenText } : {}) };
}
