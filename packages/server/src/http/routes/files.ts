/**
 * Encrypted files (SPEC FL-1, FL-2, FL-3): upload (resumable, with `Content-Range`), the upload's
 * state, download (with a byte range), list, delete. The upload body is raw ciphertext streamed
 * straight from the socket into the blob store — the parser below deliberately reads nothing, so a
 * multi-gigabyte upload never sits in memory.
 *
 * NOT YET: a `file.deleted` event (a deleted file disappears from the list and answers 404);
 * a periodic sweep of stale uploads (today: on the org's next upload). The /v1 gateway's files are
 * the gateway's (it uses the SDK's uploadFile / uploadFromUrl).
 * @module
 */
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { files } from '@flint/protocol';
import type { Core } from '../../core.ts';
import { ApiError } from '../../errors.ts';
import { openContent, statContent, deleteFile, type ByteRange } from '../../files/content.ts';
import { listFiles } from '../../files/file-list.ts';
import { createUpload, getUpload, parseContentRange, receiveContent } from '../../files/uploads.ts';
import { setNextLinkParams } from '../paging.ts';
import { REPLY_SENT, route } from '../route.ts';

/** One `bytes=` range; `undefined` for none or a form we do not serve (multiple ranges → whole file). */
export function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (match === null) return undefined;
  const [, a = '', b = ''] = match;
  if (a === '' && b === '') return undefined;
  let start: number;
  let end: number;
  if (a === '') {
    // A suffix: the last N bytes.
    const n = Number(b);
    if (n === 0) return 'unsatisfiable';
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(a);
    end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  }
  if (start >= size || start > end) return 'unsatisfiable';
  return { start, end };
}

function contentLength(req: FastifyRequest): number | undefined {
  const v = req.headers['content-length'];
  return typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined;
}

/** The request body; a connection that breaks off mid-upload is the client's doing (400), not a server fault. */
async function* uploadBody(req: FastifyRequest): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of req.raw as AsyncIterable<Uint8Array>) yield chunk;
  } catch {
    throw ApiError.badRequest('The upload’s connection broke off; ask for the upload’s state and resume from its "received".');
  }
}

export function fileRoutes(app: FastifyInstance, core: Core): void {
  route(app, core, files.createUpload, async ({ actor, body }) => createUpload(core, actor, body));
  route(app, core, files.getUpload, async ({ actor, params }) => getUpload(core, actor, params.id));

  // Encapsulated so the non-reading octet-stream parser applies to this route only.
  void app.register(async (scope) => {
    scope.addContentTypeParser('application/octet-stream', (_req, _payload, done) => done(null, undefined));
    route(scope, core, files.putContent, async ({ actor, params, req }) => {
      if (req.headers['content-type']?.split(';')[0]?.trim() !== 'application/octet-stream') {
        throw new ApiError('unsupported_media_type', 'Send the ciphertext as application/octet-stream.');
      }
      const range = parseContentRange(typeof req.headers['content-range'] === 'string' ? req.headers['content-range'] : undefined);
      return receiveContent(core, actor, params.id, uploadBody(req), contentLength(req), range);
    });
  });

  route(app, core, files.getContent, async ({ actor, params, req, reply }) => {
    const { size, blobKey } = await statContent(core, actor, params.id);
    const range = parseRange(typeof req.headers.range === 'string' ? req.headers.range : undefined, size);
    void reply.header('Accept-Ranges', 'bytes').header('Cache-Control', 'private, no-store');
    if (range === 'unsatisfiable') {
      void reply.code(416).header('Content-Range', `bytes */${size}`).send();
      return REPLY_SENT;
    }
    const blob = await openContent(core, blobKey, range);
    const body = blob.body instanceof Readable ? blob.body : Readable.from(blob.body);
    void reply.header('Content-Type', 'application/octet-stream');
    if (range === undefined) {
      void reply.code(200).header('Content-Length', String(size)).send(body);
    } else {
      void reply
        .code(206)
        .header('Content-Range', `bytes ${range.start}-${range.end}/${size}`)
        .header('Content-Length', String(range.end - range.start + 1))
        .send(body);
    }
    return REPLY_SENT;
  });

  route(app, core, files.listFiles, async ({ actor, query, req, reply }) => {
    const max = Math.min(query.max ?? files.FILE_LIMITS.filesPageDefault, files.FILE_LIMITS.filesPageMax);
    const result = await listFiles(core, actor, { roomId: query.roomId, beforeFile: query.beforeFile, max });
    if (result.next !== undefined) setNextLinkParams(req, reply, { beforeFile: result.next });
    return { items: result.items };
  });

  route(app, core, files.deleteFile, async ({ actor, params }) => {
    await deleteFile(core, actor, params.id);
  });
}
