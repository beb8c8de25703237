/**
 * FL-1: uploads never attached to a message stop holding storage and quota after
 * FILE_LIMITS.pendingUploadMs — swept for every org by the hourly sweep, and for one org before
 * its quota is judged. Attached files and recent uploads stay. Runs on SQLite, and on PostgreSQL
 * when the test variables are set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { files } from '@flint/protocol';
import type { FlintClient } from '@flint/sdk';
import { raw, startFlint, type TestFlint } from '@flint/testkit';
import { sweepStaleUploads } from './cleanup.ts';

describe('stale uploads', () => {
  let flint: TestFlint;
  let ada: FlintClient;
  let roomId: string;

  before(async () => {
    flint = await startFlint();
    ada = await flint.signup({ email: 'ada@sweep.example' });
    roomId = (await ada.rooms.create({ title: 'ciphertext:sweep', encryptionKeyUrl: 'kms://kms.example/keys/sweep' })).id;
  });
  after(() => flint.stop());

  /** A complete upload of 64 bytes, not attached to any message. */
  async function upload(): Promise<string> {
    const token = ada.transport.accessToken;
    const { id } = (await raw(flint.url, 'POST', '/api/files', { token, body: { roomId, size: 64 } })).json as { id: string };
    const put = await raw(flint.url, 'PUT', `/api/files/${id}/content`, { token, body: new Uint8Array(randomBytes(64)), contentType: 'application/octet-stream' });
    assert.equal(put.status, 200);
    return id;
  }
  const age = (id: string) => flint.server.core.db.updateTable('files').set({ created_at: flint.server.core.now() - files.FILE_LIMITS.pendingUploadMs - 1000 }).where('id', '=', id).execute();
  const status = async (id: string) => (await raw(flint.url, 'GET', `/api/files/${id}`, { token: ada.transport.accessToken })).status;
  const blob = (id: string) => flint.server.core.blobs.get(`files/${roomId}/${id}`);

  it('the hourly sweep removes old unattached uploads, rows and blobs, of every org; recent ones stay', async () => {
    const old = await upload();
    const recent = await upload();
    await age(old);
    assert.notEqual(await blob(old), undefined);
    await sweepStaleUploads(flint.server.core);
    assert.equal(await status(old), 404);
    assert.equal(await blob(old), undefined);
    assert.equal(await status(recent), 200);
    assert.notEqual(await blob(recent), undefined);
  });

  it('an org starting an upload sweeps its own first; an attached file, however old, stays', async () => {
    const old = await upload();
    const attached = await upload();
    await ada.messages.create({ roomId, files: [{ blobId: attached, reference: 'ciphertext:ref' }] });
    await age(old);
    await age(attached);
    await upload();
    assert.equal(await status(old), 404);
    assert.equal(await blob(old), undefined);
    assert.equal(await status(attached), 200);
    assert.notEqual(await blob(attached), undefined);
  });
});
