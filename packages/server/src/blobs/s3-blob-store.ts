/**
 * Blobs in S3-compatible object storage (SPEC PL-3), through `@aws-sdk/client-s3`.
 *
 * Downloads stream the object's body (ranged GETs for byte ranges). Large uploads are S3 multipart
 * uploads that outlive a request: the state the core keeps is the upload id and the parts stored so
 * far (number order, each part's ETag and size), so a dropped connection resumes from the last
 * stored part on any instance. Each part is `S3_PART_BYTES` held in memory while it is sent, so a
 * writer's memory is bounded by one part whatever the file's size. A part is stored only whole: on
 * a clean end the remainder is stored if it finishes the blob or is at least S3's 5 MiB minimum,
 * otherwise (and on a failed connection) the client resends it from the offset it is told.
 * ListParts is not used (the parts are in the state), which also keeps simple S3 servers usable.
 * @module
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { assertSafeKey, limitBytes, UploadOffsetError, type BlobStore, type BlobStream, type UploadWriteOptions } from './blob-store.ts';

/** Size of each multipart part but the last: above S3's 5 MiB minimum, and 8 GiB fits in 1,024 parts (S3 allows 10,000). */
export const S3_PART_BYTES = 8 * 1024 * 1024;
const S3_MIN_PART_BYTES = 5 * 1024 * 1024;

export interface S3Config {
  /** The service's URL; unset means AWS itself (by region). */
  endpoint: string | undefined;
  bucket: string;
  region: string;
  /** Unset: the AWS SDK's default credential chain (environment, instance role…). */
  credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
  /** `https://host/bucket/key` rather than `https://bucket.host/key` (most self-hosted servers). */
  forcePathStyle: boolean;
  /** Prepended to every key, so one bucket can serve several installs. */
  prefix: string;
}

interface S3UploadState {
  /** The multipart upload id. */
  u: string;
  /** Stored parts in order (part number = index + 1): [ETag, size]. */
  p: [string, number][];
}

function notFound(error: unknown): boolean {
  return error instanceof S3ServiceException && (error.name === 'NoSuchKey' || error.name === 'NotFound' || error.$metadata.httpStatusCode === 404);
}

export class S3BlobStore implements BlobStore {
  readonly kind = 's3';
  readonly client: S3Client;

  constructor(private readonly config: S3Config) {
    this.client = new S3Client({
      region: config.region,
      forcePathStyle: config.forcePathStyle,
      ...(config.endpoint !== undefined ? { endpoint: config.endpoint } : {}),
      ...(config.credentials !== undefined ? { credentials: config.credentials } : {}),
      // Checksums only where S3 requires them: many S3-compatible servers do not speak the newer
      // flexible checksums, and the ciphertext carries its own authentication anyway.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  private key(key: string): string {
    assertSafeKey(key);
    return this.config.prefix + key;
  }

  async put(key: string, data: Uint8Array, contentType: string): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.config.bucket, Key: this.key(key), Body: data, ContentType: contentType, ContentLength: data.length }));
  }

  async get(key: string): Promise<{ data: Uint8Array; contentType: string } | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.config.bucket, Key: this.key(key) }));
      if (out.Body === undefined) return undefined;
      return { data: await out.Body.transformToByteArray(), contentType: out.ContentType ?? 'application/octet-stream' };
    } catch (error) {
      if (notFound(error)) return undefined;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.config.bucket, Key: this.key(key) }));
  }

  async getStream(key: string, range?: { start: number; end: number }): Promise<BlobStream | undefined> {
    try {
      const out = await this.client.send(
        new GetObjectCommand({ Bucket: this.config.bucket, Key: this.key(key), ...(range !== undefined ? { Range: `bytes=${range.start}-${range.end}` } : {}) }),
      );
      if (out.Body === undefined) return undefined;
      // With a range, the whole object's size is after the slash of Content-Range.
      const total = range !== undefined ? Number(/\/(\d+)$/.exec(out.ContentRange ?? '')?.[1] ?? NaN) : (out.ContentLength ?? NaN);
      if (!Number.isFinite(total)) throw new Error('S3 answered without the object size');
      return { body: out.Body as AsyncIterable<Uint8Array>, size: total, contentType: out.ContentType ?? 'application/octet-stream' };
    } catch (error) {
      if (notFound(error)) return undefined;
      throw error;
    }
  }

  async stat(key: string): Promise<{ size: number; contentType: string } | undefined> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.config.bucket, Key: this.key(key) }));
      return { size: out.ContentLength ?? 0, contentType: out.ContentType ?? 'application/octet-stream' };
    } catch (error) {
      if (notFound(error)) return undefined;
      throw error;
    }
  }

  async startUpload(key: string, contentType: string): Promise<string> {
    const out = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.config.bucket, Key: this.key(key), ContentType: contentType }));
    if (out.UploadId === undefined) throw new Error('S3 answered no upload id');
    return JSON.stringify({ u: out.UploadId, p: [] } satisfies S3UploadState);
  }

  async uploadedBytes(_key: string, state: string): Promise<number> {
    return (JSON.parse(state) as S3UploadState).p.reduce((sum, [, size]) => sum + size, 0);
  }

  async writeUpload(key: string, state: string, offset: number, source: AsyncIterable<Uint8Array>, options: UploadWriteOptions): Promise<string> {
    const upload = JSON.parse(state) as S3UploadState;
    // Resume at a part boundary at or before what is stored: later parts are replaced.
    let at = 0;
    let keep = 0;
    while (keep < upload.p.length && at < offset) at += upload.p[keep++]![1];
    if (at !== offset) throw new UploadOffsetError(await this.uploadedBytes(key, state));
    upload.p = upload.p.slice(0, keep);

    const storePart = async (bytes: Uint8Array) => {
      const partNumber = upload.p.length + 1;
      const out = await this.client.send(
        new UploadPartCommand({ Bucket: this.config.bucket, Key: this.key(key), UploadId: upload.u, PartNumber: partNumber, Body: bytes, ContentLength: bytes.length }),
      );
      if (out.ETag === undefined) throw new Error('S3 answered a part without an ETag');
      upload.p.push([out.ETag, bytes.length]);
      at += bytes.length;
      await options.save(JSON.stringify(upload));
    };

    let pending: Uint8Array[] = [];
    let pendingBytes = 0;
    const takePart = (): Uint8Array => {
      const part = new Uint8Array(S3_PART_BYTES);
      let filled = 0;
      while (filled < S3_PART_BYTES) {
        const head = pending[0]!;
        const use = Math.min(head.length, S3_PART_BYTES - filled);
        part.set(head.subarray(0, use), filled);
        filled += use;
        if (use === head.length) pending.shift();
        else pending[0] = head.subarray(use);
      }
      pendingBytes -= S3_PART_BYTES;
      return part;
    };
    // Read ahead no further than one part: back-pressure reaches the client's socket while S3 takes the part.
    for await (const chunk of limitBytes(source, options.end - offset)) {
      pending.push(chunk);
      pendingBytes += chunk.length;
      while (pendingBytes >= S3_PART_BYTES) await storePart(takePart());
    }
    if (pendingBytes > 0 && (at + pendingBytes === options.total || pendingBytes >= S3_MIN_PART_BYTES)) {
      const rest = new Uint8Array(pendingBytes);
      let filled = 0;
      for (const p of pending) {
        rest.set(p, filled);
        filled += p.length;
      }
      pending = [];
      await storePart(rest);
    }
    return JSON.stringify(upload);
  }

  async completeUpload(key: string, state: string): Promise<void> {
    const upload = JSON.parse(state) as S3UploadState;
    await this.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: this.config.bucket,
        Key: this.key(key),
        UploadId: upload.u,
        MultipartUpload: { Parts: upload.p.map(([ETag], i) => ({ ETag, PartNumber: i + 1 })) },
      }),
    );
  }

  async abortUpload(key: string, state: string): Promise<void> {
    const upload = JSON.parse(state) as S3UploadState;
    await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.config.bucket, Key: this.key(key), UploadId: upload.u }));
  }
}
