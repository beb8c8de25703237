/**
 * `GET` and `HEAD /v1/contents/{id}` (SPEC PL-2, FL-1): a message's file, fetched as ciphertext from
 * the core and decrypted as it streams to the caller. The content id is Webex's:
 * `messageUUID/index`. HEAD answers the headers alone, without touching the blob.
 * @module
 */
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { FileReference } from '@flint/sdk';
import type { Caller } from '../callers.ts';
import { WebexError } from '../errors.ts';
import { contentId } from '../ids.ts';
import { REPLY_SENT, v1, type Gateway } from '../context.ts';
import { readableMessage } from './events.ts';

async function referenceOf(caller: Caller, id: string): Promise<FileReference> {
  const parsed = contentId(id);
  if (parsed === undefined) throw WebexError.notFound('content');
  const message = await readableMessage(caller, parsed.messageId);
  const file = message.files?.[parsed.index];
  if (file === undefined || message.encryptionKeyUrl === undefined) throw WebexError.notFound('content');
  return caller.session.files.open(message.encryptionKeyUrl, file.reference);
}

/** `filename` for Content-Disposition: quoted ASCII, and the exact name in RFC 5987 form. */
function disposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

function headers(reply: FastifyReply, ref: FileReference): void {
  void reply
    .header('Content-Type', ref.type || 'application/octet-stream')
    .header('Content-Length', String(ref.size))
    .header('Content-Disposition', disposition(ref.name))
    .header('Cache-Control', 'no-cache');
}

export function contentRoutes(app: FastifyInstance, gw: Gateway): void {
  v1(app, gw, 'HEAD', '/v1/contents/:contentId', async ({ req, reply, caller }) => {
    headers(reply, await referenceOf(caller, (req.params as { contentId: string }).contentId));
    void reply.code(200).send();
    return REPLY_SENT;
  });

  v1(app, gw, 'GET', '/v1/contents/:contentId', async ({ req, reply, caller }) => {
    const ref = await referenceOf(caller, (req.params as { contentId: string }).contentId);
    const download = await caller.session.files.download(ref);
    // An integrity failure errors the stream: the transfer is cut short, never completed with bad bytes.
    download.verified.catch(() => undefined);
    headers(reply, ref);
    void reply.code(200).send(Readable.fromWeb(download.stream as NodeReadableStream<Uint8Array>));
    return REPLY_SENT;
  });
}
