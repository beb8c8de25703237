/**
 * A webhook delivery survives kill -9 of the instance delivering it (SPEC PL-2; DESIGN §5): the
 * delivery's job is held by a lease in the database, and when the lease runs out another instance
 * (a new `flint serve` on the same database) takes it over. The receiver gets it with the same
 * delivery id: at least once. Real processes, on SQLite or PostgreSQL (FLINT_TEST_DATABASE_URL).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSession } from '@flint/sdk';
import { createTestDatabase, freePort, spawnFlint, startWebhookReceiver, type FlintProcess, type TestDatabase, type WebhookReceiver } from '@flint/testkit';

const PASSWORD = 'correct horse battery staple';

describe('webhook delivery across kill -9', () => {
  let dir: string;
  let db: TestDatabase;
  let receiver: WebhookReceiver;
  const processes: FlintProcess[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flint-webhook-crash-'));
    db = await createTestDatabase(dir);
    receiver = await startWebhookReceiver({ respond: 'hang' });
  });
  after(async () => {
    await Promise.allSettled(processes.map((p) => p.stop()));
    await receiver.stop();
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('PL-2: a delivery in flight when its instance is killed is delivered by the next one, with the same delivery id', async () => {
    const env = {
      DATABASE_URL: db.url,
      FLINT_DATA_DIR: join(dir, 'data'),
      FLINT_LOG_LEVEL: 'warn',
      FLINT_WEBHOOK_TARGETS: 'any',
      FLINT_JOBS_POLL_MS: '100',
      // The delivery outlives neither: the receiver hangs past the kill, and the lease ends soon after.
      FLINT_WEBHOOK_TIMEOUT_MS: '2000',
      FLINT_JOBS_LEASE_MS: '4000',
    };
    const first = await spawnFlint(await freePort(), env);
    processes.push(first);
    const ada = createSession({ baseUrl: first.url }).api;
    await ada.auth.signup({ email: 'ada@example.com', password: PASSWORD, displayName: 'Ada' });
    const room = await ada.rooms.create({ title: 'ciphertext:crash' });
    await ada.webhooks.create({ name: 'crash', targetUrl: `${receiver.url}/crash`, resource: 'messages', event: 'created' });
    const message = await ada.messages.create({ roomId: room.id, text: 'ciphertext:survive' });
    await receiver.waitFor((ds) => ds.length === 1);
    await first.kill();
    receiver.respond(200);

    const second = await spawnFlint(await freePort(), env);
    processes.push(second);
    await receiver.waitFor((ds) => ds.some((d) => d.status === 200));
    const [cut, delivered] = receiver.deliveries;
    assert.equal(cut!.status, 'hang');
    assert.equal(delivered!.status, 200);
    assert.equal(delivered!.body.data.id, message.id);
    assert.equal(delivered!.deliveryId, cut!.deliveryId, 'the same delivery, taken over after its lease ended');
  });
});
