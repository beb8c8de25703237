/**
 * OAuth 2.0 integrations (issue 18, SPEC ID-9): Flint as the authorization server.
 *
 * - A person registers an integration: name, exact redirect URIs, the scopes it may ask for. Its
 *   client secret is shown once and kept as a SHA-256 (256 random bits need no slow hash).
 * - `/v1/authorize` checks the request (client, exact redirect URI, scopes, PKCE S256) and sends the
 *   browser to the web app's consent page; the signed-in person allows or denies there
 *   (`consent`, cookie only: a token cannot consent for its person). Allowing makes a code: random,
 *   stored hashed, single-use, alive `OAUTH_LIMITS.codeTtlSec`.
 * - `/v1/access_token` exchanges the code (client secret, same redirect URI, the PKCE verifier) for
 *   a *session* of kind `oauth` naming the integration and the granted scopes, with a rotating
 *   refresh token and access tokens of scope `integration`. Refreshing spends the refresh token;
 *   presenting a spent one revokes the grant (it was copied).
 * - Revoking (the person in Settings, the integration through `/v1/revoke`, or its owner deleting
 *   it) revokes those sessions: every token dies at once, as the auth cache is cleared and every
 *   access token is checked against its session.
 * A refused request changes nothing: every check runs before the first write.
 * @module
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { OAUTH_LIMITS, OAUTH_SCOPES, integrationGrantKey, isOAuthScope, type ConsentBody, type ConsentInfo, type CreateIntegrationBody, type Grant, type Integration, type OAuthScope } from '@flint/protocol';
import { randomBytes, toBase64Url, toHex } from '@flint/crypto';
import type { Actor, ClientInfo, Core } from '../core.ts';
import type { Db } from '../db/database.ts';
import type { OAuthClientRow } from '../db/schema.ts';
import { ApiError } from '../errors.ts';
import { newId } from '../infra/ids.ts';
import { reencodeLogo } from '../admin/org-logo.ts';
import { hashTokenSync, newGrantToken } from './tokens.ts';

const iso = (ms: number): string => new Date(ms).toISOString();

function parseScopes(text: string): OAuthScope[] {
  return text.split(' ').filter(isOAuthScope);
}

/** Scopes in one canonical order (the table's), so equal grants compare equal. */
function canonical(scopes: Iterable<string>): OAuthScope[] {
  const set = new Set(scopes);
  return OAUTH_SCOPES.filter((s) => set.has(s));
}

export function presentIntegration(row: OAuthClientRow): Integration {
  return {
    id: row.id,
    name: row.name,
    clientId: row.client_id,
    redirectUris: JSON.parse(row.redirect_uris) as string[],
    scopes: parseScopes(row.scopes),
    hasLogo: row.logo_key !== null,
    created: iso(row.created_at),
  };
}

/** Only a person acting as themself (not an integration's token, not a bot) manages integrations and consents. */
function assertPersonItself(actor: Actor): void {
  if (actor.scopes !== undefined) throw new ApiError('insufficient_scope', 'An integration’s token cannot manage integrations or consent for its person.');
  if (actor.type !== 'person') throw ApiError.forbidden('Only people register and allow integrations.');
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/**
 * A redirect URI an integration may register: absolute, no fragment (RFC 6749 §3.1.2), and HTTPS —
 * or plain HTTP on the loopback interface, for native apps (RFC 8252 §7.3). Compared exactly later.
 */
export function redirectUriProblem(uri: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return `${uri}: not an absolute URL`;
  }
  if (url.hash !== '' || uri.includes('#')) return `${uri}: must not have a fragment`;
  if (url.username !== '' || url.password !== '') return `${uri}: must not carry credentials`;
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) return undefined;
  return `${uri}: must be https://, or http:// on 127.0.0.1, [::1] or localhost`;
}

export async function createIntegration(core: Core, actor: Actor, body: CreateIntegrationBody): Promise<{ integration: Integration; clientSecret: string }> {
  assertPersonItself(actor);
  const name = body.name.trim();
  if (name === '') throw ApiError.badRequest('The request could not be understood.', ['name: must not be blank']);
  const problems = body.redirectUris.map(redirectUriProblem).filter((p): p is string => p !== undefined);
  if (problems.length > 0) throw ApiError.badRequest('The request could not be understood.', problems.map((p) => `redirectUris: ${p}`));
  const count = await core.db.selectFrom('oauth_clients').select((eb) => eb.fn.countAll<number>().as('n')).where('owner_id', '=', actor.personId).executeTakeFirstOrThrow();
  if (Number(count.n) >= OAUTH_LIMITS.integrationsPerPerson) throw ApiError.conflict(`One person may register at most ${OAUTH_LIMITS.integrationsPerPerson} integrations.`);
  const clientSecret = toHex(randomBytes(32));
  const row: OAuthClientRow = {
    id: newId(),
    // Webex client ids: a letter and 64 hex digits.
    client_id: `C${toHex(randomBytes(32))}`,
    secret_hash: hashTokenSync(clientSecret),
    owner_id: actor.personId,
    org_id: actor.orgId,
    name,
    redirect_uris: JSON.stringify([...new Set(body.redirectUris)]),
    scopes: canonical(body.scopes).join(' '),
    logo_key: null,
    created_at: core.now(),
  };
  await core.db.insertInto('oauth_clients').values(row).execute();
  return { integration: presentIntegration(row), clientSecret };
}

export async function listIntegrations(core: Core, actor: Actor): Promise<Integration[]> {
  assertPersonItself(actor);
  const rows = await core.db.selectFrom('oauth_clients').selectAll().where('owner_id', '=', actor.personId).orderBy('created_at', 'desc').execute();
  return rows.map(presentIntegration);
}

async function ownIntegration(core: Core, actor: Actor, id: string): Promise<OAuthClientRow> {
  assertPersonItself(actor);
  const row = await core.db.selectFrom('oauth_clients').selectAll().where('id', '=', id).where('owner_id', '=', actor.personId).executeTakeFirst();
  if (row === undefined) throw ApiError.notFound('integration');
  return row;
}

/** Revokes the live grant sessions matching the filter and ends their event streams here. */
async function revokeGrantSessions(core: Core, filter: { clientPk: string; personId?: string; sessionId?: string }): Promise<number> {
  let q = core.db.selectFrom('sessions').select(['id', 'person_id']).where('oauth_client', '=', filter.clientPk).where('revoked_at', 'is', null);
  if (filter.personId !== undefined) q = q.where('person_id', '=', filter.personId);
  if (filter.sessionId !== undefined) q = q.where('id', '=', filter.sessionId);
  const sessions = await q.execute();
  if (sessions.length === 0) return 0;
  await core.db
    .updateTable('sessions')
    .set({ revoked_at: core.now() })
    .where('id', 'in', sessions.map((s) => s.id))
    .where('revoked_at', 'is', null)
    .execute();
  core.authCache.clear();
  for (const s of sessions) core.events.hub.closeSessions(s.person_id, { only: s.id });
  return sessions.length;
}

export async function deleteIntegration(core: Core, actor: Actor, id: string): Promise<void> {
  const row = await ownIntegration(core, actor, id);
  await revokeGrantSessions(core, { clientPk: row.id });
  await core.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('oauth_codes').where('client_pk', '=', row.id).execute();
    await trx.deleteFrom('oauth_clients').where('id', '=', row.id).execute();
  });
  if (row.logo_key !== null) await core.blobs.delete(row.logo_key);
}

export async function setIntegrationLogo(core: Core, actor: Actor, id: string, contentType: string | undefined, data: Uint8Array): Promise<Integration> {
  const row = await ownIntegration(core, actor, id);
  const webp = await reencodeLogo(contentType, data, OAUTH_LIMITS.logoBytes);
  const key = `integration-logos/${row.id}/${newId()}.webp`;
  await core.blobs.put(key, webp, 'image/webp');
  await core.db.updateTable('oauth_clients').set({ logo_key: key }).where('id', '=', row.id).execute();
  if (row.logo_key !== null) await core.blobs.delete(row.logo_key);
  return presentIntegration({ ...row, logo_key: key });
}

/** Any signed-in person may see an integration's logo: its consent page shows it to whoever is asked. */
export async function getIntegrationLogo(core: Core, actor: Actor, id: string): Promise<{ data: Uint8Array; contentType: string }> {
  assertPersonItself(actor);
  const row = await core.db.selectFrom('oauth_clients').select('logo_key').where('id', '=', id).executeTakeFirst();
  const blob = row?.logo_key == null ? undefined : await core.blobs.get(row.logo_key);
  if (blob === undefined) throw ApiError.notFound('logo');
  return blob;
}

// ---------------------------------------------------------------------------------------------
// The authorization request

export interface AuthorizeParams {
  response_type?: string | undefined;
  client_id?: string | undefined;
  redirect_uri?: string | undefined;
  scope?: string | undefined;
  state?: string | undefined;
  code_challenge?: string | undefined;
  code_challenge_method?: string | undefined;
}

/**
 * What is wrong with an authorization request. `redirect: false` errors (unknown client, redirect
 * URI not registered) must be shown to the person, never sent to the URI (RFC 6749 §4.1.2.1);
 * the others go back to the client's redirect URI.
 */
export class AuthorizeProblem extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
    readonly redirectUri?: string,
    readonly state?: string,
  ) {
    super(description);
  }
}

async function clientById(core: Core, clientId: string | undefined): Promise<OAuthClientRow | undefined> {
  if (clientId === undefined || clientId.length > 200) return undefined;
  return core.db.selectFrom('oauth_clients').selectAll().where('client_id', '=', clientId).executeTakeFirst();
}

const PKCE = /^[A-Za-z0-9._~-]{43,128}$/;

/** Checks an authorization request; answers the client and the scopes asked for, or throws AuthorizeProblem. */
export async function checkAuthorizeRequest(core: Core, p: AuthorizeParams): Promise<{ client: OAuthClientRow; scopes: OAuthScope[] }> {
  const client = await clientById(core, p.client_id);
  if (client === undefined) throw new AuthorizeProblem('invalid_client', 'Unknown client_id.');
  const uris = JSON.parse(client.redirect_uris) as string[];
  // Exact string comparison (RFC 6749 §3.1.2.3; OAuth 2.1): no prefix, no normalization.
  if (p.redirect_uri === undefined || !uris.includes(p.redirect_uri)) throw new AuthorizeProblem('invalid_request', 'redirect_uri is not one the integration registered.');
  const back = (error: string, description: string) => new AuthorizeProblem(error, description, p.redirect_uri, p.state);
  if (p.state !== undefined && p.state.length > OAUTH_LIMITS.stateChars) throw back('invalid_request', `state: at most ${OAUTH_LIMITS.stateChars} characters`);
  if (p.response_type !== 'code') throw back('unsupported_response_type', 'response_type must be "code".');
  const asked = (p.scope ?? '').split(' ').filter((s) => s !== '');
  if (asked.length === 0) throw back('invalid_scope', 'scope is required.');
  const allowed = new Set(parseScopes(client.scopes));
  const unknown = asked.filter((s) => !isOAuthScope(s) || !allowed.has(s));
  if (unknown.length > 0) throw back('invalid_scope', `Not a scope of this integration: ${unknown.join(' ').slice(0, 200)}`);
  if (p.code_challenge !== undefined || p.code_challenge_method !== undefined) {
    if (p.code_challenge_method !== 'S256') throw back('invalid_request', 'code_challenge_method must be S256.');
    if (p.code_challenge === undefined || !PKCE.test(p.code_challenge)) throw back('invalid_request', 'code_challenge: 43 to 128 characters of base64url.');
  }
  return { client, scopes: canonical(asked) };
}

export async function consentInfo(core: Core, actor: Actor, q: { client_id: string; redirect_uri: string; scope: string }): Promise<ConsentInfo> {
  assertPersonItself(actor);
  try {
    const { client, scopes } = await checkAuthorizeRequest(core, { response_type: 'code', client_id: q.client_id, redirect_uri: q.redirect_uri, scope: q.scope });
    const owner = await core.db.selectFrom('people').select('display_name').where('id', '=', client.owner_id).executeTakeFirst();
    return { integration: { id: client.id, name: client.name, hasLogo: client.logo_key !== null, ownerName: owner?.display_name ?? '' }, scopes };
  } catch (error) {
    if (error instanceof AuthorizeProblem) throw ApiError.badRequest('This authorization request is not valid.', [error.description]);
    throw error;
  }
}

function withParams(uri: string, params: Record<string, string | undefined>): string {
  const url = new URL(uri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return url.toString();
}

/** Where to send the browser for a refused authorization request, or undefined if it must not be redirected. */
export function problemRedirect(problem: AuthorizeProblem): string | undefined {
  if (problem.redirectUri === undefined) return undefined;
  return withParams(problem.redirectUri, { error: problem.error, error_description: problem.description, state: problem.state });
}

/**
 * The person's answer on the consent page. Allowing makes a single-use code for the client's
 * redirect URI; denying sends `access_denied` back. The cookie only: consent is the person's own act.
 */
export async function consent(core: Core, actor: Actor, body: ConsentBody): Promise<{ redirectTo: string }> {
  assertPersonItself(actor);
  if (actor.via !== 'cookie') throw ApiError.forbidden('Consent is given in the web app.');
  let checked: { client: OAuthClientRow; scopes: OAuthScope[] };
  try {
    checked = await checkAuthorizeRequest(core, {
      response_type: 'code',
      client_id: body.clientId,
      redirect_uri: body.redirectUri,
      scope: body.scope,
      state: body.state,
      code_challenge: body.codeChallenge,
      code_challenge_method: body.codeChallengeMethod,
    });
  } catch (error) {
    if (error instanceof AuthorizeProblem) throw ApiError.badRequest('This authorization request is not valid.', [error.description]);
    throw error;
  }
  if (!body.allow) return { redirectTo: withParams(body.redirectUri, { error: 'access_denied', error_description: 'The person did not allow the integration.', state: body.state }) };
  // With spark:kms the browser approved the KMS device of its grant key; without, nobody did (the
  // core refuses such a token a KMS token anyway) and a fresh key does.
  if (checked.scopes.includes('spark:kms') && body.kmsGrant === undefined) throw ApiError.badRequest('The request could not be understood.', ['kmsGrant: required with spark:kms (the browser approves the integration’s key access)']);
  const code = newGrantToken('code', body.kmsGrant ?? toHex(randomBytes(32)));
  const now = core.now();
  await core.db.transaction().execute(async (trx) => {
    // Codes nobody exchanged in time go when new ones are made.
    await trx.deleteFrom('oauth_codes').where('expires_at', '<=', now).execute();
    await trx
      .insertInto('oauth_codes')
      .values({
        hash: hashTokenSync(code),
        client_pk: checked.client.id,
        person_id: actor.personId,
        redirect_uri: body.redirectUri,
        scopes: checked.scopes.join(' '),
        code_challenge: body.codeChallenge ?? null,
        created_at: now,
        expires_at: now + OAUTH_LIMITS.codeTtlSec * 1000,
      })
      .execute();
  });
  return { redirectTo: withParams(body.redirectUri, { code, state: body.state }) };
}

// ---------------------------------------------------------------------------------------------
// The token endpoint

export interface ClientCredentials {
  clientId: string | undefined;
  clientSecret: string | undefined;
}

export interface TokenAnswer {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
  refresh_token_expires_in: number;
  scope: string;
}

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The client behind the request's credentials (client_secret_post or _basic), or 401 invalid_client. */
export async function authenticateClient(core: Core, creds: ClientCredentials): Promise<OAuthClientRow> {
  const client = await clientById(core, creds.clientId);
  const given = hashTokenSync(creds.clientSecret ?? '');
  // Compare against a stand-in when the client is unknown, so timing tells nothing.
  const ok = sameHash(given, client?.secret_hash ?? hashTokenSync('\u0000no-client')) && client !== undefined && creds.clientSecret !== undefined;
  if (!ok || client === undefined) throw new ApiError('oauth_invalid_client', 'Client authentication failed.');
  return client;
}

const s256 = (verifier: string): string => toBase64Url(createHash('sha256').update(verifier, 'ascii').digest());

/** An access token of a grant session (scope `integration`), carrying the grant key. */
async function issueIntegrationToken(core: Core, trx: Db, sessionId: string, personId: string, grantKey: string): Promise<string> {
  const person = await trx.selectFrom('people').select('org_id').where('id', '=', personId).executeTakeFirstOrThrow();
  const token = newGrantToken('access', grantKey, person.org_id);
  const now = core.now();
  await trx
    .insertInto('access_tokens')
    .values({ hash: hashTokenSync(token), session_id: sessionId, person_id: personId, expires_at: now + core.config.auth.accessTokenTtlSec * 1000, created_at: now, scope: 'integration' })
    .execute();
  return token;
}

async function newGrantSession(core: Core, client: OAuthClientRow, personId: string, scopes: string, grantKey: string, info: ClientInfo, trx: Db): Promise<TokenAnswer> {
  const now = core.now();
  const refreshToken = newGrantToken('refresh', grantKey);
  const sessionId = newId();
  await trx
    .insertInto('sessions')
    .values({
      id: sessionId,
      person_id: personId,
      kind: 'oauth',
      oauth_client: client.id,
      oauth_scopes: scopes,
      refresh_hash: hashTokenSync(refreshToken),
      prev_refresh_hash: null,
      cookie_hash: null,
      ip: info.ip?.slice(0, 64) ?? null,
      user_agent: info.userAgent?.slice(0, 512) ?? null,
      client_version: client.name.slice(0, 64),
      created_at: now,
      last_seen_at: now,
      expires_at: now + core.config.auth.refreshTokenTtlSec * 1000,
      revoked_at: null,
    })
    .execute();
  const ttl = core.config.auth.accessTokenTtlSec;
  const accessToken = await issueIntegrationToken(core, trx, sessionId, personId, grantKey);
  return { access_token: accessToken, token_type: 'Bearer', expires_in: ttl, refresh_token: refreshToken, refresh_token_expires_in: core.config.auth.refreshTokenTtlSec, scope: scopes };
}

const badGrant = (why: string) => new ApiError('oauth_invalid_grant', why);

/** grant_type=authorization_code. Every check runs before the code is spent; a refusal changes nothing. */
export async function exchangeCode(core: Core, creds: ClientCredentials, p: { code?: string | undefined; redirect_uri?: string | undefined; code_verifier?: string | undefined }, info: ClientInfo): Promise<TokenAnswer> {
  const client = await authenticateClient(core, creds);
  if (p.code === undefined || p.code === '') throw new ApiError('oauth_invalid_request', 'code is required.');
  const hash = hashTokenSync(p.code);
  const grantKey = integrationGrantKey(p.code);
  const now = core.now();
  if (grantKey === undefined) throw badGrant('The authorization code is not valid, has expired or was used already.');
  const row = await core.db.selectFrom('oauth_codes').selectAll().where('hash', '=', hash).executeTakeFirst();
  if (row === undefined || row.expires_at <= now) throw badGrant('The authorization code is not valid, has expired or was used already.');
  if (row.client_pk !== client.id) throw badGrant('The authorization code was issued to another client.');
  if (p.redirect_uri !== row.redirect_uri) throw badGrant('redirect_uri differs from the authorization request’s.');
  if (row.code_challenge !== null) {
    if (p.code_verifier === undefined || !PKCE.test(p.code_verifier)) throw badGrant('code_verifier is missing or malformed.');
    if (!sameHash(Buffer.from(s256(p.code_verifier)).toString('hex'), Buffer.from(row.code_challenge).toString('hex'))) throw badGrant('code_verifier does not match the code_challenge.');
  }
  const person = await core.db.selectFrom('people').select('status').where('id', '=', row.person_id).executeTakeFirst();
  if (person?.status !== 'active') throw badGrant('The person who allowed this is no longer active.');
  return core.db.transaction().execute(async (trx) => {
    // Single use: of two exchanges racing with one code, only the one that deletes it goes on.
    const spent = await trx.deleteFrom('oauth_codes').where('hash', '=', hash).executeTakeFirst();
    if (Number(spent.numDeletedRows) !== 1) throw badGrant('The authorization code is not valid, has expired or was used already.');
    return newGrantSession(core, client, row.person_id, row.scopes, grantKey, info, trx);
  });
}

/** grant_type=refresh_token: the refresh token rotates; a spent one presented again revokes the grant. */
export async function refreshGrant(core: Core, creds: ClientCredentials, refreshToken: string | undefined, info: ClientInfo): Promise<TokenAnswer> {
  const client = await authenticateClient(core, creds);
  if (refreshToken === undefined || refreshToken === '') throw new ApiError('oauth_invalid_request', 'refresh_token is required.');
  const hash = hashTokenSync(refreshToken);
  const now = core.now();
  const reused = await core.db.selectFrom('sessions').select(['id', 'person_id']).where('prev_refresh_hash', '=', hash).where('oauth_client', '=', client.id).executeTakeFirst();
  if (reused !== undefined) {
    await revokeGrantSessions(core, { clientPk: client.id, sessionId: reused.id });
    core.log.warn({ sessionId: reused.id }, 'spent integration refresh token presented again; grant revoked');
    throw badGrant('The refresh token is not valid.');
  }
  const grantKey = integrationGrantKey(refreshToken);
  const session = await core.db.selectFrom('sessions').selectAll().where('refresh_hash', '=', hash).executeTakeFirst();
  if (grantKey === undefined || session === undefined || session.oauth_client !== client.id || session.revoked_at !== null || (session.expires_at !== null && session.expires_at <= now)) {
    throw badGrant('The refresh token is not valid.');
  }
  const person = await core.db.selectFrom('people').select('status').where('id', '=', session.person_id).executeTakeFirst();
  if (person?.status !== 'active') throw badGrant('The refresh token is not valid.');
  return core.db.transaction().execute(async (trx) => {
    const next = newGrantToken('refresh', grantKey);
    const updated = await trx
      .updateTable('sessions')
      .set({ refresh_hash: hashTokenSync(next), prev_refresh_hash: hash, last_seen_at: now, expires_at: now + core.config.auth.refreshTokenTtlSec * 1000, ip: info.ip?.slice(0, 64) ?? session.ip })
      .where('id', '=', session.id)
      .where('refresh_hash', '=', hash)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) throw badGrant('The refresh token is not valid.');
    await trx.deleteFrom('access_tokens').where('session_id', '=', session.id).where('expires_at', '<=', now).execute();
    const ttl = core.config.auth.accessTokenTtlSec;
    const accessToken = await issueIntegrationToken(core, trx, session.id, session.person_id, grantKey);
    return { access_token: accessToken, token_type: 'Bearer' as const, expires_in: ttl, refresh_token: next, refresh_token_expires_in: core.config.auth.refreshTokenTtlSec, scope: session.oauth_scopes ?? '' };
  });
}

/**
 * RFC 7009 revocation by the integration: an access or refresh token of one of its grants revokes
 * that grant (all its tokens). An unknown token is answered alike (200), as the RFC asks.
 */
export async function revokeByClient(core: Core, creds: ClientCredentials, token: string | undefined): Promise<void> {
  const client = await authenticateClient(core, creds);
  if (token === undefined || token === '') throw new ApiError('oauth_invalid_request', 'token is required.');
  const hash = hashTokenSync(token);
  const viaAccess = await core.db.selectFrom('access_tokens').select('session_id').where('hash', '=', hash).executeTakeFirst();
  const viaRefresh = viaAccess === undefined ? await core.db.selectFrom('sessions').select('id as session_id').where('refresh_hash', '=', hash).executeTakeFirst() : undefined;
  const sessionId = (viaAccess ?? viaRefresh)?.session_id;
  if (sessionId !== undefined) await revokeGrantSessions(core, { clientPk: client.id, sessionId });
}

// ---------------------------------------------------------------------------------------------
// What a person allowed

export async function listGrants(core: Core, actor: Actor): Promise<Grant[]> {
  assertPersonItself(actor);
  const now = core.now();
  const rows = await core.db
    .selectFrom('sessions')
    .innerJoin('oauth_clients', 'oauth_clients.id', 'sessions.oauth_client')
    .select(['oauth_clients.id', 'oauth_clients.name', 'oauth_clients.logo_key', 'sessions.oauth_scopes', 'sessions.created_at', 'sessions.last_seen_at'])
    .where('sessions.person_id', '=', actor.personId)
    .where('sessions.revoked_at', 'is', null)
    .where((eb) => eb.or([eb('sessions.expires_at', 'is', null), eb('sessions.expires_at', '>', now)]))
    .orderBy('sessions.created_at', 'asc')
    .execute();
  // One entry per integration, however many times the person allowed it.
  const byClient = new Map<string, { name: string; hasLogo: boolean; scopes: Set<string>; created: number; lastUsed: number }>();
  for (const r of rows) {
    const entry = byClient.get(r.id) ?? { name: r.name, hasLogo: r.logo_key !== null, scopes: new Set<string>(), created: r.created_at, lastUsed: r.last_seen_at };
    for (const s of (r.oauth_scopes ?? '').split(' ')) if (s !== '') entry.scopes.add(s);
    entry.lastUsed = Math.max(entry.lastUsed, r.last_seen_at);
    byClient.set(r.id, entry);
  }
  return [...byClient].map(([id, e]) => ({ integrationId: id, name: e.name, hasLogo: e.hasLogo, scopes: canonical(e.scopes), created: iso(e.created), lastUsed: iso(e.lastUsed) }));
}

export async function revokeGrant(core: Core, actor: Actor, integrationId: string): Promise<void> {
  assertPersonItself(actor);
  const revoked = await revokeGrantSessions(core, { clientPk: integrationId, personId: actor.personId });
  if (revoked === 0) throw ApiError.notFound('grant');
}

/**
 * A deleted account (issue 17, ID-10) takes its integrations with it — every grant they held ends —
 * and the codes it was about to hand out. Its own grants end with its sessions.
 */
export async function forgetPersonIntegrations(core: Core, personId: string): Promise<void> {
  const owned = await core.db.selectFrom('oauth_clients').select(['id', 'logo_key']).where('owner_id', '=', personId).execute();
  for (const client of owned) await revokeGrantSessions(core, { clientPk: client.id });
  await core.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('oauth_codes').where('person_id', '=', personId).execute();
    if (owned.length > 0) {
      const ids = owned.map((c) => c.id);
      await trx.deleteFrom('oauth_codes').where('client_pk', 'in', ids).execute();
      await trx.deleteFrom('oauth_clients').where('id', 'in', ids).execute();
    }
  });
  for (const client of owned) if (client.logo_key !== null) await core.blobs.delete(client.logo_key).catch(() => undefined);
}
