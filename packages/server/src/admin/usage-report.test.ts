/**
 * Usage reports (SPEC ID-8, AD-2): a seeded org's daily counts are exact, other orgs are not
 * counted, the CSV says the same, and bad periods are refused.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FlintClient } from '@flint/sdk';
import type { UsageDay } from '@flint/protocol';
import { raw, startFlint, type TestFlint } from '@flint/testkit';

const DAY = 86_400_000;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

describe('usage reports', () => {
  let flint: TestFlint;
  let ada: FlintClient;
  let bob: FlintClient;
  const today = Date.now();
  const yesterday = today - DAY;

  before(async () => {
    flint = await startFlint({ env: { FLINT_SIGNUP: 'open' } });
    ada = await flint.signup({ email: 'ada@example.com' });
    bob = await flint.signup({ email: 'bob@example.com' });
    const cy = await flint.signup({ email: 'cy@other.test' });
    const db = flint.server.core.db;
    // Yesterday: a space and 2 messages by Ada. Today: a space, 3 messages by Ada, 2 by Bob, 2 files.
    const old = await ada.rooms.create({ title: 'ciphertext:old' });
    for (let i = 0; i < 2; i++) await ada.messages.create({ roomId: old.id, text: `ciphertext:${i}` });
    await db.updateTable('spaces').set({ created_at: yesterday }).where('id', '=', old.id).execute();
    await db.updateTable('messages').set({ created_at: yesterday }).where('space_id', '=', old.id).execute();
    const room = await ada.rooms.create({ title: 'ciphertext:new' });
    await ada.memberships.create({ roomId: room.id, personId: bob.session!.personId });
    for (let i = 0; i < 3; i++) await ada.messages.create({ roomId: room.id, text: `ciphertext:a${i}` });
    for (let i = 0; i < 2; i++) await bob.messages.create({ roomId: room.id, text: `ciphertext:b${i}` });
    for (const size of [1000, 2500]) {
      const file = await raw(flint.url, 'POST', '/api/files', { token: ada.session!.accessToken, body: { roomId: room.id, size } });
      assert.equal(file.status, 200, file.text);
      const put = await raw(flint.url, 'PUT', `/api/files/${(file.json as { id: string }).id}/content`, { token: ada.session!.accessToken, body: new Uint8Array(size), contentType: 'application/octet-stream' });
      assert.equal(put.status, 200, put.text);
    }
    // Another org's activity is not this org's.
    const other = await cy.rooms.create({ title: 'ciphertext:other' });
    await cy.messages.create({ roomId: other.id, text: 'ciphertext:x' });
  });
  after(() => flint.stop());

  it('counts each day exactly, days without activity included, from metadata only', async () => {
    const from = dayOf(yesterday - DAY);
    const r = await raw(flint.url, 'GET', `/api/admin/reports/usage?from=${from}&to=${dayOf(today)}`, { token: ada.session!.accessToken });
    assert.equal(r.status, 200, r.text);
    const days = (r.json as { days: UsageDay[] }).days;
    assert.deepEqual(days, [
      { day: from, activePeople: 0, messages: 0, files: 0, fileBytes: 0, spacesCreated: 0 },
      { day: dayOf(yesterday), activePeople: 1, messages: 2, files: 0, fileBytes: 0, spacesCreated: 1 },
      { day: dayOf(today), activePeople: 2, messages: 5, files: 2, fileBytes: 3500, spacesCreated: 1 },
    ]);
    const csv = await raw(flint.url, 'GET', `/api/admin/reports/usage.csv?from=${from}&to=${dayOf(today)}`, { token: ada.session!.accessToken });
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
    assert.match(csv.headers.get('content-disposition') ?? '', /attachment; filename="flint-usage-/);
    assert.equal(
      csv.text,
      `day,activePeople,messages,files,fileBytes,spacesCreated\r\n${from},0,0,0,0,0\r\n${dayOf(yesterday)},1,2,0,0,1\r\n${dayOf(today)},2,5,2,3500,1\r\n`,
    );
  });

  it('refuses bad periods and non-admins', async () => {
    const token = ada.session!.accessToken;
    for (const q of ['from=2024-02-01&to=2024-01-01', 'from=2020-01-01&to=2024-01-01', 'from=2024-13-45&to=2024-12-31', 'from=yesterday&to=today', 'to=2024-01-01']) {
      assert.equal((await raw(flint.url, 'GET', `/api/admin/reports/usage?${q}`, { token })).status, 400, q);
    }
    assert.equal((await raw(flint.url, 'GET', '/api/admin/reports/usage?from=2024-01-01&to=2024-01-02', { token: bob.session!.accessToken })).status, 403);
    assert.equal((await raw(flint.url, 'GET', '/api/admin/reports/usage.csv?from=2024-01-01&to=2024-01-02', { token: bob.session!.accessToken })).status, 403);
  });
});
