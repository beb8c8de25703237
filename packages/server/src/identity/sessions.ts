/**
 * Sessions and their tokens (SPEC ID-5, ID-8). A session is one sign-in on one device. It holds a
 * rotating refresh token and, for the web app, a cookie secret; short-lived access tokens hang off
 * it. Revoking the session kills all of them at once.
 * @module
 */
import type { AuthResult } from '@flint/protocol';
import { ApiError } from '../errors.ts';
import type { Actor, ClientInfo, Core } from '../core.ts';
import type { Db } from '../db/database.ts';
import type { SessionRow } from '../db/schema.ts';
import { newId } from '../infra/ids.ts';
import { getOrg, parsePolicy } from './orgs.ts';
import { inRanges } from '../admin/network-ranges.ts';
import { hashToken, hashTokenSync, newApiToken, newToken } from './tokens.ts';
import type { KmsPrincipal } from './auth-cache.ts';

export interface IssuedSession extends AuthResult {
  /** The web session cookie's value. */
  cookieToken: string;
}

const clip = (value: string | undefined, max: number): string | null => (value === undefined ? null : value.slice(0, max));

export async function startSession(core: Core, db: Db, personId: string, client: ClientInfo, kind: 'password' | 'sso' = 'password'): Promise<IssuedSession> {
  const now = core.now();
  const refreshToken = newToken('refresh');
  const cookieToken = newToken('cookie');
  const session: SessionRow = {
    id: newId(),
    person_id: personId,
    kind,
    refresh_hash: await hashToken(refreshToken),
    prev_refresh_hash: null,
    cookie_hash: await hashToken(cookieToken),
    ip: clip(client.ip, 64),
    user_agent: clip(client.userAgent, 512),
    client_version: clip(client.clientVersion, 64),
    created_at: now,
    last_seen_at: now,
    expires_at: now + core.config.auth.refreshTokenTtlSec * 1000,
    revoked_at: null,
    oauth_client: null,
    oauth_scopes: null,
  };
  await db.insertInto('sessions').values(session).execute();
  const accessToken = await issueAccessToken(core, db, session.id, personId, core.config.auth.accessTokenTtlSec);
  return { personId, sessionId: session.id, accessToken, refreshToken, cookieToken, expiresIn: core.config.auth.accessTokenTtlSec };
}

/**
 * `api`: the core's API with everything the person may do; `spark:kms`: the KMS only;
 * `integration`: the core's API limited to the OAuth scopes of its session (an integration's token).
 */
export type TokenScope = 'api' | 'spark:kms' | 'integration';

export async function issueAccessToken(core: Core, db: Db, sessionId: string, personId: string, ttlSec: number | null, scope: TokenScope = 'api'): Promise<string> {
  let token: string;
  if (scope === 'spark:kms') token = newToken('kms');
  else {
    // API tokens carry the org id (see newApiToken); issuing is rare (sign-in, refresh, bots).
    const person = await db.selectFrom('people').select('org_id').where('id', '=', personId).executeTakeFirstOrThrow();
    token = newApiToken(ttlSec === null ? 'bot' : 'access', person.org_id);
  }
  const now = core.now();
  await db
    .insertInto('access_tokens')
    .values({ hash: await hashToken(token), session_id: sessionId, person_id: personId, expires_at: ttlSec === null ? null : now + ttlSec * 1000, created_at: now, scope })
    .execute();
  return token;
}

/** Touching last_seen on every request would make every read a write; once a minute is enough. */
const TOUCH_INTERVAL_MS = 60_000;

async function actorFor(core: Core, session: Pick<SessionRow, 'id' | 'last_seen_at' | 'oauth_scopes'>, personId: string, via: Actor['via']): Promise<Actor | undefined> {
  // One query on every authenticated request: the person and the roles they hold (a row per role).
  const rows = await core.db
    .selectFrom('people')
    .leftJoin('person_roles', (j) => j.onRef('person_roles.person_id', '=', 'people.id').on('person_roles.role', 'in', ['org_admin', 'compliance_officer']))
    .select(['people.org_id', 'people.type', 'people.status', 'people.is_guest', 'people.meeting_guest_space', 'person_roles.role'])
    .where('people.id', '=', personId)
    .execute();
  const person = rows[0];
  if (person === undefined || person.status !== 'active') return undefined;
  const roles = new Set(rows.map((r) => r.role));
  const now = core.now();
  if (now - session.last_seen_at > TOUCH_INTERVAL_MS) {
    await core.db.updateTable('sessions').set({ last_seen_at: now }).where('id', '=', session.id).execute();
  }
  return {
    personId,
    orgId: person.org_id,
    sessionId: session.id,
    type: person.type,
    isAdmin: roles.has('org_admin'),
    isComplianceOfficer: roles.has('compliance_officer'),
    isGuest: person.is_guest === 1,
    ...(person.meeting_guest_space !== null ? { meetingGuestOf: person.meeting_guest_space } : {}),
    via,
    ...(session.oauth_scopes !== null ? { scopes: session.oauth_scopes.split(' ').filter((x) => x !== '') } : {}),
  };
}

/**
 * Who a `spark:kms` token belongs to, as the KMS asks (in-process `verifyBearer`, or RFC 7662
 * introspection): the person, their org and their address (an ID token from the org's provider
 * must name that address, where the KMS requires one); undefined when the token is not valid.
 */
export async function kmsPrincipalOf(core: Core, token: string): Promise<KmsPrincipal | undefined> {
  // The KMS asks for every request (each key retrieval): answered from the auth cache while the
  // token's entry lives (identity/auth-cache.ts: FLINT_AUTH_CACHE_MS, cleared on sign-out and on
  // every change of authority or e-mail address on this instance).
  const hash = hashTokenSync(token);
  const cached = core.authCache.kmsPrincipal(hash);
  if (cached !== undefined) return cached;
  let actor: Actor;
  try {
    actor = await authenticateBearer(core, token, 'spark:kms');
  } catch {
    return undefined;
  }
  const person = await core.db.selectFrom('people').select('email').where('id', '=', actor.personId).executeTakeFirst();
  const principal = { userId: actor.personId, orgId: actor.orgId, email: person?.email ?? undefined };
  core.authCache.setKmsPrincipal(hash, principal);
  return principal;
}

/**
 * Authenticates a bearer token for `scope` (by default the core's API; a KMS token is refused
 * there). An integration's token passes for `api` with its scopes on the actor, for the routes to check.
 */
export async function authenticateBearer(core: Core, token: string, scope: Exclude<TokenScope, 'integration'> = 'api'): Promise<Actor> {
  const hash = hashTokenSync(token);
  const cached = core.authCache.get(hash, scope);
  if (cached !== undefined) return cached;
  const now = core.now();
  const row = await core.db
    .selectFrom('access_tokens')
    .innerJoin('sessions', 'sessions.id', 'access_tokens.session_id')
    .select(['access_tokens.person_id', 'access_tokens.expires_at', 'access_tokens.scope', 'sessions.id', 'sessions.last_seen_at', 'sessions.revoked_at', 'sessions.oauth_scopes'])
    .where('access_tokens.hash', '=', hash)
    .executeTakeFirst();
  const scopeFits = row !== undefined && (row.scope === scope || (scope === 'api' && row.scope === 'integration'));
  if (row === undefined || row.revoked_at !== null || !scopeFits) throw ApiError.unauthorized();
  if (row.expires_at !== null && row.expires_at <= now) throw new ApiError('token_expired', 'The access token has expired; refresh it.');
  const actor = await actorFor(core, row, row.person_id, 'bearer');
  if (actor === undefined) throw ApiError.unauthorized();
  core.authCache.set(hash, scope, actor, row.expires_at);
  return actor;
}

/** `ip`: the request's address, for an org whose idle timeout applies only outside some networks. */
export async function authenticateCookie(core: Core, cookie: string, ip?: string): Promise<Actor> {
  const hash = await hashToken(cookie);
  const now = core.now();
  const session = await core.db.selectFrom('sessions').selectAll().where('cookie_hash', '=', hash).executeTakeFirst();
  if (session === undefined || session.revoked_at !== null || (session.expires_at !== null && session.expires_at <= now)) {
    throw ApiError.unauthorized('Your session has ended; sign in again.');
  }
  const person = await core.db.selectFrom('people').select('org_id').where('id', '=', session.person_id).executeTakeFirst();
  const org = person ? await getOrg(core.db, person.org_id) : undefined;
  const policy = org ? parsePolicy(org) : undefined;
  const exempt = policy !== undefined && policy.webSessionIdleOnlyOutside.length > 0 && inRanges(ip, policy.webSessionIdleOnlyOutside);
  const orgIdle = policy !== undefined && !exempt ? policy.webSessionIdleMinutes : 0;
  const idleMinutes = orgIdle > 0 ? Math.min(orgIdle, core.config.auth.webSessionIdleMinutes) : core.config.auth.webSessionIdleMinutes;
  if (now - session.last_seen_at > idleMinutes * 60_000) {
    await core.db.updateTable('sessions').set({ revoked_at: now }).where('id', '=', session.id).execute();
    throw ApiError.unauthorized('Your session timed out; sign in again.');
  }
  const actor = await actorFor(core, session, session.person_id, 'cookie');
  if (actor === undefined) throw ApiError.unauthorized();
  return actor;
}

/**
 * RFC 8693 token exchange: an API access token for one scoped to `spark:kms`, which only the KMS
 * accepts. It belongs to the same session (revoking the session revokes it) and lives as long.
 */
export async function exchangeForKmsToken(core: Core, subjectToken: string): Promise<{ token: string; expiresIn: number }> {
  const actor = await authenticateBearer(core, subjectToken);
  // An integration reaches the KMS only if the person granted it `spark:kms`.
  if (actor.scopes !== undefined && !actor.scopes.includes('spark:kms')) throw new ApiError('insufficient_scope', 'This token was not granted the scope spark:kms.');
  const ttl = core.config.auth.accessTokenTtlSec;
  const token = await issueAccessToken(core, core.db, actor.sessionId, actor.personId, ttl, 'spark:kms');
  return { token, expiresIn: ttl };
}

/**
 * A fresh access token for the web cookie's session (the web app holds it in memory only). A
 * bearer caller is refused: a token must not be able to extend itself past its session's refresh.
 */
export async function issueWebToken(core: Core, actor: Actor): Promise<{ personId: string; sessionId: string; accessToken: string; expiresIn: number }> {
  if (actor.via !== 'cookie') throw ApiError.forbidden('Only the web session cookie can ask for a web token.');
  const ttl = core.config.auth.accessTokenTtlSec;
  const accessToken = await issueAccessToken(core, core.db, actor.sessionId, actor.personId, ttl);
  return { personId: actor.personId, sessionId: actor.sessionId, accessToken, expiresIn: ttl };
}

/**
 * Spends a refresh token for a new pair. Refresh tokens rotate; presenting an already-spent one
 * means it was copied, so the whole session is revoked (the thief and the victim both sign in again).
 */
export async function refreshSession(core: Core, refreshToken: string, client: ClientInfo): Promise<AuthResult> {
  const hash = await hashToken(refreshToken);
  const now = core.now();
  const reused = await core.db.selectFrom('sessions').select('id').where('prev_refresh_hash', '=', hash).executeTakeFirst();
  if (reused !== undefined) {
    await core.db.updateTable('sessions').set({ revoked_at: now }).where('id', '=', reused.id).execute();
    core.authCache.clear();
    core.log.warn({ sessionId: reused.id }, 'spent refresh token presented again; session revoked');
    throw new ApiError('invalid_credentials', 'The refresh token is not valid.');
  }
  return core.db.transaction().execute(async (trx) => {
    const session = await trx.selectFrom('sessions').selectAll().where('refresh_hash', '=', hash).executeTakeFirst();
    if (session === undefined) throw new ApiError('invalid_credentials', 'The refresh token is not valid.');
    if (session.revoked_at !== null || (session.expires_at !== null && session.expires_at <= now)) {
      throw new ApiError('invalid_credentials', 'The refresh token is not valid.');
    }
    // An integration's refresh token is spent only at /v1/access_token, with its client's secret:
    // here it would mint a token without the integration's scopes.
    if (session.oauth_client !== null) throw new ApiError('invalid_credentials', 'The refresh token is not valid.');
    const person = await trx.selectFrom('people').select('status').where('id', '=', session.person_id).executeTakeFirst();
    if (person?.status !== 'active') throw new ApiError('invalid_credentials', 'The refresh token is not valid.');
    const next = newToken('refresh');
    const updated = await trx
      .updateTable('sessions')
      .set({
        refresh_hash: await hashToken(next),
        prev_refresh_hash: hash,
        last_seen_at: now,
        expires_at: now + core.config.auth.refreshTokenTtlSec * 1000,
        ip: clip(client.ip, 64) ?? session.ip,
        user_agent: clip(client.userAgent, 512) ?? session.user_agent,
        client_version: clip(client.clientVersion, 64) ?? session.client_version,
      })
      .where('id', '=', session.id)
      // Two refreshes racing with one token: only the first wins; the second finds the hash changed.
      .where('refresh_hash', '=', hash)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) throw new ApiError('invalid_credentials', 'The refresh token is not valid.');
    // Access tokens of this session that have already expired are no longer needed.
    await trx.deleteFrom('access_tokens').where('session_id', '=', session.id).where('expires_at', '<=', now).execute();
    const accessToken = await issueAccessToken(core, trx, session.id, session.person_id, core.config.auth.accessTokenTtlSec);
    return { personId: session.person_id, sessionId: session.id, accessToken, refreshToken: next, expiresIn: core.config.auth.accessTokenTtlSec };
  });
}

export async function revokeSession(core: Core, actor: Actor, sessionId: string): Promise<void> {
  const result = await core.db
    .updateTable('sessions')
    .set({ revoked_at: core.now() })
    .where('id', '=', sessionId)
    .where('person_id', '=', actor.personId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  core.authCache.clear();
  if (Number(result.numUpdatedRows) === 0) throw ApiError.notFound('session');
  core.events.hub.closeSessions(actor.personId, { only: sessionId });
}

/**
 * Whether a session may still carry an event stream: not revoked, and its person not deactivated.
 * Checked at each heartbeat, so a revocation made on another instance ends streams here too.
 */
export async function isSessionLive(db: Db, sessionId: string): Promise<boolean> {
  const row = await db
    .selectFrom('sessions')
    .innerJoin('people', 'people.id', 'sessions.person_id')
    .select(['sessions.revoked_at', 'people.status'])
    .where('sessions.id', '=', sessionId)
    .executeTakeFirst();
  return row !== undefined && row.revoked_at === null && row.status === 'active';
}

export async function listSessions(core: Core, actor: Actor): Promise<SessionRow[]> {
  const now = core.now();
  return core.db
    .selectFrom('sessions')
    .selectAll()
    .where('person_id', '=', actor.personId)
    .where('revoked_at', 'is', null)
    // What a person allowed an integration is listed (and revoked) under integrations instead.
    .where('oauth_client', 'is', null)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .orderBy('created_at', 'desc')
    .execute();
}

/** Ends every session of a person but one (after a password change), or all of them. */
export async function revokeOtherSessions(core: Core, db: Db, personId: string, keepSessionId: string | undefined): Promise<void> {
  let q = db.updateTable('sessions').set({ revoked_at: core.now() }).where('person_id', '=', personId).where('revoked_at', 'is', null);
  if (keepSessionId !== undefined) q = q.where('id', '!=', keepSessionId);
  await q.execute();
  core.authCache.clear();
  core.events.hub.closeSessions(personId, keepSessionId === undefined ? {} : { except: keepSessionId });
}
