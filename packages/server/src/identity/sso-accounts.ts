/**
 * What both single sign-on protocols do once the org's IdP has vouched for an address (issue 18,
 * SPEC ID-6): the address must be in one of the org's verified domains; a known person of the org
 * gets a session, an unknown one an account only when the org allows just-in-time accounts; and
 * what the IdP said about the session is kept for single logout.
 * @module
 */
import type { SsoErrorCode } from '@flint/protocol';
import type { ClientInfo, Core } from '../core.ts';
import type { OrgSsoRow } from '../db/schema.ts';
import { emailDomain, orgOwningEmail } from './orgs.ts';
import { findPersonByEmail, insertPerson } from './people.ts';
import { cleanName } from './names.ts';
import { startSession, type IssuedSession } from './sessions.ts';

/** `idToken`: the OIDC provider's ID token, for a browser that chose the nonce (it takes it to the KMS). */
export type SsoOutcome = { kind: 'session'; session: IssuedSession; idToken?: string | undefined } | { kind: 'error'; code: SsoErrorCode };

/** What the IdP said about a session, for single logout (SAML NameID/SessionIndex, OIDC ID token). */
export interface SsoSessionFacts {
  nameId?: string | undefined;
  nameIdFormat?: string | undefined;
  sessionIndex?: string | undefined;
  idToken?: string | undefined;
}

export async function signInVouched(core: Core, row: OrgSsoRow, vouched: { email: string; name?: string | undefined }, client: ClientInfo, facts: SsoSessionFacts): Promise<SsoOutcome> {
  const email = vouched.email.trim().toLowerCase();
  const owner = await orgOwningEmail(core.db, email);
  if (owner?.id !== row.org_id) {
    core.log.info({ orgId: row.org_id, domain: emailDomain(email), protocol: row.protocol }, 'SSO sign-in refused: address outside the org’s verified domains');
    return { kind: 'error', code: 'outside_domains' };
  }
  let person = await findPersonByEmail(core.db, email);
  if (person === undefined) {
    if (row.jit !== 1) return { kind: 'error', code: 'no_account' };
    const name = vouched.name !== undefined && vouched.name.trim() !== '' ? vouched.name : email.slice(0, email.indexOf('@'));
    person = await insertPerson(core, core.db, { orgId: row.org_id, email, displayName: cleanName('displayName', name.slice(0, 128)), status: 'active' });
    core.log.info({ orgId: row.org_id, personId: person.id }, 'SSO: account made just in time');
  } else if (person.status === 'invited') {
    // The provider vouches for the address the invitation went to: that accepts it.
    await core.db.updateTable('people').set({ status: 'active', updated_at: core.now() }).where('id', '=', person.id).execute();
  }
  if (person.org_id !== row.org_id || person.type !== 'person' || person.status === 'deactivated') return { kind: 'error', code: 'refused' };
  core.metrics.signIns.inc({ result: 'success' });
  const session = await startSession(core, core.db, person.id, client, 'sso');
  await core.db
    .insertInto('sso_sessions')
    .values({
      session_id: session.sessionId,
      org_id: row.org_id,
      protocol: row.protocol,
      name_id: facts.nameId ?? null,
      name_id_format: facts.nameIdFormat ?? null,
      session_index: facts.sessionIndex ?? null,
      id_token: facts.idToken ?? null,
      created_at: core.now(),
    })
    .execute();
  return { kind: 'session', session };
}

/**
 * The IdP says a person signed out there (SAML LogoutRequest): their Flint sessions that this IdP
 * started end — those of the session named by SessionIndex when it names one, else all of them.
 * Returns how many ended.
 */
export async function endSsoSessions(core: Core, orgId: string, nameId: string, sessionIndexes: string[]): Promise<number> {
  let q = core.db
    .selectFrom('sso_sessions')
    .innerJoin('sessions', 'sessions.id', 'sso_sessions.session_id')
    .select(['sessions.id', 'sessions.person_id'])
    .where('sso_sessions.org_id', '=', orgId)
    .where('sso_sessions.name_id', '=', nameId)
    .where('sessions.revoked_at', 'is', null);
  if (sessionIndexes.length > 0) q = q.where('sso_sessions.session_index', 'in', sessionIndexes);
  const sessions = await q.execute();
  const now = core.now();
  for (const s of sessions) {
    await core.db.updateTable('sessions').set({ revoked_at: now }).where('id', '=', s.id).where('revoked_at', 'is', null).execute();
    core.events.hub.closeSessions(s.person_id, { only: s.id });
  }
  if (sessions.length > 0) core.authCache.clear();
  return sessions.length;
}
