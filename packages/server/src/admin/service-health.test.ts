/**
 * Service health and the connection test (SPEC AD-3): the admins' status page checks every part
 * live (a broken blob store shows as down, the job backlog is counted), the monitoring endpoint
 * serves the states without sign-in (503 when a part is down), non-admins are refused; the
 * connection test's ping, bounded download and upload, WebSocket echo and rate limit; the SDK runs
 * the whole test against a real server.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { runConnectionTest, type FlintClient, type WebSocketConstructor } from '@flint/sdk';
import { serviceHealth, type ServiceHealth } from '@flint/protocol';
import { raw, startFlint, type TestFlint } from '@flint/testkit';
import { MONITORING_CACHE_MS } from './service-health.ts';
import { enqueueJobs } from '../jobs/job-queue.ts';

const { CONNECTION_TEST_LIMITS } = serviceHealth;

function socket(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url.replace(/^http/, 'ws') + serviceHealth.CONNECTION_TEST_SOCKET_PATH);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}
const next = (ws: WebSocket) => new Promise<string>((resolve) => ws.once('message', (d) => resolve((d as Buffer).toString('utf8'))));
const closed = (ws: WebSocket) => new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));

describe('service health and the connection test', () => {
  let flint: TestFlint;
  let ada: FlintClient;
  let bob: FlintClient;

  before(async () => {
    flint = await startFlint({ env: { FLINT_SIGNUP: 'open' } });
    ada = await flint.signup({ email: 'ada@example.com' });
    bob = await flint.signup({ email: 'bob@example.com' });
  });
  after(() => flint.stop());

  const health = async () => {
    const r = await raw(flint.url, 'GET', '/api/admin/health', { token: ada.session!.accessToken });
    assert.equal(r.status, 200, r.text);
    return r.json as ServiceHealth;
  };

  it('checks every part live: core, KMS link, database, Redis (when configured), blob store, job queue', async () => {
    const h = await health();
    assert.equal(h.state, 'ok');
    assert.deepEqual(h.checks.map((c) => c.component), [...serviceHealth.HEALTH_COMPONENTS]);
    const by = Object.fromEntries(h.checks.map((c) => [c.component, c]));
    for (const part of ['core', 'kms', 'database', 'blobs', 'jobs'] as const) {
      assert.equal(by[part]!.state, 'ok', `${part}: ${JSON.stringify(by[part])}`);
      assert.ok(by[part]!.latencyMs >= 0);
    }
    assert.equal(by['database']!.detail, flint.engine);
    assert.equal(by['redis']!.state, flint.config.redisUrl !== undefined ? 'ok' : 'not_configured');
    assert.equal(by['jobs']!.backlog, 0);
  });

  it('counts the job backlog', async () => {
    // A job due far in the future: waiting, never claimed during the test.
    const [id] = await enqueueJobs(flint.server.core.db, [{ queue: 'health-test', payload: {}, maxAttempts: 1, runAt: Date.now() + 86_400_000 }], Date.now());
    try {
      const jobs = (await health()).checks.find((c) => c.component === 'jobs')!;
      assert.equal(jobs.backlog, 1);
    } finally {
      await flint.server.core.db.deleteFrom('jobs').where('id', '=', id!).execute();
    }
  });

  it('shows a failing part as down, with the error’s kind only; the monitoring endpoint answers 503 then', async () => {
    const monitor = await raw(flint.url, 'GET', serviceHealth.MONITORING_PATH);
    assert.equal(monitor.status, 200, monitor.text);
    assert.deepEqual(monitor.json, { status: 'ok', checks: { core: 'ok', kms: 'ok', database: 'ok', redis: flint.config.redisUrl !== undefined ? 'ok' : 'not_configured', blobs: 'ok', jobs: 'ok', sip: 'not_configured', rtpengine: 'not_configured' } });
    const blobs = flint.server.core.blobs;
    const put = blobs.put.bind(blobs);
    blobs.put = () => Promise.reject(new TypeError('secret://user:password@store is unreachable'));
    try {
      const h = await health();
      assert.equal(h.state, 'down');
      const b = h.checks.find((c) => c.component === 'blobs')!;
      assert.equal(b.state, 'down');
      assert.equal(b.detail, 'TypeError');
      assert.doesNotMatch(JSON.stringify(h), /password/);
      await new Promise((r) => setTimeout(r, MONITORING_CACHE_MS + 100));
      const down = await raw(flint.url, 'GET', serviceHealth.MONITORING_PATH);
      assert.equal(down.status, 503);
      assert.equal((down.json as { checks: Record<string, string> }).checks['blobs'], 'down');
    } finally {
      blobs.put = put;
    }
  });

  it('refuses the status page to non-admins and to the signed-out', async () => {
    assert.equal((await raw(flint.url, 'GET', '/api/admin/health', { token: bob.session!.accessToken })).status, 403);
    assert.equal((await raw(flint.url, 'GET', '/api/admin/health')).status, 401);
  });

  it('connection test: ping, bounded download and upload, with clear refusals', async () => {
    const token = bob.session!.accessToken;
    const ping = await raw(flint.url, 'GET', '/api/connection-test/ping', { token });
    assert.equal(ping.status, 200);
    assert.ok(!Number.isNaN(Date.parse((ping.json as { serverTime: string }).serverTime)));
    assert.equal((await raw(flint.url, 'GET', '/api/connection-test/ping')).status, 401);

    const down = await fetch(`${flint.url}/api/connection-test/download?bytes=5000`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(down.status, 200);
    assert.equal(down.headers.get('content-type'), 'application/octet-stream');
    assert.equal(down.headers.get('cache-control'), 'no-store');
    assert.equal((await down.arrayBuffer()).byteLength, 5000);
    for (const bytes of ['0', String(CONNECTION_TEST_LIMITS.maxBytes + 1), 'lots']) {
      const r = await raw(flint.url, 'GET', `/api/connection-test/download?bytes=${bytes}`, { token });
      assert.equal(r.status, 400, `${bytes}: ${r.text}`);
    }

    const up = await raw(flint.url, 'POST', '/api/connection-test/upload', { token, body: new Uint8Array(7000), contentType: 'application/octet-stream' });
    assert.equal(up.status, 200, up.text);
    assert.deepEqual(up.json, { bytes: 7000 });
    const big = await raw(flint.url, 'POST', '/api/connection-test/upload', { token, body: new Uint8Array(CONNECTION_TEST_LIMITS.maxBytes + 1), contentType: 'application/octet-stream' });
    assert.equal(big.status, 413);
    const json = await raw(flint.url, 'POST', '/api/connection-test/upload', { token, body: { bytes: 1 } });
    assert.equal(json.status, 415, json.text);
  });

  it('connection test socket: a hello, then echoes up to the limit, then a normal close; refused without a sign-in', async () => {
    const ws = await socket(flint.url);
    const ended = closed(ws);
    ws.send(JSON.stringify({ type: 'hello', token: bob.session!.accessToken }));
    assert.deepEqual(JSON.parse(await next(ws)), { type: 'ready', echoes: CONNECTION_TEST_LIMITS.socketEchoes });
    for (let i = 0; i < CONNECTION_TEST_LIMITS.socketEchoes; i++) {
      ws.send(`ping ${i}`);
      assert.equal(await next(ws), `ping ${i}`);
    }
    assert.equal(await ended, 1000);

    const anon = await socket(flint.url);
    const anonClosed = closed(anon);
    anon.send(JSON.stringify({ type: 'hello' }));
    assert.equal(await anonClosed, 4401);

    const big = await socket(flint.url);
    const bigClosed = closed(big);
    big.send('x'.repeat(CONNECTION_TEST_LIMITS.socketFrameBytes + 1));
    assert.equal(await bigClosed, 4400);
  });

  it('the SDK runs the whole test: every step ok, media listed as not built', async () => {
    const cy = await flint.signup({ email: 'cy@example.com' });
    const steps: string[] = [];
    const result = await runConnectionTest(cy, { WebSocket: WebSocket as unknown as WebSocketConstructor, transferBytes: 256 * 1024, onStep: (s) => steps.push(s.step) });
    assert.deepEqual(steps, ['https', 'websocket', 'download', 'upload']);
    for (const s of result.steps) assert.equal(s.ok, true, JSON.stringify(s));
    assert.ok(result.steps[0]!.rttMs! >= 0 && result.steps[1]!.rttMs! >= 0);
    assert.equal(result.steps[2]!.bytes, 256 * 1024);
    assert.ok(result.steps[3]!.mbps! > 0);
    assert.equal(result.media, 'not_built');
  });

  it('rate-limits the test per person', async () => {
    const dee = await flint.signup({ email: 'dee@example.com' });
    const token = dee.session!.accessToken;
    const answers: number[] = [];
    for (let i = 0; i < CONNECTION_TEST_LIMITS.requestsPerMinute; i++) answers.push((await raw(flint.url, 'GET', '/api/connection-test/ping', { token })).status);
    assert.deepEqual(answers, Array(CONNECTION_TEST_LIMITS.requestsPerMinute).fill(200));
    const last = await raw(flint.url, 'GET', '/api/connection-test/ping', { token });
    assert.equal(last.status, 429);
    assert.ok(Number(last.headers.get('retry-after')) > 0);
  });
});
