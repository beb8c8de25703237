/**
 * A file client in its own process, for the memory test and the benchmark (SPEC FL-1): it signs in
 * with a token, uploads a seeded pseudo-random stream of FLINT_TRANSFER_BYTES through the SDK
 * (encrypted on the fly, never held whole; over `@flint/sdk/node`'s back-pressured fetch), downloads and decrypts it, and reports the throughput
 * and whether the SHA-256 of what came back equals what went up. It runs in two steps so the
 * parent can measure this process's memory around the transfer alone: it warms up (a 4 MiB round
 * trip: JIT, sockets, WebCrypto), prints `ready`, waits for a line on stdin, transfers, prints
 * one JSON line, and exits when stdin closes.
 *
 * Environment: FLINT_TRANSFER_URL, FLINT_TRANSFER_TOKEN, FLINT_TRANSFER_ROOM, FLINT_TRANSFER_BYTES.
 * @module
 */
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import { downloadFile, FlintClient, sendFile, type SpaceKey } from '@flint/sdk';
import { nodeHttpFetch } from '@flint/sdk/node';
import { seededBytes } from './file-bytes.ts';

// Node's own fetch buffers a streamed upload body (see @flint/sdk/node); FLINT_TRANSFER_FETCH=global shows it.
const viaNode = process.env['FLINT_TRANSFER_FETCH'] !== 'global';
const upFetch = viaNode ? { fetch: nodeHttpFetch } : {};
const downFetch = viaNode ? { fetch: nodeHttpFetch } : {};

async function roundTrip(client: FlintClient, spaceKey: SpaceKey, roomId: string, size: number): Promise<{ upMs: number; downMs: number; identical: boolean }> {
  const sourceHash = createHash('sha256');
  const t0 = performance.now();
  const { file } = await sendFile(client, spaceKey, roomId, seededBytes(size, sourceHash), { name: 'transfer.bin', type: 'application/octet-stream', size, ...upFetch });
  const t1 = performance.now();
  const download = await downloadFile(client, file.reference, downFetch);
  const backHash = createHash('sha256');
  const reader = download.stream.getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) backHash.update(r.value);
  await download.verified;
  const t2 = performance.now();
  return { upMs: t1 - t0, downMs: t2 - t1, identical: backHash.digest('hex') === sourceHash.digest('hex') };
}

const env = process.env;
const client = new FlintClient({ baseUrl: env['FLINT_TRANSFER_URL']!, clientVersion: 'flint-transfer/0.1' });
client.useToken(env['FLINT_TRANSFER_TOKEN']!);
const roomId = env['FLINT_TRANSFER_ROOM']!;
const bytes = Number(env['FLINT_TRANSFER_BYTES']);
const spaceKey: SpaceKey = { uri: 'kms://transfer.example/keys/1', key: crypto.getRandomValues(new Uint8Array(32)) };

await roundTrip(client, spaceKey, roomId, 4 * 1024 * 1024);
process.stdout.write('ready\n');
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
await lines.next();
const result = await roundTrip(client, spaceKey, roomId, bytes);
process.stdout.write(`${JSON.stringify({ bytes, ...result })}\n`);
// Stay until the parent has read this process's memory (it then closes stdin).
await lines.next();
