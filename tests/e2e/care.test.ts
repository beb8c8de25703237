/**
 * The care assistant (SPEC SP-7) through the SDK, end to end encrypted: an admin defines queues; a
 * question is routed to the one available expert (connected, not on do not disturb), then by load
 * and in rotation; the routed expert is authorized at the KMS by the asker's session and reads the
 * sealed question; a hand-off to another queue waits until an expert takes it, and the asker's
 * session admits them; a hand-off to a person is admitted by the handing-off expert's session; the
 * request is resolved. Bad input is refused with a 4xx and changes nothing; the core holds no
 * plaintext of the conversation.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CareRequest } from '@flint/protocol';
import type { FlintClient, Session } from '@flint/sdk';
import { raw, scanForPlaintext, startFlint, stateDigest, type TestFlint, until } from '@flint/testkit';

/** The digest of some tables (a refused request must change none of them). */
async function tableDigest(flint: TestFlint, names: readonly string[]): Promise<unknown> {
  const digest = await stateDigest(flint);
  return names.map((n) => [n, digest.tables[n]]);
}

/** The texts of a space's messages, opened by this session. */
async function texts(session: Session, roomId: string): Promise<string[]> {
  const page = await session.messages.list({ roomId });
  return page.items.map((m) => m.text ?? `<${m.decryptError?.message ?? 'no text'}>`).reverse();
}

describe('care assistant (SP-7)', () => {
  let flint: TestFlint;
  let ada: FlintClient; // the org's admin
  let bob: FlintClient; // experts: bob, carol (IT); dan (Billing)
  let carol: FlintClient;
  let dan: FlintClient;
  let eve: FlintClient; // asks
  const ids: Record<string, string> = {};
  const sessions: Session[] = [];
  let adaS: Session, bobS: Session, carolS: Session, eveS: Session;
  let it1: string, billing: string;

  before(async () => {
    flint = await startFlint({ env: { FLINT_SIGNUP: 'open' } });
    ada = await flint.signup({ email: 'ada@example.com', displayName: 'Ada Admin' });
    bob = await flint.signup({ email: 'bob@example.com', displayName: 'Bob Expert' });
    carol = await flint.signup({ email: 'carol@example.com', displayName: 'Carol Expert' });
    dan = await flint.signup({ email: 'dan@example.com', displayName: 'Dan Billing' });
    eve = await flint.signup({ email: 'eve@example.com', displayName: 'Eve Asker' });
    for (const [name, c] of Object.entries({ ada, bob, carol, dan, eve })) ids[name] = c.session!.personId;
    const connect = async (c: FlintClient, name: string) => {
      const s = await flint.connect(c, { deviceId: `${name}-node`, kmsTimeoutMs: 30_000 });
      sessions.push(s);
      return s;
    };
    adaS = await connect(ada, 'ada');
    bobS = await connect(bob, 'bob');
    carolS = await connect(carol, 'carol');
    eveS = await connect(eve, 'eve');
    // Dan stays offline (no stream) until the hand-off test.
  });
  after(async () => {
    for (const s of sessions) s.close();
    await flint.stop();
  });

  it('an admin defines queues; bad input and non-admins are refused and change nothing', async () => {
    const q1 = await adaS.api.care.createQueue({ name: 'IT help', expertIds: [ids['bob']!, ids['carol']!] });
    const q2 = await adaS.api.care.createQueue({ name: 'Billing', expertIds: [ids['dan']!] });
    it1 = q1.id;
    billing = q2.id;
    assert.deepEqual(q1.experts.map((e) => e.displayName), ['Bob Expert', 'Carol Expert']);
    const listed = await eveS.care.queues();
    assert.deepEqual(listed.map((q) => q.name), ['Billing', 'IT help']);
    const before = await tableDigest(flint, ['care_queues', 'care_experts', 'admin_audit']);
    const post = (token: string, body: unknown) => raw(flint.url, 'POST', '/api/care/queues', { token, body });
    const notAdmin = await post(eve.session!.accessToken, { name: 'Mine', expertIds: [] });
    assert.equal(notAdmin.status, 403, notAdmin.text);
    const unknownExpert = await post(ada.session!.accessToken, { name: 'X', expertIds: ['00000000-0000-4000-8000-000000000000'] });
    assert.equal(unknownExpert.status, 400, unknownExpert.text);
    assert.match(unknownExpert.text, /expertIds/);
    assert.equal((await post(ada.session!.accessToken, { name: '', expertIds: [] })).status, 400);
    assert.equal((await post(ada.session!.accessToken, { name: 'IT help', expertIds: [] })).status, 409);
    assert.equal((await post(ada.session!.accessToken, { name: 'Y', expertIds: [], extra: 1 })).status, 400);
    assert.deepEqual(await tableDigest(flint, ['care_queues', 'care_experts', 'admin_audit']), before);
    const audit = await flint.server.core.db.selectFrom('admin_audit').select('action').where('action', 'like', 'careQueue.%').execute();
    assert.equal(audit.length, 2);
  });

  it('a question goes to the one available expert, who reads it decrypted; then by load and in rotation', async () => {
    // Carol is connected but on do not disturb: Bob is the one available expert.
    await carolS.api.presence.setStatus({ status: 'dnd' });
    const first = await eveS.care.ask({ queueId: it1, question: 'My laptop will not boot.\nIt shows a blue screen.' });
    assert.equal(first.status, 'assigned');
    assert.equal(first.expertId, ids['bob']);
    assert.equal(first.awaitingAdmission, false, 'the asker’s session admitted the expert before answering');
    assert.deepEqual(await texts(bobS, first.roomId), ['My laptop will not boot.\nIt shows a blue screen.']);
    assert.equal((await bobS.spaces.get(first.roomId)).title, 'My laptop will not boot.');
    await bobS.messages.send({ roomId: first.roomId, text: 'Hold F8 while it starts.' });
    assert.deepEqual((await texts(eveS, first.roomId)).at(-1), 'Hold F8 while it starts.');

    // Carol available again: the fewest open requests wins (Carol 0, Bob 1).
    await carolS.api.presence.setStatus({ status: 'available' });
    const second = await eveS.care.ask({ queueId: it1, question: 'Printer jam' });
    assert.equal(second.expertId, ids['carol']);
    // Both at 1: Bob was routed to longer ago.
    const third = await eveS.care.ask({ queueId: it1, question: 'VPN drops' });
    assert.equal(third.expertId, ids['bob']);
    await carolS.care.resolve(second.id);
    await bobS.care.resolve(third.id);

    // Nobody of Billing is connected: the question waits, visible to Dan (not yet a member).
    const waiting = await eveS.care.ask({ queueId: billing, question: 'Invoice is wrong' });
    assert.equal(waiting.status, 'waiting');
    assert.equal(waiting.expertId, undefined);
    assert.ok((await dan.care.requests()).some((r) => r.id === waiting.id && r.status === 'waiting'));
    // Carol is no expert of Billing: she neither sees nor takes it.
    assert.equal((await carolS.care.requests()).some((r) => r.id === waiting.id), false);
    const carolTakes = await raw(flint.url, 'POST', `/api/care/requests/${waiting.id}/take`, { token: carol.session!.accessToken });
    assert.equal(carolTakes.status, 404, carolTakes.text);
    await eveS.care.resolve(waiting.id);
  });

  it('handed off to a queue, taken, admitted by the asker’s session, handed to a person, answered and resolved', async () => {
    const asked = await eveS.care.ask({ queueId: it1, question: 'I was charged twice' });
    const expert = asked.expertId === ids['bob'] ? bobS : carolS;
    const other = expert === bobS ? carolS : bobS;
    // Billing has nobody connected: it waits there.
    const handed = await expert.care.handOff(asked.id, { queueId: billing });
    assert.equal(handed.status, 'waiting');
    assert.equal(handed.queueId, billing);
    assert.equal(handed.handedOffBy, asked.expertId);

    // Dan comes online and takes it; Eve's session hears it and authorizes him at the KMS.
    const danS = await flint.connect(dan, { deviceId: 'dan-node', kmsTimeoutMs: 30_000 });
    sessions.push(danS);
    const taken = await danS.care.take(asked.id);
    assert.equal(taken.expertId, ids['dan']);
    await until('Dan admitted', async () => ((await danS.care.requests()).find((r) => r.id === asked.id && !r.awaitingAdmission) ? true : undefined));
    assert.deepEqual(await texts(danS, asked.roomId), ['I was charged twice']);

    // Taking a taken request is a conflict.
    const again = await raw(flint.url, 'POST', `/api/care/requests/${asked.id}/take`, { token: dan.session!.accessToken });
    assert.equal(again.status, 409, again.text);
    // Only the expert who has it hands it off; exactly one target.
    assert.equal((await raw(flint.url, 'POST', `/api/care/requests/${asked.id}/handoff`, { token: eve.session!.accessToken, body: { queueId: it1 } })).status, 403);
    assert.equal((await raw(flint.url, 'POST', `/api/care/requests/${asked.id}/handoff`, { token: dan.session!.accessToken, body: { queueId: it1, personId: ids['bob'] } })).status, 400);

    // Dan hands it to the other IT expert by name and leaves: his session admits them.
    const toPerson = await danS.care.handOff(asked.id, { personId: expert === bobS ? ids['carol']! : ids['bob']! }, { leave: true });
    assert.equal(toPerson.awaitingAdmission, false);
    const members = (await eveS.api.memberships.list({ roomId: asked.roomId })).items.map((m) => m.personId).sort();
    assert.deepEqual(members, [expert === bobS ? ids['bob']! : ids['carol']!, ids['eve']!, toPerson.expertId!].sort());
    assert.equal(members.includes(ids['dan']!), false);
    await other.messages.send({ roomId: asked.roomId, text: 'Refunded the second charge.' });
    // After Dan left, the key rotated; the asker still reads everything.
    await until('the answer', async () => ((await texts(eveS, asked.roomId)).at(-1) === 'Refunded the second charge.' ? true : undefined));
    const resolved = await eveS.care.resolve(asked.id);
    assert.equal(resolved.status, 'resolved');
    // The core holds no plaintext of the conversation.
    const scan = await scanForPlaintext(flint, ['I was charged twice', 'Refunded the second charge.', 'My laptop will not boot.', 'Hold F8 while it starts.'], 'Eve Asker');
    assert.ok(scan.controlInDatabase, 'the scan finds what the core legitimately holds');
    assert.deepEqual(scan.inDatabase, []);
    assert.deepEqual(scan.inFiles, []);
  });

  it('a request can only be made in one’s own space, alone; admission needs membership', async () => {
    const shared = await eveS.spaces.create({ title: 'Shared' });
    await eveS.members.add(shared.id, { personId: ids['ada']! });
    const before = await tableDigest(flint, ['care_requests']);
    const inShared = await raw(flint.url, 'POST', '/api/care/requests', { token: eve.session!.accessToken, body: { queueId: it1, roomId: shared.id } });
    assert.equal(inShared.status, 400, inShared.text);
    const notMine = await raw(flint.url, 'POST', '/api/care/requests', { token: bob.session!.accessToken, body: { queueId: it1, roomId: shared.id } });
    assert.equal(notMine.status, 404, notMine.text);
    const lone = await eveS.spaces.create({ title: 'Alone' });
    const unknownQueue = await raw(flint.url, 'POST', '/api/care/requests', { token: eve.session!.accessToken, body: { queueId: '00000000-0000-4000-8000-000000000000', roomId: lone.id } });
    assert.equal(unknownQueue.status, 404, unknownQueue.text);
    assert.deepEqual(await tableDigest(flint, ['care_requests']), before);
    assert.equal((await eveS.api.memberships.list({ roomId: shared.id })).items.length, 2);
    // A non-member cannot admit anyone (the expert is recorded, yet not a member, until a member's client admits them).
    await dan.presence.setStatus({ status: 'away' }); // connected, but away: not available
    const req: CareRequest = await eveS.api.care.create({ queueId: billing, roomId: lone.id });
    assert.equal(req.status, 'waiting');
    const admitByStranger = await raw(flint.url, 'POST', `/api/care/requests/${req.id}/admit`, { token: bob.session!.accessToken });
    assert.equal(admitByStranger.status, 404, admitByStranger.text);
    // A queue with an open request is not deleted.
    const del = await raw(flint.url, 'DELETE', `/api/care/queues/${billing}`, { token: ada.session!.accessToken });
    assert.equal(del.status, 409, del.text);
    assert.ok((await eveS.care.queues()).some((q) => q.id === billing));
  });
});
