/**
 * Serving the web app's files (SPEC PL-1): the build's brotli and gzip forms chosen by
 * Accept-Encoding, with Content-Encoding, `Vary: Accept-Encoding`, an ETag per form, and the caching
 * rule (hashed assets immutable, the document revalidated); the forms are not reachable by name.
 * On a folder made here, laid out as the build lays out dist/ (the real build is served in
 * tests/e2e/web-app.test.ts).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { registerWebApp } from './web-app.ts';

const SCRIPT = Buffer.from(`export const greeting = ${JSON.stringify('hello '.repeat(2000))};\n`);
const DOCUMENT = Buffer.from(`<!doctype html><html><head><title>Flint</title></head><body>${'<p>shell</p>'.repeat(200)}</body></html>`);
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

describe('web app files', () => {
  let dir: string;
  let app: FastifyInstance;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flint-web-'));
    await mkdir(join(dir, 'assets'));
    const put = async (name: string, data: Buffer, forms = true) => {
      await writeFile(join(dir, name), data);
      if (forms) {
        await writeFile(join(dir, `${name}.br`), brotliCompressSync(data));
        await writeFile(join(dir, `${name}.gz`), gzipSync(data));
      }
    };
    await put('index.html', DOCUMENT);
    await put('assets/index-abc123.js', SCRIPT);
    await put('assets/logo-abc123.png', PNG, false);
    app = Fastify();
    await registerWebApp(app, dir, 'http://127.0.0.1:8080');
    await app.ready();
  });

  after(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const get = (url: string, acceptEncoding?: string) => app.inject({ method: 'GET', url, headers: acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding } });

  it('PL-1: sends brotli to a browser that takes it, with Vary and an immutable cache for a hashed asset', async () => {
    const res = await get('/assets/index-abc123.js', 'gzip, deflate, br, zstd');
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-encoding'], 'br');
    assert.equal(res.headers['vary'], 'Accept-Encoding');
    assert.match(String(res.headers['content-type']), /^(text|application)\/javascript/);
    assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.match(String(res.headers['content-security-policy']), /script-src 'self'/);
    assert.ok(res.rawPayload.length < SCRIPT.length / 10, 'compressed');
    assert.equal(Number(res.headers['content-length']), res.rawPayload.length);
    assert.deepEqual(brotliDecompressSync(res.rawPayload), SCRIPT);
  });

  it('PL-1: gzip when brotli is not accepted (or refused with q=0); the file itself when nothing is', async () => {
    for (const accept of ['gzip, deflate', 'br;q=0, gzip']) {
      const res = await get('/assets/index-abc123.js', accept);
      assert.equal(res.headers['content-encoding'], 'gzip', accept);
      assert.equal(res.headers['vary'], 'Accept-Encoding');
      assert.deepEqual(gunzipSync(res.rawPayload), SCRIPT);
    }
    for (const accept of [undefined, 'identity', 'deflate']) {
      const res = await get('/assets/index-abc123.js', accept);
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['content-encoding'], undefined, String(accept));
      assert.equal(res.headers['vary'], 'Accept-Encoding', 'the plain answer varies too');
      assert.deepEqual(res.rawPayload, SCRIPT);
    }
  });

  it('PL-1: each form has its own ETag, so a cache never answers one with another', async () => {
    const tags = await Promise.all(['br', 'gzip', 'identity'].map(async (e) => (await get('/assets/index-abc123.js', e)).headers['etag']));
    assert.equal(new Set(tags).size, 3);
    const again = await app.inject({ method: 'GET', url: '/assets/index-abc123.js', headers: { 'accept-encoding': 'br', 'if-none-match': String(tags[0]) } });
    assert.equal(again.statusCode, 304);
  });

  it('PL-1: the document, at / and by name, is compressed and revalidated on every load', async () => {
    for (const url of ['/', '/index.html']) {
      const res = await get(url, 'br, gzip');
      assert.equal(res.statusCode, 200, url);
      assert.equal(res.headers['content-encoding'], 'br');
      assert.match(String(res.headers['content-type']), /^text\/html/);
      assert.equal(res.headers['cache-control'], 'no-cache');
      assert.equal(res.headers['vary'], 'Accept-Encoding');
      assert.deepEqual(brotliDecompressSync(res.rawPayload), DOCUMENT);
    }
  });

  it('PL-1: an image (no compressed form) is sent as it is, with no Vary', async () => {
    const res = await get('/assets/logo-abc123.png', 'br, gzip');
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-encoding'], undefined);
    assert.equal(res.headers['vary'], undefined);
    assert.deepEqual(res.rawPayload, PNG);
  });

  it('PL-1: the compressed forms are not files of their own', async () => {
    for (const url of ['/assets/index-abc123.js.br', '/assets/index-abc123.js.gz', '/index.html.br']) assert.equal((await get(url, 'br, gzip')).statusCode, 404, url);
  });

  it('PL-1: one route serves them all: a missing file is the app\'s not-found answer, nothing outside the folder is reachable', async () => {
    // Files are looked up per request (no route per file, which cost start-up time): one added after start is served.
    await writeFile(join(dir, 'assets', 'late-abc123.txt'), 'late');
    assert.equal((await get('/assets/late-abc123.txt')).body, 'late');
    const missing = await get('/assets/nothing-here.js');
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.headers['content-type']?.toString().startsWith('application/json'), true, 'the app\'s not-found handler answered');
    for (const url of ['/../package.json', '/assets/..%2f..%2fetc%2fpasswd', '/%2e%2e/%2e%2e/etc/passwd', '/assets/']) {
      const res = await get(url);
      assert.notEqual(res.statusCode, 200, url);
      assert.doesNotMatch(res.body, /root:|"name"/, url);
    }
  });
});
