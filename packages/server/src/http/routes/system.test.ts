/**
 * Operations: health, metrics, the OpenAPI document and its browser, logs without secrets,
 * graceful shutdown, and HTTPS (SPEC SEC-5).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';
import { raw, selfSignedCertificate, startFlint, TEST_PASSWORD, type TestFlint } from '@flint/testkit';
import { HSTS, PERMISSIONS_POLICY, cleartextWarning } from '../transport.ts';

describe('system endpoints', () => {
  let flint: TestFlint;
  before(async () => {
    flint = await startFlint();
  });
  after(() => flint.stop());

  it('answers /health with 200 once ready', async () => {
    const r = await raw(flint.url, 'GET', '/health');
    assert.equal(r.status, 200);
    // The testkit starts no media server (FLINT_JANUS=off): meetings are unavailable, reported on their own.
    assert.deepEqual(r.json, { status: 'ok', database: flint.engine, media: 'unavailable' });
  });

  it('answers a malformed percent-escape or an overlong parameter in the path in the Webex shape (fuzz counterexample)', async () => {
    for (const path of ['/api/rooms/%E0%A4%A', '/api/messages/%', `/api/rooms/${'x'.repeat(600)}`]) {
      const r = await raw(flint.url, 'GET', path);
      assert.equal(r.status, 400, path.slice(0, 40));
      const body = r.json as { message?: unknown; errors?: { description?: unknown }[]; trackingId?: unknown; code?: unknown };
      assert.equal(typeof body.message, 'string', r.text);
      assert.equal(typeof body.errors?.[0]?.description, 'string', r.text);
      assert.equal(body.code, 'bad_request');
      assert.equal(r.headers.get('trackingid'), body.trackingId);
    }
  });

  it('exposes Prometheus metrics, including per-route request counts', async () => {
    await raw(flint.url, 'POST', '/api/auth/login', { body: { email: 'nobody@example.com', password: 'whatever it is' } });
    const r = await raw(flint.url, 'GET', '/metrics');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /text\/plain/);
    assert.match(r.text, /flint_http_requests_total\{method="POST",route="auth.login",status="401"\} 1/);
    assert.match(r.text, /flint_sign_ins_total\{result="failure"\} 1/);
    assert.match(r.text, /flint_process_resident_memory_bytes/);
  });

  it('publishes an OpenAPI document generated from the route schemas, browsable at /docs', async () => {
    const doc = (await raw(flint.url, 'GET', '/openapi.json')).json as { openapi: string; paths: Record<string, Record<string, { operationId?: string; requestBody?: unknown }>> };
    assert.equal(doc.openapi, '3.1.0');
    assert.equal(doc.paths['/api/auth/signup']?.['post']?.operationId, 'auth.signup');
    assert.ok(doc.paths['/api/auth/signup']?.['post']?.requestBody, 'request schemas are documented');
    assert.equal(doc.paths['/api/people/{id}']?.['get']?.operationId, 'people.get');
    const page = await raw(flint.url, 'GET', '/docs/');
    assert.equal(page.status, 200);
    assert.match(page.text, /swagger/i);
    // The UI's assets are served locally, not from a CDN (the browser may have no Internet).
    assert.doesNotMatch(page.text, /https?:\/\/(cdn|unpkg|cdnjs)/);
    const bundle = /src="\.?\/?([^"]*swagger-ui-bundle\.js)"/.exec(page.text)?.[1];
    assert.ok(bundle, 'the page loads the bundle');
    assert.equal((await raw(flint.url, 'GET', `/docs/${bundle.replace(/^\.?\//, '')}`)).status, 200);
  });

  it('writes JSON logs that hold no password, token, cookie or query string', async () => {
    const client = await flint.signup({ email: 'ada@example.com', password: 'Secret-Password-4-Logs' });
    const session = client.session!;
    await client.auth.refresh();
    await raw(flint.url, 'GET', `/api/people?email=ada@example.com`, { token: client.session!.accessToken });
    await raw(flint.url, 'POST', '/api/auth/login', { body: { email: 'ada@example.com', password: 'Wrong-Password-4-Logs' } });
    const text = flint.logText();
    assert.ok(flint.logs.length > 3);
    for (const line of flint.logs) assert.equal(typeof line['level'], 'string');
    for (const secret of ['Secret-Password-4-Logs', 'Wrong-Password-4-Logs', session.accessToken, session.refreshToken, client.session!.accessToken, 'flc_', 'fla-', 'flr_', 'ada@example.com']) {
      assert.ok(!text.includes(secret), `log holds ${secret.slice(0, 8)}…`);
    }
    assert.ok(flint.logs.some((l) => l['path'] === '/api/people' && l['status'] === 200), 'requests are logged by path');
  });

  it('finishes in-flight requests on shutdown, then refuses new ones', async () => {
    // Close once the request is inside its handler (a fixed wait lost the race on a loaded machine).
    let arrived: () => void = () => undefined;
    const started = new Promise<void>((resolve) => (arrived = resolve));
    await using other = await startFlint({
      extend: (app) => {
        app.get('/test/slow', async () => {
          arrived();
          await new Promise((r) => setTimeout(r, 600));
          return { finished: true };
        });
      },
    });
    const inFlight = raw(other.url, 'GET', '/test/slow');
    await started;
    const closing = other.server.close();
    const answer = await inFlight;
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.json, { finished: true });
    await closing;
    await assert.rejects(raw(other.url, 'GET', '/health'));
  });
});

describe('HTTPS (SEC-5)', () => {
  it('serves the API over TLS with --tls-cert/--tls-key', async () => {
    const { cert, key } = await selfSignedCertificate();
    const dir = await import('node:fs/promises').then((fs) => fs.mkdtemp(join(process.env['TMPDIR'] ?? '/tmp', 'flint-tls-')));
    await writeFile(join(dir, 'cert.pem'), cert);
    await writeFile(join(dir, 'key.pem'), key);
    await using flint = await startFlint({ env: { FLINT_TLS_CERT: join(dir, 'cert.pem'), FLINT_TLS_KEY: join(dir, 'key.pem') } });
    assert.ok(flint.url.startsWith('https://'), flint.url);
    const dispatcher = new Agent({ connect: { ca: cert } });
    const health = await undiciFetch(`${flint.url}/health`, { dispatcher });
    assert.equal(health.status, 200);
    const signup = await undiciFetch(`${flint.url}/api/auth/signup`, {
      dispatcher,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ada@example.com', password: TEST_PASSWORD, displayName: 'Ada' }),
    });
    assert.equal(signup.status, 200);
    assert.match(signup.headers.get('set-cookie') ?? '', /; Secure/, 'the session cookie is Secure over HTTPS');
    // HSTS and the Permissions-Policy on every answer over TLS: API, errors and the web app.
    for (const path of ['/health', '/api/people/me', '/']) {
      const r = await undiciFetch(`${flint.url}${path}`, { dispatcher });
      assert.equal(r.headers.get('strict-transport-security'), HSTS, path);
      assert.equal(r.headers.get('permissions-policy'), PERMISSIONS_POLICY, path);
      await r.arrayBuffer();
    }
    await dispatcher.close();
  });

  it('sends no HSTS over plain http (it would mean nothing there), and warns at start-up of a non-loopback listener in clear', async () => {
    await using flint = await startFlint();
    const r = await raw(flint.url, 'GET', '/health');
    assert.equal(r.headers.get('strict-transport-security'), null);
    assert.equal(r.headers.get('permissions-policy'), PERMISSIONS_POLICY);
    assert.ok(!flint.logText().includes('without TLS'), 'no warning on loopback');
    assert.match(cleartextWarning({ host: '0.0.0.0', tls: undefined, trustProxy: false }) ?? '', /without TLS and without FLINT_TRUST_PROXY/);
    assert.match(cleartextWarning({ host: '::', tls: undefined, trustProxy: false }) ?? '', /in clear/);
    assert.match(cleartextWarning({ host: '192.168.1.10', tls: undefined, trustProxy: false }) ?? '', /in clear/);
    for (const host of ['127.0.0.1', '127.0.0.2', '::1', '[::1]', 'localhost']) assert.equal(cleartextWarning({ host, tls: undefined, trustProxy: false }), undefined, host);
    assert.equal(cleartextWarning({ host: '0.0.0.0', tls: undefined, trustProxy: true }), undefined, 'a proxy in front terminates TLS');
    assert.equal(cleartextWarning({ host: '0.0.0.0', tls: { cert: 'c', key: 'k' }, trustProxy: false }), undefined);
  });
});
