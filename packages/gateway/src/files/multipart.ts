/**
 * `POST /v1/messages` as `multipart/form-data` (SPEC PL-2, FL-1): plain form fields plus one
 * `files` part. The Webex SDK sends a Buffer as a `files` part with no filename at all, so a part
 * named `files` is a file whatever its headers say. The file is held in memory (at most
 * `fileBytes`): the gateway never writes plaintext to disk.
 * @module
 */
import { Busboy } from '@fastify/busboy';
import type { FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { WebexError } from '../errors.ts';
import { GATEWAY_LIMITS } from '../limits.ts';

export interface MultipartMessage {
  fields: Record<string, string>;
  file: { bytes: Uint8Array; name: string; type: string } | undefined;
}

export function parseMultipart(req: FastifyRequest, maxFileBytes: number = GATEWAY_LIMITS.fileBytes): Promise<MultipartMessage> {
  const stream = req.body as Readable;
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (error: WebexError) => {
      if (settled) return;
      settled = true;
      stream.unpipe();
      stream.resume();
      reject(error);
    };
    let parser: ReturnType<typeof Busboy>;
    try {
      parser = Busboy({
        headers: req.headers as Parameters<typeof Busboy>[0]['headers'],
        limits: { files: 1, fileSize: maxFileBytes, fields: 20, fieldSize: 64 * 1024, parts: 25 },
        isPartAFile: (fieldName, contentType, fileName) => fieldName === 'files' || fileName !== undefined || contentType === 'application/octet-stream',
      });
    } catch {
      reject(WebexError.badRequest('body: not a multipart/form-data body with a boundary'));
      return;
    }
    const fields: Record<string, string> = {};
    let file: MultipartMessage['file'];
    let pending: Promise<void> = Promise.resolve();
    parser.on('field', (name, value, _nameTruncated, valueTruncated) => {
      if (valueTruncated) return fail(WebexError.badRequest(`${name.slice(0, 40)}: too long`));
      fields[name] = value;
    });
    parser.on('file', (name, part, filename, _encoding, mimeType) => {
      if (name !== 'files') {
        part.resume();
        return fail(WebexError.badRequest(`${name.slice(0, 40)}: only the files part may carry a file`));
      }
      const chunks: Buffer[] = [];
      part.on('data', (chunk: Buffer) => chunks.push(chunk));
      pending = new Promise<void>((done) => {
        part.on('end', () => {
          if (part.truncated) fail(new WebexError('payload_too_large', `A file may be at most ${maxFileBytes} bytes.`));
          else file = { bytes: new Uint8Array(Buffer.concat(chunks)), name: filename !== undefined && filename !== '' ? filename.slice(0, 255) : 'file', type: mimeType || 'application/octet-stream' };
          done();
        });
      });
    });
    parser.on('filesLimit', () => fail(WebexError.badRequest('files: one file per message')));
    parser.on('partsLimit', () => fail(WebexError.badRequest('body: too many parts')));
    parser.on('fieldsLimit', () => fail(WebexError.badRequest('body: too many fields')));
    parser.on('error', () => fail(WebexError.badRequest('body: malformed multipart/form-data')));
    parser.on('finish', () => {
      void pending.then(() => {
        if (settled) return;
        settled = true;
        resolve({ fields, file });
      });
    });
    stream.on('error', () => fail(WebexError.badRequest('body: the upload was cut off')));
    stream.pipe(parser);
  });
}
