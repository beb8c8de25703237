/**
 * `flint serve` starts Janus beside the core, not before it (issue 15, SPEC PL-3: start-up under
 * 1 s): the core answers `/health` — and the API — while Janus is still starting, `/health` reports
 * the media server's readiness on its own (`starting`, then `ready`), and meetings are refused with
 * `meetings_unavailable` ("still starting") until then. Janus is held at its start by a wrapper
 * (FLINT_JANUS_BIN) that waits for a file this test writes, so "still starting" is not a race with
 * the machine's speed. Skipped, saying so, where Janus is not installed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSession } from '@flint/sdk';
import { createTestDatabase, errorOf, freePort, raw, spawnFlint, until, type FlintProcess, type TestDatabase } from '@flint/testkit';

// `janus -V` prints its version and exits 1, so the output tells.
const janusInstalled = String(spawnSync('janus', ['-V']).stdout ?? '').includes('Janus version');

describe('flint serve with Janus still starting', { skip: janusInstalled ? false : 'janus is not installed (apt-get install janus)' }, () => {
  let dir: string;
  let db: TestDatabase;
  let flint: FlintProcess;
  let gate: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flint-media-start-'));
    db = await createTestDatabase(dir);
    gate = join(dir, 'let-janus-start');
    const wrapper = join(dir, 'janus-held');
    await writeFile(wrapper, `#!/bin/sh\nwhile [ ! -e '${gate}' ]; do sleep 0.05; done\nexec janus "$@"\n`);
    await chmod(wrapper, 0o755);
    flint = await spawnFlint(await freePort(), { FLINT_DATA_DIR: join(dir, 'data'), DATABASE_URL: db.url, FLINT_LOG_LEVEL: 'info', FLINT_JANUS: 'auto', FLINT_JANUS_BIN: wrapper });
  });
  after(async () => {
    await writeFile(gate, '').catch(() => undefined);
    await flint?.stop();
    await db?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('PL-3: the core is ready before Janus; meetings say "starting" until Janus answers, then work', async () => {
    const health = await raw(flint.url, 'GET', '/health');
    assert.equal(health.status, 200);
    assert.deepEqual(health.json, { status: 'ok', database: db.engine, media: 'starting' });
    assert.match(flint.output(), /"msg":"Flint is ready"/);

    const ada = createSession({ baseUrl: flint.url }).api;
    await ada.auth.signup({ email: 'ada@example.com', password: 'correct horse battery staple', displayName: 'Ada' });
    const room = await ada.rooms.create({ title: 'sealed-title-not-checked-here' });
    assert.deepEqual(await ada.meetings.current(room.id), { available: false });
    const refused = await raw(flint.url, 'POST', `/api/rooms/${room.id}/meeting/join`, { token: ada.session!.accessToken });
    assert.equal(refused.status, 409);
    assert.equal(errorOf(refused).code, 'meetings_unavailable');
    assert.match(errorOf(refused).message, /still starting/);

    await writeFile(gate, '');
    await until('Janus ready', async () => ((await raw(flint.url, 'GET', '/health')).json as { media?: string }).media === 'ready' || undefined);
    assert.deepEqual(await ada.meetings.current(room.id), { available: true });
    const output = flint.output();
    assert.ok(output.indexOf('"msg":"Flint is ready"') < output.indexOf('"msg":"meetings media server (Janus) started"'), 'the core said ready first, Janus on its own line after');
    const joined = await ada.meetings.join(room.id);
    assert.equal(joined.meeting.participants.length, 1);
  });
});
