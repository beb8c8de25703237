/**
 * Problem reports (SPEC AD-5): sent with a description, a screenshot and logs; listed, read and
 * downloaded by the org's admins only (another org's admin gets 404, a member 403); the limits
 * (description, log entries and fields, screenshot bytes and type, five an hour) answer 4xx and store nothing.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FlintClient } from '@flint/sdk';
import { FEEDBACK_LIMITS, type FeedbackReport, type FeedbackSummary } from '@flint/protocol';
import { raw, sampleImage, startFlint, type TestFlint } from '@flint/testkit';

describe('problem reports', () => {
  let flint: TestFlint;
  let ada: FlintClient;
  let bob: FlintClient;
  let cy: FlintClient;
  let png: Uint8Array;

  const send = (who: FlintClient, body: unknown) => raw(flint.url, 'POST', '/api/feedback', { token: who.session!.accessToken, body });
  const count = async () => Number((await flint.server.core.db.selectFrom('feedback_reports').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

  before(async () => {
    flint = await startFlint({ env: { FLINT_SIGNUP: 'open' } });
    ada = await flint.signup({ email: 'ada@example.com', displayName: 'Ada' });
    bob = await flint.signup({ email: 'bob@example.com', displayName: 'Bob' });
    cy = await flint.signup({ email: 'cy@other.test' });
    png = await sampleImage('png', 64, 48, { r: 200, g: 10, b: 10 });
  });
  after(() => flint.stop());

  it('a person sends a report; the org’s admins list it, read its logs and download its screenshot', async () => {
    const logs = [{ t: new Date().toISOString(), level: 'error', event: 'request.failed', data: { status: 500, kind: 'server' } }];
    const r = await send(bob, { description: 'The space list froze', screenshot: { contentType: 'image/png', data: Buffer.from(png).toString('base64') }, logs, clientVersion: 'flint-web/0.1.0' });
    assert.equal(r.status, 200, r.text);
    const { id } = r.json as { id: string };
    const list = await raw(flint.url, 'GET', '/api/admin/feedback', { token: ada.session!.accessToken });
    assert.equal(list.status, 200, list.text);
    const item = (list.json as { items: FeedbackSummary[] }).items.find((i) => i.id === id);
    assert.ok(item);
    assert.equal(item.personEmail, 'bob@example.com');
    assert.equal(item.description, 'The space list froze');
    assert.equal(item.hasScreenshot, true);
    assert.equal(item.logEntries, 1);
    const full = await raw(flint.url, 'GET', `/api/admin/feedback/${id}`, { token: ada.session!.accessToken });
    assert.deepEqual((full.json as FeedbackReport).logs, logs);
    const shot = await fetch(`${flint.url}/api/admin/feedback/${id}/screenshot`, { headers: { authorization: `Bearer ${ada.session!.accessToken}` } });
    assert.equal(shot.status, 200);
    assert.equal(shot.headers.get('content-type'), 'image/png');
    assert.deepEqual(new Uint8Array(await shot.arrayBuffer()), png);
    // Not a member's, not another org's admin's.
    assert.equal((await raw(flint.url, 'GET', '/api/admin/feedback', { token: bob.session!.accessToken })).status, 403);
    assert.equal((await raw(flint.url, 'GET', `/api/admin/feedback/${id}`, { token: cy.session!.accessToken })).status, 404);
    assert.equal((await raw(flint.url, 'GET', `/api/admin/feedback/${id}/screenshot`, { token: cy.session!.accessToken })).status, 404);
    assert.equal(((await raw(flint.url, 'GET', '/api/admin/feedback', { token: cy.session!.accessToken })).json as { items: unknown[] }).items.length, 0);
  });

  it('refuses bad reports with a 4xx and stores nothing', async () => {
    const before = await count();
    const bad: [unknown, number][] = [
      [{}, 400],
      [{ description: '   ' }, 400],
      [{ description: 'x'.repeat(FEEDBACK_LIMITS.descriptionChars + 1) }, 400],
      [{ description: 'x', logs: Array.from({ length: FEEDBACK_LIMITS.logEntries + 1 }, () => ({ t: new Date().toISOString(), level: 'info', event: 'x' })) }, 400],
      // Free text cannot ride in a log entry: fields are codes and numbers.
      [{ description: 'x', logs: [{ t: new Date().toISOString(), level: 'info', event: 'message.sent', data: { text: 'hello world' } }] }, 400],
      [{ description: 'x', logs: [{ t: new Date().toISOString(), level: 'info', event: 'Sent: hello world' }] }, 400],
      [{ description: 'x', screenshot: { contentType: 'image/png', data: Buffer.from('not an image at all').toString('base64') } }, 415],
      [{ description: 'x', screenshot: { contentType: 'image/jpeg', data: Buffer.from(png).toString('base64') } }, 415],
      [{ description: 'x', screenshot: { contentType: 'image/svg+xml', data: 'PHN2Zz4=' } }, 400],
      [{ description: 'x', extra: 1 }, 400],
    ];
    for (const [body, status] of bad) {
      const r = await send(bob, body);
      assert.equal(r.status, status, `${JSON.stringify(body).slice(0, 120)} → ${r.text}`);
    }
    const huge = await send(bob, { description: 'x', screenshot: { contentType: 'image/png', data: 'A'.repeat(Math.ceil(FEEDBACK_LIMITS.screenshotBytes / 3) * 4 + 4) } });
    assert.ok(huge.status === 400 || huge.status === 413, huge.text);
    assert.equal(await count(), before);
  });

  it('allows five reports an hour per person, then answers 429', async () => {
    const dave = await flint.signup({ email: 'dave@example.com' });
    for (let i = 0; i < FEEDBACK_LIMITS.perPersonPerHour; i++) assert.equal((await send(dave, { description: `report ${i}` })).status, 200);
    const refused = await send(dave, { description: 'one more' });
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers.get('retry-after')) > 0);
  });
});
