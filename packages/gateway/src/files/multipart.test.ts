/**
 * Multipart `POST /v1/messages` (SPEC PL-2, FL-1; docs/limits.md): a file over the in-memory size
 * streams to the core and comes back byte-identical; the file limit is the core's, and a body over
 * it is refused with a Webex-shaped 413 before anything is uploaded; a streamed file that is not
 * the form's last part, or a body without a Content-Length, is refused with a 400 and no message.
 * (The memory bound with a 512 MiB file: tests/e2e/gateway-files-large.test.ts.)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { request, type IncomingMessage } from 'node:http';
import { encryptedFileSize } from '@flint/crypto';
import { files, fromHydraId } from '@flint/protocol';
import { raw, startFlint, type TestFlint } from '@flint/testkit';
import { GATEWAY_LIMITS } from '../limits.ts';

interface Answer {
  status: number;
  body: { message?: string; errors?: { description: string }[]; trackingId?: string; code?: string; files?: string[]; id?: string };
}

async function answerOf(res: IncomingMessage): Promise<Answer> {
  let text = '';
  for await (const chunk of res) text += String(chunk);
  return { status: res.statusCode ?? 0, body: JSON.parse(text) as Answer['body'] };
}

describe('multipart files through the /v1 gateway (PL-2, FL-1)', () => {
  let flint: TestFlint;
  let token: string;
  let roomId: string;

  before(async () => {
    flint = await startFlint();
    const ada = await flint.signup({ email: 'ada@multipart.example', displayName: 'Ada' });
    token = ada.session!.accessToken;
    roomId = ((await raw(flint.url, 'POST', '/v1/rooms', { token, body: { title: 'Multipart' } })).json as { id: string }).id;
  });
  after(async () => flint.stop());

  const messages = async () => ((await raw(flint.url, 'GET', `/v1/messages?roomId=${roomId}&max=1000`, { token })).json as { items: unknown[] }).items.length;
  const blobs = async () => (await flint.server.core.db.selectFrom('files').select('id').where('space_id', '=', fromHydraId('ROOM', roomId)!).execute()).length;

  const boundary = `b-${randomBytes(8).toString('hex')}`;
  const field = (name: string, value: string) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const fileHead = `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`;
  const end = `--${boundary}--\r\n`;

  /**
   * Sends `parts` (strings and byte arrays) as the body, with the Content-Length given (or the
   * true one, or none: chunked), and stops sending once the gateway answers.
   */
  async function post(parts: (string | Uint8Array)[], contentLength?: number | 'chunked'): Promise<Answer> {
    const bodies = parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p));
    const length = contentLength ?? bodies.reduce((n, b) => n + b.length, 0);
    const req = request(`${flint.url}/v1/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': `multipart/form-data; boundary=${boundary}`, ...(length !== 'chunked' ? { 'content-length': String(length) } : {}) },
    });
    req.on('error', () => undefined);
    let answered = false;
    const response = (once(req, 'response') as Promise<[IncomingMessage]>).then(([res]) => {
      answered = true;
      return res;
    });
    for (const body of bodies) {
      for (let at = 0; at < body.length && !answered; at += 1024 * 1024) {
        if (!req.write(body.subarray(at, at + 1024 * 1024))) await Promise.race([once(req, 'drain'), response]);
      }
    }
    if (!answered && (contentLength === undefined || contentLength === 'chunked')) req.end();
    const answer = await answerOf(await response);
    req.destroy();
    return answer;
  }

  it('streams a file larger than the in-memory size to the core, and it comes back byte-identical', async () => {
    const data = randomBytes(GATEWAY_LIMITS.multipartBufferBytes + 1024 * 1024 + 7);
    const answer = await post([field('roomId', roomId), field('text', 'streamed'), fileHead, data, `\r\n${end}`]);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const got = await fetch(answer.body.files![0]!, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(got.status, 200);
    const back = new Uint8Array(await got.arrayBuffer());
    assert.equal(back.length, data.length);
    assert.equal(createHash('sha256').update(back).digest('hex'), createHash('sha256').update(data).digest('hex'));
  });

  it('holds a small file in memory, so its part may come before the fields', async () => {
    const answer = await post([fileHead, 'small first', `\r\n${field('roomId', roomId)}${end}`]);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const got = await fetch(answer.body.files![0]!, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(await got.text(), 'small first');
  });

  it('the file limit is the core’s: a body or a file declared larger is refused with a Webex 413 before anything is uploaded', async () => {
    assert.ok(encryptedFileSize(GATEWAY_LIMITS.fileBytes) <= files.FILE_LIMITS.fileBytes);
    assert.ok(encryptedFileSize(GATEWAY_LIMITS.fileBytes + 1) > files.FILE_LIMITS.fileBytes);
    const before = { messages: await messages(), blobs: await blobs() };
    // The body declared over the limit; then a body that fits, but leaves the file over the limit.
    for (const declared of [GATEWAY_LIMITS.multipartBytes + 1, GATEWAY_LIMITS.fileBytes + 1024 * 1024]) {
      const answer = await post([field('roomId', roomId), fileHead, randomBytes(64 * 1024)], declared);
      assert.equal(answer.status, 413, JSON.stringify(answer.body));
      assert.equal(answer.body.code, 'payload_too_large');
      assert.match(answer.body.errors![0]!.description, new RegExp(`files: at most ${GATEWAY_LIMITS.fileBytes} bytes`));
      assert.match(answer.body.trackingId!, /./);
    }
    assert.deepEqual({ messages: await messages(), blobs: await blobs() }, before, 'no message and no upload at the core');
  });

  it('refuses a streamed file that is not the form’s last part, or a large file without a Content-Length, and posts nothing', async () => {
    const before = await messages();
    const data = randomBytes(GATEWAY_LIMITS.multipartBufferBytes + 1024);
    const notLast = await post([field('roomId', roomId), fileHead, data, `\r\n${field('text', 'after the file')}${end}`]);
    assert.equal(notLast.status, 400, JSON.stringify(notLast.body));
    assert.match(notLast.body.errors![0]!.description, /last part/);
    const chunked = await post([field('roomId', roomId), fileHead, data, `\r\n${end}`], 'chunked');
    assert.equal(chunked.status, 400, JSON.stringify(chunked.body));
    assert.match(chunked.body.errors![0]!.description, /Content-Length/);
    assert.equal(await messages(), before);
  });
});
