/**
 * Notifications (SPEC MS-5, issue 20) through the whole server, with a real push service and a real
 * SMTP server on loopback: Web Push with VAPID whose payload holds ids only (checked decrypted by
 * the testkit's push service with the subscription's private key), levels, mutes, do-not-disturb
 * (status and hours), "added to a space", one push per event per device even across a retry,
 * expired subscriptions removed, e-mail digests with counts and links and no content, and bad input.
 * Runs on SQLite, or on PostgreSQL when FLINT_TEST_DATABASE_URL is set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FlintClient, Session } from '@flint/sdk';
import { FlintError } from '@flint/sdk';
import { startFlint, startPushService, startSmtpServer, type TestFlint, type TestPushService, type TestPushSubscription, type TestSmtpServer } from '@flint/testkit';

const SECRET = 'the launch code is 7421-zebra';

async function refused(promise: Promise<unknown>, status: number): Promise<void> {
  await assert.rejects(promise, (error: unknown) => error instanceof FlintError && error.status === status);
}

async function jobsIdle(flint: TestFlint, queue: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const left = await flint.server.core.db.selectFrom('jobs').select('id').where('queue', '=', queue).where('status', '!=', 'failed').execute();
    if (left.length === 0) return;
    if (Date.now() > deadline) throw new Error(`${queue} jobs still pending`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function clock(ms: number): string {
  const d = new Date(ms);
  return `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
}

/** Every SDK session a test opens, closed when its suite ends (an open stream keeps the process alive). */
const sessions: Session[] = [];

describe('notifications: Web Push with ids only, settings, do-not-disturb', () => {
  let flint: TestFlint;
  let push: TestPushService;
  let ada: Session;
  let bobApi: FlintClient;
  let cyApi: FlintClient;
  let bobId: string;
  let cyId: string;
  let bobDevice: TestPushSubscription;
  let cyDevice: TestPushSubscription;
  let roomId: string;

  const pushesTo = (device: TestPushSubscription) => push.received.filter((p) => p.subscriptionId === device.id && p.status === 201).map((p) => JSON.parse(p.plaintext) as Record<string, unknown>);

  before(async () => {
    push = await startPushService();
    // Push endpoints are held to the webhook address policy: `any` lets the server reach loopback.
    flint = await startFlint({ env: { FLINT_WEBHOOK_TARGETS: 'any', FLINT_JOBS_POLL_MS: '100', FLINT_DIGEST_AWAY_MINUTES: '600' } });
    const adaApi = await flint.signup({ email: 'ada@example.com', displayName: 'Ada Lovelace' });
    bobApi = await flint.signup({ email: 'bob@example.com', displayName: 'Bob Babbage' });
    cyApi = await flint.signup({ email: 'cy@example.com', displayName: 'Cy Young' });
    bobId = bobApi.session!.personId;
    cyId = cyApi.session!.personId;
    ada = await flint.connect(adaApi);
    // Their sessions (event streams that would reconnect for ever) are closed in after().
    sessions.push(ada, await flint.connect(bobApi), await flint.connect(cyApi));
    const room = await ada.spaces.create({ title: 'Launch plans' });
    roomId = room.id;
    await ada.members.add(roomId, { personId: bobId });
    await ada.members.add(roomId, { personId: cyId });
    bobDevice = push.subscribe();
    cyDevice = push.subscribe();
    await bobApi.notifications.subscribe(bobDevice.json);
    await cyApi.notifications.subscribe(cyDevice.json);
  });

  after(async () => {
    for (const session of sessions.splice(0)) session.close();
    await flint?.stop();
    await push?.close();
  });

  it('pushes a mention to the closed device with ids only, VAPID-signed, once', async () => {
    const sent = await ada.messages.send({ roomId, text: `${SECRET} — Bob, please check`, mentionedPeople: [bobId] });
    await push.waitFor(() => pushesTo(bobDevice).some((p) => p['messageId'] === sent.id) && pushesTo(cyDevice).some((p) => p['messageId'] === sent.id));
    await jobsIdle(flint, 'notifications.push');
    const toBob = push.received.filter((p) => p.subscriptionId === bobDevice.id && p.plaintext.includes(sent.id));
    assert.equal(toBob.length, 1, 'one push for one event on one device');
    const payload = JSON.parse(toBob[0]!.plaintext) as Record<string, unknown>;
    assert.deepEqual(payload, { v: 1, kind: 'mention', spaceId: roomId, messageId: sent.id });
    for (const word of ['launch', '7421', 'zebra', 'Bob', 'Ada', 'Launch plans']) {
      assert.ok(!toBob[0]!.plaintext.includes(word), `the push holds no "${word}"`);
      assert.ok(!toBob[0]!.raw.includes(Buffer.from(word)), `the encrypted push holds no "${word}"`);
    }
    assert.match(String(toBob[0]!.vapid.claims['sub']), /^mailto:/);
    assert.equal(toBob[0]!.vapid.publicKey, await bobApi.notifications.pushKey(), 'signed with the key the server hands to browsers');
    assert.match(String(toBob[0]!.headers['topic']), /^[A-Za-z0-9_-]{1,32}$/, 'a Topic per event, so a push service collapses a resend');
    assert.equal(toBob[0]!.headers['urgency'], 'high');
    // Cy (level "all") gets it as a message, not a mention.
    const toCy = pushesTo(cyDevice).filter((p) => p['messageId'] === sent.id);
    assert.deepEqual(toCy, [{ v: 1, kind: 'message', spaceId: roomId, messageId: sent.id }]);
    // The sender's devices are not pushed to (Ada has none anyway); the job is gone.
  });

  it('a muted space notifies no one; "mentions only" lets only mentions through', async () => {
    const until = new Date(Date.now() + 3_600_000).toISOString();
    const bobSetting = await bobApi.notifications.setSpace(roomId, { muteUntil: until });
    assert.equal(bobSetting.muteUntil, until);
    await cyApi.notifications.setSpace(roomId, { muteUntil: until });
    const muted = await ada.messages.send({ roomId, text: 'muted news', mentionedPeople: [bobId, cyId], mentionedGroups: ['all'] });
    await jobsIdle(flint, 'notifications.push');
    // A sentinel after it, in another space: by the time it arrives, the muted message's job had its turn.
    const other = await ada.spaces.create({ title: 'Other' });
    await ada.members.add(other.id, { personId: bobId });
    const sentinel = await ada.messages.send({ roomId: other.id, text: 'sentinel' });
    await push.waitFor(() => pushesTo(bobDevice).some((p) => p['messageId'] === sentinel.id));
    await jobsIdle(flint, 'notifications.push');
    assert.ok(!push.received.some((p) => p.plaintext.includes(muted.id)), 'nobody was pushed the muted message');

    // Unmute; Cy keeps only mentions.
    await bobApi.notifications.setSpace(roomId, { muteUntil: null });
    await cyApi.notifications.setSpace(roomId, { muteUntil: null, level: 'mentions' });
    const settings = await cyApi.notifications.settings();
    assert.deepEqual(settings.spaces, [{ id: roomId, level: 'mentions' }]);
    const plain = await ada.messages.send({ roomId, text: 'no mention here' });
    const mention = await ada.messages.send({ roomId, text: 'Cy, look', mentionedPeople: [cyId] });
    await push.waitFor(() => pushesTo(cyDevice).some((p) => p['messageId'] === mention.id) && pushesTo(bobDevice).some((p) => p['messageId'] === mention.id));
    await jobsIdle(flint, 'notifications.push');
    assert.ok(pushesTo(bobDevice).some((p) => p['messageId'] === plain.id), 'Bob (all) got the plain message');
    assert.ok(!pushesTo(cyDevice).some((p) => p['messageId'] === plain.id), 'Cy (mentions only) did not');
    await cyApi.notifications.setSpace(roomId, { level: null });
  });

  it('a team setting applies to its spaces unless the space says otherwise', async () => {
    const team = await ada.teams.create({ name: 'Engineering' });
    await ada.teams.addMember(team.id, { personId: bobId });
    const teamRoom = await ada.spaces.create({ title: 'Eng chat', teamId: team.id });
    await ada.members.add(teamRoom.id, { personId: bobId });
    await bobApi.notifications.setTeam(team.id, { level: 'off' });
    const silent = await ada.messages.send({ roomId: teamRoom.id, text: 'team news' });
    await jobsIdle(flint, 'notifications.push');
    await bobApi.notifications.setSpace(teamRoom.id, { level: 'all' });
    const loud = await ada.messages.send({ roomId: teamRoom.id, text: 'more team news' });
    await push.waitFor(() => pushesTo(bobDevice).some((p) => p['messageId'] === loud.id));
    assert.ok(!pushesTo(bobDevice).some((p) => p['messageId'] === silent.id), 'the team\'s "off" held');
  });

  it('do-not-disturb (the status, and the daily hours) holds every push', async () => {
    await bobApi.presence.setStatus({ status: 'dnd', until: new Date(Date.now() + 3_600_000).toISOString() });
    const during = await ada.messages.send({ roomId, text: 'while Bob is in DND', mentionedPeople: [bobId] });
    await jobsIdle(flint, 'notifications.push');
    await bobApi.presence.setStatus({ status: 'available' });
    // Quiet hours around now, in Bob's time zone (UTC by default).
    const now = Date.now();
    await bobApi.notifications.updateDefaults({ quietHours: { start: clock(now - 3_600_000), end: clock(now + 3_600_000) } });
    const quiet = await ada.messages.send({ roomId, text: 'during quiet hours', mentionedPeople: [bobId] });
    await jobsIdle(flint, 'notifications.push');
    const back = await bobApi.notifications.updateDefaults({ quietHours: null });
    assert.equal(back.defaults.quietHours, undefined);
    const after = await ada.messages.send({ roomId, text: 'after DND', mentionedPeople: [bobId] });
    await push.waitFor(() => pushesTo(bobDevice).some((p) => p['messageId'] === after.id));
    assert.ok(!pushesTo(bobDevice).some((p) => p['messageId'] === during.id || p['messageId'] === quiet.id), 'nothing pushed during do-not-disturb');
  });

  it('being added to a space pushes to the person added (their default allows it)', async () => {
    const added = await ada.spaces.create({ title: 'Surprise' });
    await ada.members.add(added.id, { personId: cyId });
    await push.waitFor(() => pushesTo(cyDevice).some((p) => p['kind'] === 'added' && p['spaceId'] === added.id));
    await cyApi.notifications.updateDefaults({ addedToSpace: false });
    const again = await ada.spaces.create({ title: 'Second surprise' });
    await ada.members.add(again.id, { personId: cyId });
    await jobsIdle(flint, 'notifications.push');
    assert.ok(!pushesTo(cyDevice).some((p) => p['spaceId'] === again.id), 'turned off: no push');
  });

  it('CL-1: an incoming call pushes the callee\'s device the call\'s id only, once; a person at level "off" is not pushed it', async () => {
    const call = await ada.calls.dial({ personId: bobId }, 'video', 'ada-push-endpoint');
    await push.waitFor(() => pushesTo(bobDevice).some((p) => p['callId'] === call.id));
    await jobsIdle(flint, 'notifications.push');
    const toBob = push.received.filter((p) => p.subscriptionId === bobDevice.id && p.plaintext.includes(call.id));
    assert.equal(toBob.length, 1, 'one push for one ringing leg on one device');
    assert.deepEqual(JSON.parse(toBob[0]!.plaintext), { v: 1, kind: 'call', callId: call.id, spaceId: call.roomId });
    for (const word of ['Ada', 'Lovelace', 'video']) assert.ok(!toBob[0]!.plaintext.includes(word), `the push holds no "${word}"`);
    assert.ok(!pushesTo(cyDevice).some((p) => p['callId'] === call.id), 'nobody else rings');
    await ada.calls.hangup(call.id);
    // A call rings at every level but "off" (like a mention).
    await cyApi.notifications.updateDefaults({ messages: 'off' });
    const quiet = await ada.calls.dial({ personId: cyId }, 'audio', 'ada-push-endpoint');
    await jobsIdle(flint, 'notifications.push');
    await ada.calls.hangup(quiet.id);
    await cyApi.notifications.updateDefaults({ messages: 'mentions' });
    const rings = await ada.calls.dial({ personId: cyId }, 'audio', 'ada-push-endpoint');
    await push.waitFor(() => pushesTo(cyDevice).some((p) => p['callId'] === rings.id));
    await ada.calls.hangup(rings.id);
    await cyApi.notifications.updateDefaults({ messages: 'all' });
    assert.ok(!pushesTo(cyDevice).some((p) => p['callId'] === quiet.id), 'level off: the call is not pushed');
  });

  it('CL-3: a new voicemail pushes the mailbox owner\'s device its id only, once it is complete; one heard before the job ran pushes nothing', async () => {
    const recording = (durationMs: number) => ({ data: new TextEncoder().encode(`OggS ${SECRET} ${durationMs}`), type: 'audio/ogg', durationMs });
    const left = await ada.voicemail.leave({ personId: bobId }, recording(3_000));
    await push.waitFor(() => pushesTo(bobDevice).some((p) => p['voicemailId'] === left.id));
    await jobsIdle(flint, 'notifications.push');
    const toBob = push.received.filter((p) => p.subscriptionId === bobDevice.id && p.plaintext.includes(left.id));
    assert.equal(toBob.length, 1, 'one push for one voicemail on one device');
    assert.deepEqual(JSON.parse(toBob[0]!.plaintext), { v: 1, kind: 'voicemail', voicemailId: left.id });
    for (const word of ['Ada', 'Lovelace', 'launch', '3000']) assert.ok(!toBob[0]!.plaintext.includes(word), `the push holds no "${word}"`);
    assert.ok(!pushesTo(cyDevice).some((p) => p['voicemailId'] === left.id), 'only the mailbox owner is pushed');
    // At level "off" for the direct space, a voicemail notifies no one (as a call would not ring).
    await bobApi.notifications.setSpace(left.roomId, { level: 'off' });
    const quiet = await ada.voicemail.leave({ personId: bobId }, recording(1_000));
    await jobsIdle(flint, 'notifications.push');
    assert.ok(!pushesTo(bobDevice).some((p) => p['voicemailId'] === quiet.id), 'level off: no push');
    await bobApi.notifications.setSpace(left.roomId, { level: 'all' });
  });

  it('a failed push is retried for that device only; a 410 removes the subscription', async () => {
    push.answer(bobDevice.id, 503);
    const sent = await ada.messages.send({ roomId, text: 'retry me' });
    await push.waitFor(() => push.received.some((p) => p.subscriptionId === bobDevice.id && p.status === 503 && p.plaintext.includes(sent.id)));
    await push.waitFor(() => pushesTo(cyDevice).some((p) => p['messageId'] === sent.id));
    push.answer(bobDevice.id, 201);
    await push.waitFor(() => pushesTo(bobDevice).some((p) => p['messageId'] === sent.id), 30_000);
    await jobsIdle(flint, 'notifications.push');
    assert.equal(pushesTo(cyDevice).filter((p) => p['messageId'] === sent.id).length, 1, 'Cy, reached on the first attempt, was not pushed again');

    push.answer(cyDevice.id, 410);
    const gone = await ada.messages.send({ roomId, text: 'gone' });
    await push.waitFor(() => push.received.some((p) => p.subscriptionId === cyDevice.id && p.status === 410 && p.plaintext.includes(gone.id)));
    await jobsIdle(flint, 'notifications.push');
    const rows = await flint.server.core.db.selectFrom('push_subscriptions').select('endpoint').where('person_id', '=', cyId).execute();
    assert.deepEqual(rows, [], 'the expired subscription is removed');
  });

  it('refuses bad input with a 4xx and changes nothing', async () => {
    const before = await bobApi.notifications.settings();
    await refused(bobApi.notifications.setSpace(roomId, { level: 'loud' as 'all' }), 400);
    await refused(bobApi.notifications.setSpace(roomId, { muteUntil: new Date(Date.now() - 1000).toISOString() }), 400);
    await refused(bobApi.notifications.setSpace(roomId, { muteUntil: 'tomorrow' }), 400);
    await refused(bobApi.notifications.setSpace(roomId, { muteUntil: new Date(Date.now() + 400 * 86_400_000).toISOString() }), 400);
    const foreign = await ada.spaces.create({ title: 'Not Bob\'s' });
    await refused(bobApi.notifications.setSpace(foreign.id, { level: 'off' }), 404);
    await refused(bobApi.notifications.setTeam('00000000-0000-4000-8000-000000000000', { level: 'off' }), 404);
    await refused(bobApi.notifications.updateDefaults({ quietHours: { start: '25:00', end: '07:00' } }), 400);
    await refused(bobApi.notifications.updateDefaults({ quietHours: { start: '07:00', end: '07:00' } }), 400);
    const device = push.subscribe().json;
    await refused(bobApi.notifications.subscribe({ ...device, endpoint: 'ftp://push.example.test/x' }), 400);
    await refused(bobApi.notifications.subscribe({ ...device, keys: { ...device.keys, p256dh: 'A'.repeat(87) } }), 400);
    await refused(bobApi.notifications.subscribe({ ...device, keys: { ...device.keys, auth: 'short' } }), 400);
    await refused(bobApi.notifications.unsubscribe('00000000-0000-4000-8000-000000000000'), 404);
    assert.deepEqual(await bobApi.notifications.settings(), before);
    const count = await flint.server.core.db.selectFrom('push_subscriptions').select('id').where('person_id', '=', bobId).execute();
    assert.equal(count.length, 1);
  });

  it('refuses push endpoints on private addresses under the default address policy', async () => {
    await using strict = await startFlint();
    const api = await strict.signup({ email: 'dee@example.com' });
    const device = push.subscribe().json;
    await refused(api.notifications.subscribe(device), 400);
    await refused(api.notifications.subscribe({ ...device, endpoint: 'https://127.0.0.1/push/x' }), 400);
    await refused(api.notifications.subscribe({ ...device, endpoint: 'https://10.1.2.3/push/x' }), 400);
    const ok = await api.notifications.subscribe({ ...device, endpoint: 'https://push.example.test/push/abc' });
    assert.ok(ok.id);
  });
});

describe('notifications: e-mail digests of unread activity while away', () => {
  let flint: TestFlint;
  let smtp: TestSmtpServer;

  before(async () => {
    smtp = await startSmtpServer();
    // Away at once (0 minutes), scanned often: the digest comes as soon as there is unread activity.
    flint = await startFlint({ env: { FLINT_SMTP_URL: smtp.url, FLINT_DIGEST_AWAY_MINUTES: '0', FLINT_DIGEST_SCAN_MS: '100', FLINT_JOBS_POLL_MS: '100' } });
  });

  after(async () => {
    for (const session of sessions.splice(0)) session.close();
    await flint?.stop();
    await smtp?.close();
  });

  it('mails counts and links, no content, leaves out muted spaces, and does not repeat itself', async () => {
    const adaApi = await flint.signup({ email: 'ada@example.com', displayName: 'Ada Lovelace' });
    const bobApi = await flint.signup({ email: 'bob@example.com', displayName: 'Bob Babbage' });
    // Bob reads French, and keeps his digests (the default).
    await bobApi.people.updateMe({ language: 'fr' });
    const bobId = bobApi.session!.personId;
    const ada = await flint.connect(adaApi);
    sessions.push(ada, await flint.connect(bobApi));
    // Hold the digest while the scene is set: Bob is in do-not-disturb.
    await bobApi.presence.setStatus({ status: 'dnd' });
    const plans = await ada.spaces.create({ title: 'Launch plans' });
    await ada.members.add(plans.id, { personId: bobId });
    const muted = await ada.spaces.create({ title: 'Muted room' });
    await ada.members.add(muted.id, { personId: bobId });
    await bobApi.notifications.setSpace(muted.id, { level: 'off' });
    await ada.messages.send({ roomId: plans.id, text: `${SECRET} one` });
    await ada.messages.send({ roomId: plans.id, text: `${SECRET} two, Bob`, mentionedPeople: [bobId] });
    await ada.messages.send({ roomId: muted.id, text: `${SECRET} muted` });
    // Do-not-disturb ends: the next scan sends it.
    await bobApi.presence.setStatus({ status: 'available' });
    const mail = await smtp.waitFor((m) => m.envelopeTo.includes('bob@example.com'));
    assert.match(mail.subject, /2 messages non lus/);
    assert.ok(mail.text.includes(`${flint.config.publicUrl}/#/space/${plans.id}`), 'a link to the space');
    assert.ok(mail.text.includes('2 messages, 1 mention de vous'), mail.text);
    assert.ok(!mail.text.includes(muted.id), 'a space set to "off" is left out');
    for (const word of ['launch', '7421', 'zebra', 'Launch plans', 'Muted room']) assert.ok(!mail.raw.includes(Buffer.from(word)), `the digest holds no "${word}"`);
    assert.ok(!smtp.mails.some((m) => m.envelopeTo.includes('ada@example.com')), 'Ada has nothing unread');
    // No new activity: no second digest, however many scans pass (and the interval holds anyway).
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(smtp.mails.filter((m) => m.envelopeTo.includes('bob@example.com')).length, 1);
  });
});
