/**
 * Issue 14: through `/v1` the gateway acts as the caller at the KMS with a device derived from the
 * caller's token (HKDF; the core keeps only the token's SHA-256). A bot's token enrolls on its
 * first use; a person's token is one more device of theirs, which the KMS refuses until one of
 * their enrolled devices approves it (`session.approveToken`) — so a token forged in the
 * core's database gets no key. Runs on SQLite, or on PostgreSQL when FLINT_TEST_DATABASE_URL is set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FlintClient, Session } from '@flint/sdk';
import { errorOf, raw, startFlint, type TestFlint } from '@flint/testkit';

describe('/v1 callers at the KMS: token-derived devices (issue 14)', () => {
  let flint: TestFlint;
  let ada: FlintClient;
  let eve: FlintClient;
  let eveSecure: Session;

  before(async () => {
    flint = await startFlint();
    ada = await flint.signup({ email: 'ada@devices.example', displayName: 'Ada' });
    eve = await flint.signup({ email: 'eve@devices.example', displayName: 'Eve' });
    eveSecure = await flint.connect(eve, { deviceId: 'eve-laptop' });
  });
  after(async () => {
    eveSecure.close();
    await flint.stop();
  });

  it('a bot’s token enrolls on first use and keeps working', async () => {
    const bot = await ada.organizations.createBot('Device Bot');
    const created = await raw(flint.url, 'POST', '/v1/rooms', { token: bot.token, body: { title: 'Bot room' } });
    assert.equal(created.status, 200);
    const roomId = (created.json as { id: string }).id;
    assert.equal((await raw(flint.url, 'POST', '/v1/messages', { token: bot.token, body: { roomId, text: 'hello from the bot' } })).status, 200);
    const read = await raw(flint.url, 'GET', `/v1/messages?roomId=${roomId}`, { token: bot.token });
    assert.deepEqual((read.json as { items: { text: string }[] }).items.map((m) => m.text), ['hello from the bot']);
  });

  it('a person’s other token is refused at the KMS until one of their devices approves it', async () => {
    const second = (await flint.client().auth.login({ email: 'eve@devices.example', password: 'correct horse battery staple' })).accessToken;
    const refused = await raw(flint.url, 'POST', '/v1/rooms', { token: second, body: { title: 'Not yet' } });
    assert.equal(refused.status, 403);
    assert.match(errorOf(refused).message, /not enrolled/);
    assert.equal((await eve.rooms.list()).items.length, 0, 'nothing was made');

    await eveSecure.approveToken(second);
    const created = await raw(flint.url, 'POST', '/v1/rooms', { token: second, body: { title: 'Approved' } });
    assert.equal(created.status, 200);
    const room = await eveSecure.spaces.get((await eve.rooms.list()).items[0]!.id);
    assert.equal(room.title, 'Approved', 'her laptop opens what her token made');
  });
});
