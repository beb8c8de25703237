/**
 * `POST /v1/messages` as `multipart/form-data` (SPEC PL-2, FL-1): plain form fields plus one
 * `files` part. The Webex SDK sends a Buffer as a `files` part with no filename at all, so a part
 * named `files` is a file whatever its headers say. The gateway never writes plaintext to disk.
 *
 * A file of at most `multipartBufferBytes` is held in memory until the body ends, so its part may
 * come anywhere in the form (the Webex SDK puts `files` wherever its caller's object has it). A
 * larger one is streamed: the core needs a file's exact size before its first byte (it reserves
 * quota for it), and a part says nothing of its length, so the size is what the body's
 * Content-Length leaves for the file when it is the form's last part — the bytes before its
 * content (found by scanning the head of the body) and the closing `\r\n--boundary--\r\n` taken
 * off. The stream checks that exactly that many bytes came and that the body ended right after
 * them; anything else (no Content-Length, a part after the file, another epilogue) errors the
 * stream, so the upload fails rather than storing a wrong file.
 * @module
 */
import { Busboy } from '@fastify/busboy';
import type { FastifyRequest } from 'fastify';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { WebexError } from '../errors.ts';
import { GATEWAY_LIMITS } from '../limits.ts';

export type MultipartFile = { name: string; type: string } & ({ bytes: Uint8Array } | { stream: ReadableStream<Uint8Array>; size: number });

export interface MultipartMessage {
  /** The fields before the file when it streams; all of them otherwise. */
  fields: Record<string, string>;
  file: MultipartFile | undefined;
  /** Why the body was refused after the answer was given (a streamed file gone wrong). */
  failure(): WebexError | undefined;
  /** Stops reading the body (a request refused before its file was consumed). */
  discard(): void;
}

export interface MultipartLimits {
  /** Largest file, in plaintext bytes. */
  fileBytes: number;
  /** Files up to this size are held in memory; larger ones stream. */
  bufferBytes: number;
  /** The whole body. */
  bodyBytes: number;
}

const DEFAULT_LIMITS: MultipartLimits = { fileBytes: GATEWAY_LIMITS.fileBytes, bufferBytes: GATEWAY_LIMITS.multipartBufferBytes, bodyBytes: GATEWAY_LIMITS.multipartBytes };

/** How far into the body the `files` part's headers may end (all the fields before it, bounded). */
const HEAD_SCAN_BYTES = 2 * 1024 * 1024;

function tooLarge(limit: number): WebexError {
  return new WebexError('payload_too_large', `A file may be at most ${limit} bytes.`, [`files: at most ${limit} bytes`]);
}

function boundaryOf(contentType: string): string | undefined {
  const m = /;\s*boundary=(?:"([^"]{1,70})"|([^;\s]{1,70}))/i.exec(contentType);
  return m?.[1] ?? m?.[2];
}

/**
 * Passes the body through while finding where the `files` part's content starts (the byte after
 * its headers' blank line): a delimiter line, a header block naming the part `files`, `\r\n\r\n`.
 */
class HeadScanner extends Transform {
  consumed = 0;
  /** Offset of the `files` content in the body, once found. */
  fileStart: number | undefined;
  private head: Buffer | undefined = Buffer.alloc(0);
  private searchFrom = 0;
  private readonly delimiter: Buffer;

  constructor(boundary: string) {
    super();
    this.delimiter = Buffer.from(`--${boundary}\r\n`, 'latin1');
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (this.head !== undefined) {
      this.head = Buffer.concat([this.head, chunk]);
      this.scan();
      if (this.head !== undefined && this.head.length > HEAD_SCAN_BYTES) this.head = undefined;
    }
    this.consumed += chunk.length;
    done(null, chunk);
  }

  private scan(): void {
    const head = this.head!;
    for (;;) {
      const delimiter = head.indexOf(this.delimiter, this.searchFrom);
      if (delimiter < 0) return;
      const headersStart = delimiter + this.delimiter.length;
      const headersEnd = head.indexOf('\r\n\r\n', headersStart, 'latin1');
      if (headersEnd < 0) return;
      const headers = head.toString('latin1', headersStart, headersEnd);
      if (/^content-disposition:[^\r\n]*;\s*name\s*=\s*(?:"files"|files)\s*(?:;|\r|$)/im.test(headers)) {
        this.fileStart = headersEnd + 4;
        this.head = undefined;
        return;
      }
      this.searchFrom = headersEnd + 4;
    }
  }
}

export function parseMultipart(req: FastifyRequest, limits: MultipartLimits = DEFAULT_LIMITS): Promise<MultipartMessage> {
  const stream = req.body as Readable;
  const contentType = String(req.headers['content-type'] ?? '');
  const lengthHeader = req.headers['content-length'];
  const contentLength = typeof lengthHeader === 'string' && /^\d{1,16}$/.test(lengthHeader) ? Number(lengthHeader) : undefined;
  const boundary = boundaryOf(contentType);
  let failure: WebexError | undefined;
  let onFailed: () => void = () => undefined;
  const failed = new Promise<void>((r) => (onFailed = r));
  /** The file part being streamed, errored when the body is refused. */
  let streamingPart: Readable | undefined;
  const discard = () => {
    stream.unpipe();
    stream.resume();
  };
  return new Promise((resolve, reject) => {
    let settled = false;
    /** Refuses the body: the answer if none was given yet, else the streamed file's error. */
    const fail = (error: WebexError) => {
      failure ??= error;
      onFailed();
      streamingPart?.destroy(failure);
      discard();
      if (settled) return;
      settled = true;
      reject(error);
    };
    const result = (fields: Record<string, string>, file: MultipartFile | undefined): MultipartMessage => ({ fields, file, failure: () => failure, discard });
    if (boundary === undefined) return reject(WebexError.badRequest('body: not a multipart/form-data body with a boundary'));
    // Refused before a byte is read: a declared body that cannot hold an allowed file.
    if (contentLength !== undefined && contentLength > limits.bodyBytes) return reject(tooLarge(limits.fileBytes));
    let parser: ReturnType<typeof Busboy>;
    try {
      parser = Busboy({
        headers: req.headers as Parameters<typeof Busboy>[0]['headers'],
        limits: { files: 1, fileSize: limits.fileBytes, fields: 20, fieldSize: 64 * 1024, parts: 25 },
        isPartAFile: (fieldName, partType, fileName) => fieldName === 'files' || fileName !== undefined || partType === 'application/octet-stream',
      });
    } catch {
      return reject(WebexError.badRequest('body: not a multipart/form-data body with a boundary'));
    }
    const scanner = new HeadScanner(boundary);
    const fields: Record<string, string> = {};
    let file: MultipartFile | undefined;
    let streaming = false;
    let pending: Promise<void> = Promise.resolve();
    const finished = new Promise<void>((done) => parser.on('finish', done));
    parser.on('field', (name, value, _nameTruncated, valueTruncated) => {
      if (streaming) return fail(WebexError.badRequest('files: a file this large must be the form’s last part'));
      if (valueTruncated) return fail(WebexError.badRequest(`${name.slice(0, 40)}: too long`));
      fields[name] = value;
    });
    parser.on('file', (name, part, filename, _encoding, mimeType) => {
      if (name !== 'files') {
        part.resume();
        return fail(WebexError.badRequest(`${name.slice(0, 40)}: only the files part may carry a file`));
      }
      const meta = { name: filename !== undefined && filename !== '' ? filename.slice(0, 255) : 'file', type: mimeType || 'application/octet-stream' };
      // What the body leaves for the file if it is the last part, ending `\r\n--boundary--\r\n`.
      const declared = contentLength !== undefined && scanner.fileStart !== undefined ? contentLength - scanner.fileStart - (boundary.length + 8) : undefined;
      if (declared !== undefined && declared > limits.fileBytes) {
        part.resume();
        return fail(tooLarge(limits.fileBytes));
      }
      const held: Buffer[] = [];
      let heldBytes = 0;
      const onData = (chunk: Buffer) => {
        held.push(chunk);
        heldBytes += chunk.length;
        if (heldBytes <= limits.bufferBytes) return;
        // Too large to hold: stream it from here.
        part.off('data', onData);
        part.off('end', onEnd);
        part.pause();
        if (declared === undefined) {
          part.resume();
          return fail(WebexError.badRequest(`files: a file over ${limits.bufferBytes} bytes needs a Content-Length on the request and must be the form’s last part`));
        }
        streaming = true;
        streamingPart = part;
        // Its errors reach the reader through the iterator; one after the reader stopped goes nowhere.
        part.on('error', () => undefined);
        settled = true;
        resolve(result({ ...fields }, { ...meta, size: declared, stream: streamFile(part, held, declared) }));
      };
      const streamFile = (source: Readable, prefix: Buffer[], size: number): ReadableStream<Uint8Array> => {
        async function* bytes(): AsyncGenerator<Uint8Array> {
          let count = 0;
          for (const chunk of prefix.splice(0)) {
            count += chunk.length;
            yield chunk;
          }
          for await (const chunk of source as AsyncIterable<Buffer>) {
            count += chunk.length;
            if (count > size) break;
            yield chunk;
          }
          if (count === size) await Promise.race([finished, failed]);
          // The part ends before the body does (another part follows) or later than declared.
          if (failure === undefined && (count !== size || (source as Readable & { truncated?: boolean }).truncated === true)) {
            fail(count > limits.fileBytes ? tooLarge(limits.fileBytes) : WebexError.badRequest('files: a large file must be the form’s last part, and the body must end with the closing boundary and CRLF'));
          }
          if (failure !== undefined) throw failure;
        }
        // Pulled one chunk at a time: the encryption upstream sets the pace, never this part.
        const iterator = bytes();
        return new ReadableStream<Uint8Array>(
          {
            async pull(controller) {
              const next = await iterator.next();
              if (next.done === true) controller.close();
              else controller.enqueue(next.value);
            },
            async cancel() {
              await iterator.return(undefined);
            },
          },
          { highWaterMark: 0 },
        );
      };
      const onEnd = () => {
        if (part.truncated) return fail(tooLarge(limits.fileBytes));
        file = { ...meta, bytes: new Uint8Array(Buffer.concat(held)) };
      };
      part.on('data', onData);
      pending = new Promise<void>((done) => part.once('end', done)).then(() => undefined);
      part.once('end', onEnd);
    });
    parser.on('filesLimit', () => fail(WebexError.badRequest('files: one file per message')));
    parser.on('partsLimit', () => fail(WebexError.badRequest('body: too many parts')));
    parser.on('fieldsLimit', () => fail(WebexError.badRequest('body: too many fields')));
    parser.on('error', () => fail(WebexError.badRequest('body: malformed multipart/form-data')));
    void finished.then(() =>
      pending.then(() => {
        if (settled) return;
        settled = true;
        resolve(result(fields, file));
      }),
    );
    const cutOff = () => fail(WebexError.badRequest('body: the upload was cut off'));
    stream.on('error', cutOff);
    stream.on('close', () => {
      if (!stream.readableEnded) cutOff();
    });
    stream.pipe(scanner).pipe(parser);
  });
}
