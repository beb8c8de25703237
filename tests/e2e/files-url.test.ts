/**
 * SPEC FL-3 — sharing a file from a URL: the client fetches it, encrypts it on the fly and uploads
 * it; another member downloads and opens it. The limits (http/https only, no credentials, size with
 * and without Content-Length, one deadline) each refuse before anything is attached.
 * Runs on SQLite, or on PostgreSQL when FLINT_TEST_DATABASE_URL is set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FlintError, type FlintClient } from '@flint/sdk';
import { downloadFile, openReference, uploadFromUrl, type SpaceKey } from '@flint/sdk/testing/files';
import { startFlint, type TestFlint } from '@flint/testkit';

const PDF = randomBytes(300_000);
const SMALL = randomBytes(5_000);

function source(): Server {
  return createServer((req, res) => {
    switch (req.url ?? '') {
      case '/docs/report.pdf':
        res.writeHead(200, { 'content-type': 'application/pdf', 'content-length': PDF.length });
        return void res.end(PDF);
      case '/chunked':
        // No Content-Length: chunked transfer encoding.
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-disposition': "attachment; filename=\"x.txt\"; filename*=UTF-8''r%C3%A9sum%C3%A9.txt" });
        res.write(SMALL.subarray(0, 2000));
        return void res.end(SMALL.subarray(2000));
      case '/chunked-big':
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        for (let i = 0; i < 5; i++) res.write(randomBytes(1024));
        return void res.end();
      case '/big':
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': 10_000 });
        return void res.end(randomBytes(10_000));
      case '/redirect':
        res.writeHead(302, { location: '/docs/report.pdf' });
        return void res.end();
      case '/slow':
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': 1000 });
        res.write(randomBytes(100));
        return; // never finishes
      case '/short':
        // Declares more than it sends, then drops the connection.
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': 4000 });
        res.write(randomBytes(1000));
        setTimeout(() => res.destroy(), 20);
        return;
      default:
        res.writeHead(404, { 'content-type': 'text/plain' });
        return void res.end('no');
    }
  });
}

describe('FL-3: share a file from a URL', () => {
  let flint: TestFlint;
  let ada: FlintClient;
  let bob: FlintClient;
  let roomId: string;
  let server: Server;
  let base: string;
  const spaceKey: SpaceKey = { uri: 'kms://kms.example/keys/url-1', key: new Uint8Array(randomBytes(32)) };

  before(async () => {
    flint = await startFlint();
    ada = await flint.signup({ email: 'ada@url.example' });
    bob = await flint.signup({ email: 'bob@url.example' });
    roomId = (await ada.rooms.create({ title: 'ciphertext:url', encryptionKeyUrl: spaceKey.uri })).id;
    await ada.memberships.create({ roomId, personEmail: 'bob@url.example' });
    server = source();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await flint.stop();
  });

  const fileCount = async () => (await flint.server.core.db.selectFrom('files').select('id').execute()).length;

  it('FL-3: fetches, encrypts and uploads; another member opens the same bytes', async () => {
    const file = await uploadFromUrl(ada, spaceKey, roomId, `${base}/redirect`);
    assert.equal(file.reference.name, 'report.pdf', 'the name comes from the final URL after the redirect');
    assert.equal(file.reference.type, 'application/pdf');
    assert.equal(file.reference.size, PDF.length);
    const message = await ada.messages.create({ roomId, encryptionKeyUrl: file.encryptionKeyUrl, files: [file.attachment] });
    assert.ok(message.id);
    const entry = (await bob.transport.fetchUrl('GET', `${flint.url}/api/files?roomId=${roomId}`).then((r) => r.json())) as { items: { id: string; reference: string }[] };
    const ref = await openReference(spaceKey, entry.items[0]!.reference);
    const back = Buffer.from(await new Response((await downloadFile(bob, ref)).stream).arrayBuffer());
    assert.ok(back.equals(PDF));
  });

  it('FL-3: a response without Content-Length is taken up to its cap; the name from Content-Disposition', async () => {
    const file = await uploadFromUrl(ada, spaceKey, roomId, `${base}/chunked`);
    assert.equal(file.reference.name, 'résumé.txt');
    assert.equal(file.reference.type, 'text/plain');
    // Not attached to a message yet: only its uploader reaches it.
    const back = Buffer.from(await new Response((await downloadFile(ada, file.reference)).stream).arrayBuffer());
    assert.ok(back.equals(SMALL));
    await assert.rejects(uploadFromUrl(ada, spaceKey, roomId, `${base}/chunked-big`, { maxUnknownLengthBytes: 4096 }), (e: FlintError) => e.kind === 'invalid' && e.subject === 'file-source' && e.code === 'payload_too_large');
  });

  it('FL-3: limits refuse before anything is kept', async () => {
    const before = await fileCount();
    // The source's faults, told apart from Flint's by `subject`: refused here (`invalid`, by code) or a source that did not answer well (`network`).
    const refused = async (url: string, code: FlintError['code'] | 'network', options = {}) =>
      assert.rejects(
        uploadFromUrl(ada, spaceKey, roomId, url, options),
        (e: unknown) => e instanceof FlintError && e.subject === 'file-source' && (code === 'network' ? e.kind === 'network' : e.kind === 'invalid' && e.code === code),
        url,
      );
    await refused('file:///etc/passwd', 'bad_request');
    await refused('ftp://127.0.0.1/x', 'bad_request');
    await refused('data:text/plain,hello', 'bad_request');
    await refused('javascript:alert(1)', 'bad_request');
    await refused(`http://user:pw@127.0.0.1/x`, 'bad_request');
    await refused('not a url', 'bad_request');
    await refused(`${base}/${'a'.repeat(2100)}`, 'bad_request');
    await refused(`${base}/missing`, 'bad_request');
    await refused(`${base}/big`, 'payload_too_large', { maxBytes: 5000 });
    await refused('http://127.0.0.1:1/nothing-listens', 'network');
    assert.equal(await fileCount(), before, 'no upload was even started');
    await refused(`${base}/slow`, 'network', { timeoutMs: 300 });
    await refused(`${base}/short`, 'network');
    // Uploads that had started stay unattached (swept after 24 h); none became a file of the space.
    const listed = (await ada.transport.fetchUrl('GET', `${flint.url}/api/files?roomId=${roomId}`).then((r) => r.json())) as { items: unknown[] };
    assert.equal(listed.items.length, 1);
  });
});
