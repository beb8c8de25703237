/**
 * A real S3-compatible server on loopback for tests and benchmarks: s3rver (an npm package that
 * speaks the S3 REST API and keeps objects in a folder), with one bucket. `env` is what a Flint
 * needs to store its blobs there. s3rver lacks ListParts, ListMultipartUploads and
 * AbortMultipartUpload; Flint's S3 store needs none of them but abort (best effort, logged).
 * @example
 * const s3 = await startS3();
 * const flint = await startFlint({ env: s3.env });
 * @module
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { filesUnder } from './file-bytes.ts';

export interface TestS3 extends AsyncDisposable {
  endpoint: string;
  bucket: string;
  /** Where s3rver keeps objects (and parts of multipart uploads): the folder a plaintext scan reads. */
  directory: string;
  env: Record<string, string>;
  /** Every file under `directory`. */
  files(): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startS3(options: { bucket?: string; prefix?: string } = {}): Promise<TestS3> {
  const directory = await mkdtemp(join(tmpdir(), 'flint-s3-'));
  const bucket = options.bucket ?? 'flint-test';
  const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    })());
  return {
    endpoint,
    bucket,
    directory,
    env: {
      FLINT_S3_BUCKET: bucket,
      FLINT_S3_ENDPOINT: endpoint,
      FLINT_S3_REGION: 'us-east-1',
      // s3rver's fixed test credentials.
      FLINT_S3_ACCESS_KEY_ID: 'S3RVER',
      FLINT_S3_SECRET_ACCESS_KEY: 'S3RVER',
      ...(options.prefix !== undefined ? { FLINT_S3_PREFIX: options.prefix } : {}),
    },
    files: () => filesUnder(directory),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

