/**
 * SPEC FL-2, SEC-1 (previews) — previews made on the client: the Node preview maker turns a JPEG,
 * a PNG, a WebP, a GIF and a PDF's first page into small WebP images; the sender's SDK encrypts
 * each under its own key and uploads it beside its file; another member receives the message, opens
 * the reference, downloads and decrypts the preview and sees the picture (pixels checked); the
 * core keeps the preview only as ciphertext (a scan of the blob store and database finds none of
 * it, nor the names), lists it as no file of its own, refuses it to non-members and removes it with
 * its file. Runs on the local folder and on S3 (s3rver); on SQLite, or PostgreSQL when
 * FLINT_TEST_DATABASE_URL is set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import type { Message, StoredEvent } from '@flint/protocol';
import type { FlintClient, FlintError } from '@flint/sdk';
import { downloadFile, downloadPreview, openReference, uploadFile, uploadPreview, type SpaceKey } from '@flint/sdk/testing/files';
import { createNodePreviewMaker } from '@flint/sdk/previews/node';
import { collect, filesUnder, raw, sampleImage, samplePdf, startFlint, startS3, type TestFlint, type TestS3 } from '@flint/testkit';

const PDF_TEXT = 'PREVIEW-PDF-MARKER-5e1b';

/** The mean colour of a region of an image, 0–255 per channel. */
async function meanColour(image: Uint8Array, region: { left: number; top: number; width: number; height: number }): Promise<[number, number, number]> {
  const { data, info } = await sharp(image).extract(region).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const sum = [0, 0, 0];
  for (let i = 0; i < data.length; i += info.channels) for (let c = 0; c < 3; c++) sum[c]! += data[i + c]!;
  const n = data.length / info.channels;
  return [sum[0]! / n, sum[1]! / n, sum[2]! / n];
}

for (const storage of ['local', 's3'] as const) {
  describe(`FL-2: previews made on the client (${storage === 'local' ? 'local folder' : 'S3 (s3rver)'})`, () => {
    let s3: TestS3 | undefined;
    let flint: TestFlint;
    let ada: FlintClient;
    let bob: FlintClient;
    let eve: FlintClient;
    let roomId: string;
    const spaceKey: SpaceKey = { uri: 'kms://kms.example/keys/previews-1', key: new Uint8Array(randomBytes(32)) };
    const previews = createNodePreviewMaker();
    const previewPlaintexts: Uint8Array[] = [];

    before(async () => {
      if (storage === 's3') s3 = await startS3();
      flint = await startFlint(s3 !== undefined ? { env: s3.env } : {});
      ada = await flint.signup({ email: 'ada@previews.example' });
      bob = await flint.signup({ email: 'bob@previews.example' });
      eve = await flint.signup({ email: 'eve@previews.example' });
      roomId = (await ada.rooms.create({ title: 'ciphertext:previews', encryptionKeyUrl: spaceKey.uri })).id;
      await ada.memberships.create({ roomId, personEmail: 'bob@previews.example' });
    });
    after(async () => {
      await flint.stop();
      await s3?.stop();
    });

    const cases = [
      { name: 'holiday-photo.jpg', type: 'image/jpeg', make: () => sampleImage('jpeg', 1600, 1200, { r: 200, g: 30, b: 30 }), size: [320, 240] },
      { name: 'diagram.png', type: 'image/png', make: () => sampleImage('png', 600, 900, { r: 20, g: 40, b: 220 }), size: [213, 320] },
      { name: 'sticker.webp', type: 'image/webp', make: () => sampleImage('webp', 400, 400, { r: 20, g: 180, b: 40 }), size: [320, 320] },
      { name: 'small.gif', type: 'image/gif', make: () => sampleImage('gif', 200, 100, { r: 200, g: 30, b: 30 }), size: [200, 100] },
      { name: 'contract-draft.pdf', type: 'application/pdf', make: async () => samplePdf(PDF_TEXT), size: [247, 320] },
    ] as const;

    for (const c of cases) {
      it(`FL-2: a ${c.type} gets a preview that another member decrypts and sees`, async () => {
        const data = await c.make();
        const events = await collect(bob);
        try {
          const uploaded = await uploadFile(ada, spaceKey, roomId, data, { name: c.name, type: c.type, previewMaker: previews });
          assert.equal(uploaded.previewError, undefined);
          assert.ok(uploaded.attachment.previewBlobId, 'a preview was uploaded beside the file');
          const message = await ada.messages.create({ roomId, encryptionKeyUrl: spaceKey.uri, files: [uploaded.attachment] });
          const event = await events.waitFor((e: StoredEvent) => e.type === 'message.created' && (e.data as Message).id === message.id);
          const carried = (event.data as Message).files![0]!;
          assert.equal(carried.previewBlobId, uploaded.attachment.previewBlobId);
          // Bob: open the reference from the event, fetch and decrypt the preview.
          const reference = await openReference(spaceKey, carried.reference);
          assert.equal(reference.name, c.name);
          const preview = await downloadPreview(bob, reference);
          assert.ok(preview);
          previewPlaintexts.push(preview.data);
          assert.equal(preview.type, 'image/webp');
          const meta = await sharp(preview.data).metadata();
          assert.equal(meta.format, 'webp');
          assert.deepEqual([meta.width, meta.height], [...c.size]);
          assert.deepEqual([preview.width, preview.height], [...c.size]);
          // It shows the picture: the white square (or the PDF's black band) top left, the colour (or paper) elsewhere.
          const [w, h] = c.size;
          const corner = await meanColour(preview.data, { left: 2, top: 2, width: Math.floor(w / 8), height: Math.floor(h / 16) });
          const far = await meanColour(preview.data, { left: Math.floor(w / 2), top: Math.floor(h / 2), width: Math.floor(w / 4), height: Math.floor(h / 4) });
          if (c.type === 'application/pdf') {
            assert.ok(corner.every((v) => v < 40), `black band: ${corner.join(',')}`);
            assert.ok(far.every((v) => v > 230), `paper: ${far.join(',')}`);
          } else {
            assert.ok(corner.every((v) => v > 215), `white square: ${corner.join(',')}`);
            const source = c.type === 'image/png' ? [20, 40, 220] : c.type === 'image/webp' ? [20, 180, 40] : [200, 30, 30];
            far.forEach((v, i) => assert.ok(Math.abs(v - source[i]!) < 30, `colour ${far.join(',')} vs ${source.join(',')}`));
          }
          // The file itself still opens whole.
          assert.ok(Buffer.from(await new Response((await downloadFile(bob, reference)).stream).arrayBuffer()).equals(Buffer.from(data)));
        } finally {
          events.stop();
        }
      });
    }

    it('FL-2: a type without a preview is sent without one; a preview is no file of the list; non-members get 404', async () => {
      const plain = await uploadFile(ada, spaceKey, roomId, new TextEncoder().encode('just text'), { name: 'notes.txt', type: 'text/plain', previewMaker: previews });
      assert.equal(plain.attachment.previewBlobId, undefined);
      const listed = (await raw(flint.url, 'GET', `/api/files?roomId=${roomId}&max=100`, { token: bob.transport.accessToken })).json as { items: { id: string }[] };
      const previewIds = new Set((await flint.server.core.db.selectFrom('files').select('id').where('preview_of', 'is not', null).execute()).map((r) => r.id));
      assert.equal(previewIds.size, cases.length);
      assert.equal(listed.items.length, cases.length, 'the files, not their previews');
      assert.ok(listed.items.every((i) => !previewIds.has(i.id)));
      for (const id of previewIds) {
        assert.equal((await raw(flint.url, 'GET', `/api/files/${id}/content`, { token: eve.transport.accessToken })).status, 404);
        assert.equal((await raw(flint.url, 'GET', `/api/files/${id}/content`, { token: bob.transport.accessToken })).status, 200);
      }
    });

    it('FL-2: a preview goes with its file; one too large, or one of another sender, is refused', async () => {
      const image = await sampleImage('jpeg', 800, 600, { r: 90, g: 90, b: 90 });
      const file = await uploadFile(ada, spaceKey, roomId, image, { name: 'gone.jpg', type: 'image/jpeg', previewMaker: previews });
      const message = await ada.messages.create({ roomId, encryptionKeyUrl: spaceKey.uri, files: [file.attachment] });
      const previewKey = `files/${roomId}/${file.attachment.previewBlobId!}`;
      assert.ok(await flint.server.core.blobs.stat(previewKey));
      assert.equal((await raw(flint.url, 'DELETE', `/api/files/${file.attachment.blobId}`, { token: ada.transport.accessToken })).status, 204);
      assert.equal(await flint.server.core.blobs.stat(previewKey), undefined, 'the preview blob is gone with its file');
      assert.equal((await ada.messages.get(message.id)).files, undefined);

      const big = await uploadPreview(ada, roomId, { data: randomBytes(1024 * 1024 + 1), type: 'image/webp', width: 1, height: 1 });
      const main = await uploadFile(ada, spaceKey, roomId, image, { name: 'x.jpg', type: 'image/jpeg', preview: big });
      await assert.rejects(ada.messages.create({ roomId, files: [main.attachment] }), (e: FlintError) => e.status === 400 && /preview/.test(e.message));
      const bobs = await uploadPreview(bob, roomId, { data: randomBytes(100), type: 'image/webp', width: 1, height: 1 });
      await assert.rejects(ada.messages.create({ roomId, files: [{ ...main.attachment, previewBlobId: bobs.blobId }] }), (e: FlintError) => e.status === 400);
      await assert.rejects(ada.messages.create({ roomId, files: [{ ...main.attachment, previewBlobId: main.attachment.blobId }] }), (e: FlintError) => e.status === 400);
    });

    it('SEC-1: no plaintext of a preview, a file name or the PDF’s text reaches the blob store or the database', async () => {
      assert.equal(previewPlaintexts.length, cases.length);
      // A 48-byte window from the middle of each decrypted preview: present only if stored in clear.
      const needles = [
        ...previewPlaintexts.map((p) => Buffer.from(p.subarray(Math.floor(p.length / 2) - 24, Math.floor(p.length / 2) + 24))),
        ...cases.map((c) => Buffer.from(c.name)),
        Buffer.from(PDF_TEXT),
      ];
      const scanned = [...(await filesUnder(flint.dataDir)), ...((await s3?.files()) ?? [])];
      for (const path of scanned) {
        const bytes = await readFile(path);
        for (const needle of needles) assert.equal(bytes.indexOf(needle), -1, `plaintext found in ${path}`);
      }
      if (flint.engine === 'postgres') {
        for (const table of ['files', 'messages', 'event_payloads']) {
          const text = JSON.stringify(await flint.server.core.db.selectFrom(table as 'files').selectAll().execute());
          for (const name of [...cases.map((c) => c.name), PDF_TEXT]) assert.ok(!text.includes(name), `${name} in ${table}`);
        }
      }
    });
  });
}
