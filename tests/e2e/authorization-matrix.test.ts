/**
 * The authorization matrix (SPEC SP-2, SP-3, SP-4, SEC-3): every space, membership, message, flag and
 * team endpoint, called by each kind of person, answers as expected. A non-member learns nothing:
 * 404, never 403. Each cell runs on a fresh fixture, so a cell that changes state cannot leak into
 * another. Every admin route answers 403 to everyone but an org admin (SPEC ID-7, CP-5; the server
 * enforces it, whatever a client shows), and an admin of another org cannot reach this org's people.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FlintClient } from '@flint/sdk';
import { invitationTokenFrom, raw, sampleImage, startFlint, type TestFlint } from '@flint/testkit';

type Role = 'moderator' | 'member' | 'guestMember' | 'nonMember' | 'orgAdmin' | 'guestOutsider' | 'otherOrg';
const ROLES: Role[] = ['moderator', 'member', 'guestMember', 'nonMember', 'orgAdmin', 'guestOutsider', 'otherOrg'];

interface Fixture {
  roomId: string;
  /** A message by the moderator, and one by the member. */
  modMessageId: string;
  memberMessageId: string;
  memberMembershipId: string;
  teamId: string;
  teamRoomId: string;
}

interface Cell {
  method: string;
  path: (f: Fixture) => string;
  body?: (f: Fixture, ids: Record<string, string>) => unknown;
  expect: Record<Role, number>;
}

/** Members of the (locked) space and of its team: moderator, member, guestMember. */
const members = (mod: number, member: number, guest: number = member): Record<Role, number> => ({
  moderator: mod,
  member,
  guestMember: guest,
  nonMember: 404,
  orgAdmin: 404,
  guestOutsider: 404,
  otherOrg: 404,
});

const c = (s: string) => `ciphertext:${s}`;

const MATRIX: Record<string, Cell> = {
  'GET /api/rooms/:id': { method: 'GET', path: (f) => `/api/rooms/${f.roomId}`, expect: members(200, 200) },
  'PUT /api/rooms/:id': { method: 'PUT', path: (f) => `/api/rooms/${f.roomId}`, body: () => ({ title: c('new title') }), expect: members(200, 403) },
  'DELETE /api/rooms/:id': { method: 'DELETE', path: (f) => `/api/rooms/${f.roomId}`, expect: members(204, 403) },
  'POST /api/rooms/:id/typing': { method: 'POST', path: (f) => `/api/rooms/${f.roomId}/typing`, body: () => ({ isTyping: true }), expect: members(204, 204) },
  'PUT /api/rooms/:id/favorite': { method: 'PUT', path: (f) => `/api/rooms/${f.roomId}/favorite`, body: () => ({ isFavorite: true }), expect: members(204, 204) },
  'PUT /api/rooms/:id/read': { method: 'PUT', path: (f) => `/api/rooms/${f.roomId}/read`, body: (f) => ({ lastReadMessageId: f.modMessageId }), expect: members(204, 204) },
  'GET /api/memberships': { method: 'GET', path: (f) => `/api/memberships?roomId=${f.roomId}`, expect: members(200, 200) },
  'POST /api/memberships': { method: 'POST', path: () => '/api/memberships', body: (f, ids) => ({ roomId: f.roomId, personId: ids['extra'] }), expect: members(200, 403) },
  'GET /api/memberships/:id': { method: 'GET', path: (f) => `/api/memberships/${f.memberMembershipId}`, expect: members(200, 200) },
  'PUT /api/memberships/:id': { method: 'PUT', path: (f) => `/api/memberships/${f.memberMembershipId}`, body: () => ({ isModerator: true }), expect: members(200, 403) },
  // For the member this is leaving, which is always allowed.
  'DELETE /api/memberships/:id': { method: 'DELETE', path: (f) => `/api/memberships/${f.memberMembershipId}`, expect: members(204, 204, 403) },
  'GET /api/messages': { method: 'GET', path: (f) => `/api/messages?roomId=${f.roomId}`, expect: members(200, 200) },
  'POST /api/messages': { method: 'POST', path: () => '/api/messages', body: (f) => ({ roomId: f.roomId, text: c('hello') }), expect: members(200, 200) },
  'GET /api/messages/:id': { method: 'GET', path: (f) => `/api/messages/${f.modMessageId}`, expect: members(200, 200) },
  'PUT /api/messages/:id (the moderator’s)': { method: 'PUT', path: (f) => `/api/messages/${f.modMessageId}`, body: () => ({ text: c('edited') }), expect: members(200, 403) },
  'DELETE /api/messages/:id (the moderator’s)': { method: 'DELETE', path: (f) => `/api/messages/${f.modMessageId}`, expect: members(204, 403) },
  'DELETE /api/messages/:id (the member’s)': { method: 'DELETE', path: (f) => `/api/messages/${f.memberMessageId}`, expect: members(204, 204, 403) },
  'POST /api/flags': { method: 'POST', path: () => '/api/flags', body: (f) => ({ messageId: f.modMessageId }), expect: members(200, 200) },
  'POST /api/reactions': { method: 'POST', path: () => '/api/reactions', body: (f) => ({ messageId: f.modMessageId, emoji: c('👍'), encryptionKeyUrl: 'kms://kms.example/keys/1' }), expect: members(200, 200) },
  'GET /api/reactions': { method: 'GET', path: (f) => `/api/reactions?roomId=${f.roomId}&messageId=${f.modMessageId},${f.memberMessageId}`, expect: members(200, 200) },
  'GET /api/rooms?teamId': { method: 'GET', path: (f) => `/api/rooms?teamId=${f.teamId}`, expect: members(200, 200) },
  'GET /api/rooms/:id (team space, not joined)': { method: 'GET', path: (f) => `/api/rooms/${f.teamRoomId}`, expect: members(200, 200) },
  'POST /api/memberships (join a team space)': { method: 'POST', path: () => '/api/memberships', body: (f, ids) => ({ roomId: f.teamRoomId, personId: ids['self'] }), expect: members(409, 200) },
  'GET /api/teams/:id': { method: 'GET', path: (f) => `/api/teams/${f.teamId}`, expect: members(200, 200) },
  'PUT /api/teams/:id': { method: 'PUT', path: (f) => `/api/teams/${f.teamId}`, body: () => ({ name: c('renamed team') }), expect: members(200, 403) },
  'DELETE /api/teams/:id': { method: 'DELETE', path: (f) => `/api/teams/${f.teamId}`, expect: members(204, 403) },
  'GET /api/team/memberships': { method: 'GET', path: (f) => `/api/team/memberships?teamId=${f.teamId}`, expect: members(200, 200) },
  'POST /api/team/memberships': { method: 'POST', path: () => '/api/team/memberships', body: (f, ids) => ({ teamId: f.teamId, personId: ids['extra'] }), expect: members(200, 403) },
};

describe('authorization matrix', () => {
  let flint: TestFlint;
  const clients = {} as Record<Role, FlintClient>;
  const personIds = {} as Record<Role | 'extra', string>;

  before(async () => {
    // Each cell builds a fresh fixture: many requests by one person, more than the default rate limit.
    flint = await startFlint({ env: { FLINT_SIGNUP: 'open', FLINT_RATE_LIMIT_PER_MINUTE: '1000000' } });
    clients.orgAdmin = await flint.signup({ email: 'admin@example.com' });
    clients.moderator = await flint.signup({ email: 'mod@example.com' });
    clients.member = await flint.signup({ email: 'member@example.com' });
    clients.nonMember = await flint.signup({ email: 'nonmember@example.com' });
    const extra = await flint.signup({ email: 'extra@example.com' });
    for (const [role, email] of [['guestMember', 'guest@partner.test'], ['guestOutsider', 'outsider@partner.test']] as const) {
      await clients.orgAdmin.invitations.create({ email });
      const mail = (await flint.outbox()).find((m) => m.to === email)!;
      clients[role] = await flint.signup({ email, invitationToken: invitationTokenFrom(mail.text) });
      assert.equal((await clients[role].people.me()).isGuest, true);
    }
    clients.otherOrg = await flint.signup({ email: 'someone@other.test' });
    for (const role of ROLES) personIds[role] = clients[role].session!.personId;
    personIds.extra = extra.session!.personId;
    // A member's problem report with a screenshot (SPEC AD-5): only their org's admins read it.
    const shot = Buffer.from(await sampleImage('png', 32, 32, { r: 1, g: 2, b: 3 })).toString('base64');
    logoPng = await sampleImage('png', 64, 32, { r: 20, g: 90, b: 160 });
    reportId = (await clients.member.feedback.send({ description: 'matrix', screenshot: { contentType: 'image/png', data: shot } })).id;
  });
  after(() => flint.stop());

  async function fixture(): Promise<Fixture> {
    const mod = clients.moderator;
    const room = await mod.rooms.create({ title: c('matrix'), isLocked: true });
    await mod.memberships.create({ roomId: room.id, personId: personIds.member });
    await mod.memberships.create({ roomId: room.id, personId: personIds.guestMember });
    const modMessage = await mod.messages.create({ roomId: room.id, text: c('by the moderator') });
    const memberMessage = await clients.member.messages.create({ roomId: room.id, text: c('by the member') });
    const memberMembership = (await mod.memberships.list({ roomId: room.id, personId: personIds.member })).items[0]!;
    const team = await mod.teams.create({ name: c('matrix team') });
    await mod.teams.addMember({ teamId: team.id, personId: personIds.member });
    await mod.teams.addMember({ teamId: team.id, personId: personIds.guestMember });
    const teamRoom = await mod.rooms.create({ title: c('team space'), teamId: team.id });
    return { roomId: room.id, modMessageId: modMessage.id, memberMessageId: memberMessage.id, memberMembershipId: memberMembership.id, teamId: team.id, teamRoomId: teamRoom.id };
  }

  /** Admin routes: a fresh person of the org as the target of each call. */
  interface AdminCell {
    method: string;
    path: (orgId: string, personId: string, prepared: string) => string;
    body?: () => unknown;
    /** For a raw (non-JSON) body. */
    contentType?: string;
    /** Makes a fresh resource for each call (e.g. a notice of the admin's org); its id is `prepared`. */
    prepare?: () => Promise<string>;
    /** What the admin of this org gets; `otherOrg` (an admin elsewhere) gets `otherOrg`. */
    ok: number;
    otherOrg: number;
  }
  let adminSeq = 0;
  let reportId = '';
  let logoPng: Uint8Array = new Uint8Array();
  const ADMIN_MATRIX: Record<string, AdminCell> = {
    // An address in a domain no org owns: each admin creates it in their own org.
    'POST /api/people': { method: 'POST', path: () => '/api/people', body: () => ({ emails: [`new${++adminSeq}@unclaimed.test`], displayName: 'New' }), ok: 200, otherOrg: 200 },
    // An address in the first org's domain: only that org makes accounts there (SPEC ID-2).
    'POST /api/people (in another org’s domain)': { method: 'POST', path: () => '/api/people', body: () => ({ emails: [`new${++adminSeq}@example.com`], displayName: 'New' }), ok: 200, otherOrg: 403 },
    'PUT /api/people/:id': { method: 'PUT', path: (_o, p) => `/api/people/${p}`, body: () => ({ displayName: 'Renamed' }), ok: 200, otherOrg: 404 },
    'PUT /api/people/:id (make admin)': { method: 'PUT', path: (_o, p) => `/api/people/${p}`, body: () => ({ roles: ['org_admin'] }), ok: 200, otherOrg: 404 },
    'DELETE /api/people/:id': { method: 'DELETE', path: (_o, p) => `/api/people/${p}`, ok: 204, otherOrg: 404 },
    'PUT /api/organizations/:id': { method: 'PUT', path: (o) => `/api/organizations/${o}`, body: () => ({ policy: { membersMayInvite: true } }), ok: 200, otherOrg: 404 },
    'GET /api/licenses': { method: 'GET', path: () => '/api/licenses', ok: 200, otherOrg: 200 },
    'POST /api/bots': { method: 'POST', path: () => '/api/bots', body: () => ({ displayName: 'Matrix bot' }), ok: 200, otherOrg: 200 },
    'GET /api/admin/audit/events': { method: 'GET', path: () => '/api/admin/audit/events', ok: 200, otherOrg: 200 },
    'POST /api/people/:id/password-reset': { method: 'POST', path: (_o, p) => `/api/people/${p}/password-reset`, ok: 200, otherOrg: 404 },
    'GET /api/people/:id/sessions': { method: 'GET', path: (_o, p) => `/api/people/${p}/sessions`, ok: 200, otherOrg: 404 },
    'DELETE /api/people/:id/sessions': { method: 'DELETE', path: (_o, p) => `/api/people/${p}/sessions`, ok: 204, otherOrg: 404 },
    'GET /api/admin/reports/usage': { method: 'GET', path: () => '/api/admin/reports/usage?from=2026-01-01&to=2026-01-31', ok: 200, otherOrg: 200 },
    'GET /api/admin/reports/usage.csv': { method: 'GET', path: () => '/api/admin/reports/usage.csv?from=2026-01-01&to=2026-01-31', ok: 200, otherOrg: 200 },
    'GET /api/admin/feedback': { method: 'GET', path: () => '/api/admin/feedback', ok: 200, otherOrg: 200 },
    'GET /api/admin/feedback/:id': { method: 'GET', path: () => `/api/admin/feedback/${reportId}`, ok: 200, otherOrg: 404 },
    'GET /api/admin/feedback/:id/screenshot': { method: 'GET', path: () => `/api/admin/feedback/${reportId}/screenshot`, ok: 200, otherOrg: 404 },
    'GET /api/admin/domains': { method: 'GET', path: () => '/api/admin/domains', ok: 200, otherOrg: 200 },
    'POST /api/admin/domains': { method: 'POST', path: () => '/api/admin/domains', body: () => ({ domain: `d${++adminSeq}.matrix.test` }), ok: 200, otherOrg: 200 },
    'POST /api/admin/domains/:domain/verify (not found for another org)': { method: 'POST', path: () => '/api/admin/domains/example.com/verify', ok: 200, otherOrg: 404 },
    'DELETE /api/admin/domains/:domain (another org’s)': { method: 'DELETE', path: () => '/api/admin/domains/other.test', ok: 404, otherOrg: 204 },
    // Roles page, service health and notices (SPEC ID-7, AD-3).
    'GET /api/admin/roles': { method: 'GET', path: () => '/api/admin/roles', ok: 200, otherOrg: 200 },
    'GET /api/admin/health': { method: 'GET', path: () => '/api/admin/health', ok: 200, otherOrg: 200 },
    'GET /api/admin/notices': { method: 'GET', path: () => '/api/admin/notices', ok: 200, otherOrg: 200 },
    'POST /api/admin/notices': { method: 'POST', path: () => '/api/admin/notices', body: () => ({ title: 'Matrix', text: 'Notice', severity: 'info', startsAt: new Date().toISOString(), endsAt: new Date(Date.now() + 3_600_000).toISOString() }), ok: 200, otherOrg: 200 },
    'DELETE /api/admin/notices/:id (not found for another org)': {
      method: 'DELETE',
      path: (_o, _p, noticeId) => `/api/admin/notices/${noticeId}`,
      prepare: async () => {
        const body = { title: 'Matrix', text: 'Notice', severity: 'info', startsAt: new Date().toISOString(), endsAt: new Date(Date.now() + 3_600_000).toISOString() };
        const r = await raw(flint.url, 'POST', '/api/admin/notices', { token: clients.orgAdmin.session!.accessToken, body });
        return (r.json as { id: string }).id;
      },
      ok: 204,
      otherOrg: 404,
    },
    // Single sign-on (issue 18): no provider is set in either org; a plain-http issuer elsewhere than loopback is refused (400) before any request.
    'GET /api/admin/sso': { method: 'GET', path: () => '/api/admin/sso', ok: 404, otherOrg: 404 },
    'PUT /api/admin/sso': { method: 'PUT', path: () => '/api/admin/sso', body: () => ({ protocol: 'oidc', issuer: 'http://192.0.2.1/idp', clientId: 'c', enabled: true, jit: false, requireSso: false }), ok: 400, otherOrg: 400 },
    'DELETE /api/admin/sso': { method: 'DELETE', path: () => '/api/admin/sso', ok: 404, otherOrg: 404 },
    // SAML: Flint's service provider for the admin's own org (each admin sees their own, so 200 for both).
    'GET /api/admin/sso/saml-sp': { method: 'GET', path: () => '/api/admin/sso/saml-sp', ok: 200, otherOrg: 200 },
    'PUT /api/admin/sso (SAML)': { method: 'PUT', path: () => '/api/admin/sso', body: () => ({ protocol: 'saml', metadataUrl: 'http://192.0.2.1/metadata', enabled: true, jit: false, requireSso: false }), ok: 400, otherOrg: 400 },
    // SCIM (issue 18): its own error shape, the same statuses; another org's admin does not find this org.
    'GET /identity/scim/:orgId/v2/Users': { method: 'GET', path: (o) => `/identity/scim/${o}/v2/Users`, ok: 200, otherOrg: 404 },
    'POST /identity/scim/:orgId/v2/Users': { method: 'POST', path: (o) => `/identity/scim/${o}/v2/Users`, body: () => ({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: `scim${++adminSeq}@example.com` }), ok: 201, otherOrg: 404 },
    'PATCH /identity/scim/:orgId/v2/Users/:id': { method: 'PATCH', path: (o, p) => `/identity/scim/${o}/v2/Users/${p}`, body: () => ({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'active', value: false }] }), ok: 200, otherOrg: 404 },
    'DELETE /identity/scim/:orgId/v2/Users/:id': { method: 'DELETE', path: (o, p) => `/identity/scim/${o}/v2/Users/${p}`, ok: 204, otherOrg: 404 },
    // SCIM groups and directory-sync settings (issue 18): the token and mappings are each org's own.
    'GET /identity/scim/:orgId/v2/Groups': { method: 'GET', path: (o) => `/identity/scim/${o}/v2/Groups`, ok: 200, otherOrg: 404 },
    'POST /identity/scim/:orgId/v2/Groups': { method: 'POST', path: (o) => `/identity/scim/${o}/v2/Groups`, body: () => ({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: `Group ${++adminSeq}` }), ok: 201, otherOrg: 404 },
    'GET /api/admin/scim': { method: 'GET', path: () => '/api/admin/scim', ok: 200, otherOrg: 200 },
    'POST /api/admin/scim/token': { method: 'POST', path: () => '/api/admin/scim/token', ok: 200, otherOrg: 200 },
    'DELETE /api/admin/scim/token (each admin revokes their own org’s)': {
      method: 'DELETE',
      path: () => '/api/admin/scim/token',
      prepare: async () => {
        for (const role of ['orgAdmin', 'otherOrg'] as const) await raw(flint.url, 'POST', '/api/admin/scim/token', { token: clients[role].session!.accessToken });
        return '';
      },
      ok: 204,
      otherOrg: 204,
    },
    'PUT /api/admin/scim/groups/:id/mapping (not found for another org)': {
      method: 'PUT',
      path: (_o, _p, groupId) => `/api/admin/scim/groups/${groupId}/mapping`,
      body: () => ({ role: 'org_admin' }),
      prepare: async () => {
        const orgId = (await clients.orgAdmin.people.me()).orgId!;
        const r = await raw(flint.url, 'POST', `/identity/scim/${orgId}/v2/Groups`, { token: clients.orgAdmin.session!.accessToken, body: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: `Mapped ${++adminSeq}` } });
        return (r.json as { id: string }).id;
      },
      ok: 200,
      otherOrg: 404,
    },
    // The org's logo (issue 16): another org's admin does not find this org.
    'PUT /api/organizations/:id/logo': { method: 'PUT', path: (o) => `/api/organizations/${o}/logo`, body: () => logoPng, contentType: 'image/png', ok: 200, otherOrg: 404 },
    'DELETE /api/organizations/:id/logo': { method: 'DELETE', path: (o) => `/api/organizations/${o}/logo`, ok: 204, otherOrg: 404 },
  };
  for (const [name, cell] of Object.entries(ADMIN_MATRIX)) {
    it(`admin only: ${name}`, async () => {
      const orgId = (await clients.orgAdmin.people.me()).orgId!;
      const answers: Partial<Record<Role, number>> = {};
      for (const role of ROLES) {
        const target = await clients.orgAdmin.people.create({ emails: [`target${++adminSeq}@example.com`], displayName: 'Target', password: 'a long enough password' });
        const body = cell.body?.();
        const prepared = (await cell.prepare?.()) ?? '';
        const r = await raw(flint.url, cell.method, cell.path(orgId, target.id, prepared), { token: clients[role].session!.accessToken, ...(body !== undefined ? { body } : {}), ...(cell.contentType !== undefined ? { contentType: cell.contentType } : {}) });
        answers[role] = r.status;
      }
      const expected = Object.fromEntries(ROLES.map((r) => [r, r === 'orgAdmin' ? cell.ok : r === 'otherOrg' ? cell.otherOrg : 403]));
      assert.deepEqual(answers, expected);
    });
  }

  // One's own account only (SPEC ID-10): nobody deletes another's, whatever their role; a dry run
  // of one's own answers the org's policy (changing nothing).
  it('POST /api/people/me/delete: only one’s own account', async () => {
    const other = (await clients.member.people.me()).emails[0]!;
    const answers: Partial<Record<Role, number>> = {};
    const own: Partial<Record<Role, number>> = {};
    for (const role of ROLES) {
      const token = clients[role].session!.accessToken;
      answers[role] = (await raw(flint.url, 'POST', '/api/people/me/delete', { token, body: { email: role === 'member' ? 'nobody@example.com' : other, dryRun: true } })).status;
      const mine = (await clients[role].people.me()).emails[0]!;
      own[role] = (await raw(flint.url, 'POST', '/api/people/me/delete', { token, body: { email: mine, dryRun: true } })).status;
    }
    assert.deepEqual(answers, Object.fromEntries(ROLES.map((r) => [r, 400])));
    for (const role of ROLES) assert.ok(own[role] === 200 || own[role] === 409, `${role}: ${own[role]}`);
  });

  for (const [name, cell] of Object.entries(MATRIX)) {
    it(name, async () => {
      const answers: Partial<Record<Role, number>> = {};
      const bodies: Partial<Record<Role, string>> = {};
      for (const role of ROLES) {
        const f = await fixture();
        const body = cell.body?.(f, { extra: personIds.extra, self: personIds[role] });
        const r = await raw(flint.url, cell.method, cell.path(f), { token: clients[role].session!.accessToken, ...(body !== undefined ? { body } : {}) });
        answers[role] = r.status;
        if (r.status === 404) bodies[role] = r.text.replace(/FLINT_[0-9a-f-]+/, '');
      }
      assert.deepEqual(answers, cell.expect);
      // Every 404 of a cell is the same answer: whoever is refused cannot tell why.
      assert.ok(new Set(Object.values(bodies)).size <= 1, `404 bodies differ: ${JSON.stringify(bodies)}`);
    });
  }
});
