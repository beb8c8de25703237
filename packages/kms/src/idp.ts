/**
 * The org's own identity provider, trusted by the KMS (issue 18, "Beyond Webex";
 * docs/threat-model.md, "The org's identity provider").
 *
 * The KMS's operator may name, per organization, the OpenID Connect provider whose proof every
 * ECDHE handshake of that org's people must carry (`flint kms idp set`; the core has no path to
 * it). The proof is the ID token the provider signed at the person's sign-in, which the core
 * relays to the browser, together with the secret whose SHA-256 the browser chose as the sign-in's
 * nonce. The core sees the token (it trades the code for it) but never the secret, so it cannot
 * present the token itself; it cannot mint another, lacking the provider's key. Checked here: the
 * signature against the provider's JWKS (`jose`), issuer, audience (Flint's client id at the
 * provider), expiry, the nonce against the secret, the address against the person's (the core's
 * word), and the provider's subject, pinned to the person at their first proof.
 * @module
 */
import { createHash } from 'node:crypto';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { Kysely } from 'kysely';
import type { Caller, KmsContext } from './context.ts';
import type { KmsDatabase } from './storage/schema.ts';
import { KmsError } from './errors.ts';

/** At most this many characters in an ID token. */
const MAX_TOKEN = 16_384;
/** The secret behind the nonce: 32 bytes, base64url. */
const SECRET = /^[A-Za-z0-9_-]{43}$/;
/** Clock skew allowed between the provider and the KMS. */
const CLOCK_TOLERANCE_SEC = 30;
/** The provider's discovery document is read again after this long. */
const DISCOVERY_TTL_MS = 10 * 60_000;

export interface IdpTrust {
  orgId: string;
  issuer: string;
  clientId: string;
  setAt: string;
}

/** The nonce a sign-in asks the provider to put in its ID token: base64url(SHA-256(secret)). */
export function idpNonce(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('base64url');
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '[::1]';
}

function checkUrl(raw: string, allowLoopbackHttp: boolean, what: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`${what}: not a URL`);
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && allowLoopbackHttp && isLoopback(url.hostname)) return url;
  throw new Error(`${what}: must be an https:// URL`);
}

interface Discovered {
  at: number;
  issuer: string;
  jwks: ReturnType<typeof createRemoteJWKSet>;
}
const discovered = new Map<string, Discovered>();

/** The provider's discovery document (its `issuer` must be the one asked for) and its key set, kept a while. */
export async function discoverIdp(issuer: string, allowLoopbackHttp: boolean, now: number = Date.now()): Promise<Discovered> {
  const cached = discovered.get(issuer);
  if (cached !== undefined && now - cached.at < DISCOVERY_TTL_MS) return cached;
  const base = checkUrl(issuer, allowLoopbackHttp, 'issuer');
  const res = await fetch(`${base.href.replace(/\/$/, '')}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(10_000), redirect: 'error' });
  if (!res.ok) throw new Error(`the provider's discovery document answered ${res.status}`);
  const doc = (await res.json()) as { issuer?: unknown; jwks_uri?: unknown };
  if (typeof doc.issuer !== 'string' || doc.issuer.replace(/\/$/, '') !== issuer.replace(/\/$/, '')) throw new Error('the discovery document names another issuer');
  if (typeof doc.jwks_uri !== 'string') throw new Error('the discovery document has no jwks_uri');
  const jwks = createRemoteJWKSet(checkUrl(doc.jwks_uri, allowLoopbackHttp, 'jwks_uri'), { timeoutDuration: 10_000 });
  const entry = { at: now, issuer: doc.issuer, jwks };
  discovered.set(issuer, entry);
  return entry;
}

export async function idpTrustOf(db: Kysely<KmsDatabase>, orgId: string): Promise<IdpTrust | undefined> {
  const row = await db.selectFrom('kms_idp').selectAll().where('org_id', '=', orgId).executeTakeFirst();
  return row === undefined ? undefined : { orgId: row.org_id, issuer: row.issuer, clientId: row.client_id, setAt: new Date(row.set_at).toISOString() };
}

/**
 * The operator's `flint kms idp set`: the provider's discovery document is read first (a typo is
 * told at once), and the issuer kept exactly as the provider names itself in its tokens.
 */
export async function setIdpTrust(kms: { db: Kysely<KmsDatabase>; now: () => number }, input: { orgId: string; issuer: string; clientId: string; allowLoopbackHttp: boolean }): Promise<IdpTrust> {
  if (input.orgId === '' || input.clientId.trim() === '') throw new Error('the organization and the client id are required');
  const found = await discoverIdp(input.issuer.trim(), input.allowLoopbackHttp, kms.now());
  const row = { org_id: input.orgId, issuer: found.issuer, client_id: input.clientId.trim(), set_at: kms.now() };
  await kms.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('kms_idp').where('org_id', '=', input.orgId).execute();
    await trx.insertInto('kms_idp').values(row).execute();
  });
  return { orgId: row.org_id, issuer: row.issuer, clientId: row.client_id, setAt: new Date(row.set_at).toISOString() };
}

export async function removeIdpTrust(db: Kysely<KmsDatabase>, orgId: string): Promise<boolean> {
  const result = await db.deleteFrom('kms_idp').where('org_id', '=', orgId).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function listIdpTrusts(db: Kysely<KmsDatabase>): Promise<IdpTrust[]> {
  const rows = await db.selectFrom('kms_idp').selectAll().orderBy('org_id').execute();
  return rows.map((row) => ({ orgId: row.org_id, issuer: row.issuer, clientId: row.client_id, setAt: new Date(row.set_at).toISOString() }));
}

/** The reasons a proof is refused, for people (the web app shows its own words for `idp_*`). */
const REFUSED = {
  missing: 'Your organization’s key server requires proof from your organization’s sign-in provider (idp_proof_required): sign in with single sign-on.',
  expired: 'The proof from your organization’s sign-in provider has expired (idp_proof_expired): sign in with single sign-on again.',
  invalid: 'The proof from your organization’s sign-in provider does not check out (idp_proof_invalid).',
  unavailable: 'Your organization’s sign-in provider cannot be reached by the key server (idp_unavailable); try again later.',
} as const;

/**
 * Checks a request's IdP proof for `caller`, whose org's provider the KMS trusts (`trust`). Throws
 * 401 when it is missing or expired (sign in again), 403 when it is forged, replayed without its
 * secret, or names someone else. Pins the provider's subject to the person at their first proof.
 */
export async function verifyIdpProof(kms: KmsContext, trust: IdpTrust, caller: Caller, raw: unknown): Promise<{ subject: string }> {
  const proof = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : undefined;
  const token = proof?.['token'];
  const secret = proof?.['secret'];
  if (typeof token !== 'string' || typeof secret !== 'string') throw KmsError.unauthenticated(REFUSED.missing);
  if (token.length > MAX_TOKEN || !SECRET.test(secret)) throw KmsError.forbidden(REFUSED.invalid);
  let found: Discovered;
  try {
    found = await discoverIdp(trust.issuer, kms.policy.idpAllowLoopbackHttp, kms.now());
  } catch (error) {
    kms.log.warn({ orgId: trust.orgId, err: error instanceof Error ? error.message : String(error) }, 'KMS: the org’s identity provider could not be read');
    throw new KmsError(503, REFUSED.unavailable);
  }
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, found.jwks, {
      issuer: trust.issuer,
      audience: trust.clientId,
      clockTolerance: CLOCK_TOLERANCE_SEC,
      currentDate: new Date(kms.now()),
      requiredClaims: ['exp', 'iat', 'sub', 'nonce'],
    }));
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) throw KmsError.unauthenticated(REFUSED.expired);
    if (error instanceof joseErrors.JWKSTimeout) throw new KmsError(503, REFUSED.unavailable);
    kms.log.info({ orgId: trust.orgId, userId: caller.userId, err: error instanceof Error ? error.name : 'error' }, 'KMS: an IdP proof was refused');
    throw KmsError.forbidden(REFUSED.invalid);
  }
  // The nonce binds the token to the browser that started the sign-in: the core relayed the token,
  // but only that browser knows the secret behind the nonce.
  if (payload['nonce'] !== idpNonce(secret)) throw KmsError.forbidden(REFUSED.invalid);
  const email = typeof payload['email'] === 'string' ? payload['email'].trim().toLowerCase() : undefined;
  if (email === undefined || payload['email_verified'] === false || caller.email === undefined || email !== caller.email.toLowerCase()) throw KmsError.forbidden(REFUSED.invalid);
  const subject = payload.sub!;
  const pinned = await kms.db.selectFrom('kms_principals').select(['idp_issuer', 'idp_subject']).where('user_id', '=', caller.userId).executeTakeFirst();
  if (pinned?.idp_subject !== null && pinned?.idp_subject !== undefined) {
    if (pinned.idp_issuer !== trust.issuer || pinned.idp_subject !== subject) throw KmsError.forbidden(REFUSED.invalid);
    return { subject };
  }
  const taken = await kms.db.selectFrom('kms_principals').select('user_id').where('idp_issuer', '=', trust.issuer).where('idp_subject', '=', subject).executeTakeFirst();
  if (taken !== undefined && taken.user_id !== caller.userId) throw KmsError.forbidden(REFUSED.invalid);
  await kms.db.updateTable('kms_principals').set({ idp_issuer: trust.issuer, idp_subject: subject }).where('user_id', '=', caller.userId).execute();
  return { subject };
}
