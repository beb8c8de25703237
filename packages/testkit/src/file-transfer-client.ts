/**
 * A file client in its own process, for the memory test and the benchmark (SPEC FL-1): it signs in
 * with a token, sends a seeded pseudo-random stream of FLINT_TRANSFER_BYTES as a file through an SDK
 * session (encrypted on the fly, never held whole; over `@flint/sdk/node`'s back-pressured fetch),
 * downloads and decrypts it, and reports the throughput
 * and whether the SHA-256 of what came back equals what went up. It runs in two steps so the
 * parent can measure this process's memory around the transfer alone: it warms up (a 4 MiB round
 * trip: JIT, sockets, WebCrypto, the KMS handshake), prints `ready`, waits for a line on stdin, transfers, prints
 * one JSON line, and exits when stdin closes.
 *
 * Environment: FLINT_TRANSFER_URL, FLINT_TRANSFER_TOKEN, FLINT_TRANSFER_ROOM (a space with a key),
 * FLINT_TRANSFER_BYTES.
 * @module
 */
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import { createSession, type Session } from '@flint/sdk';
import { nodeHttpFetch } from '@flint/sdk/node';
import { seededBytes } from './file-bytes.ts';
import { NodeWebSocket } from './events.ts';

// Node's own fetch buffers a streamed upload body (see @flint/sdk/node); FLINT_TRANSFER_FETCH=global shows it.
const viaNode = process.env['FLINT_TRANSFER_FETCH'] !== 'global';
const upFetch = viaNode ? { fetch: nodeHttpFetch } : {};
const downFetch = viaNode ? { fetch: nodeHttpFetch } : {};

async function roundTrip(session: Session, roomId: string, size: number): Promise<{ upMs: number; downMs: number; identical: boolean }> {
  const sourceHash = createHash('sha256');
  const t0 = performance.now();
  const sent = await session.messages.send({ roomId, files: [{ source: seededBytes(size, sourceHash), name: 'transfer.bin', type: 'application/octet-stream', size, ...upFetch }] });
  const t1 = performance.now();
  const download = await session.files.download(sent.uploaded![0]!.reference, downFetch);
  const backHash = createHash('sha256');
  const reader = download.stream.getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) backHash.update(r.value);
  await download.verified;
  const t2 = performance.now();
  return { upMs: t1 - t0, downMs: t2 - t1, identical: backHash.digest('hex') === sourceHash.digest('hex') };
}

const env = process.env;
const session = createSession({ baseUrl: env['FLINT_TRANSFER_URL']!, auth: { token: env['FLINT_TRANSFER_TOKEN']! }, clientVersion: 'flint-transfer/0.1', WebSocket: NodeWebSocket, kmsCredential: { device: env['FLINT_TRANSFER_KMS_DEVICE']! } });
const roomId = env['FLINT_TRANSFER_ROOM']!;
const bytes = Number(env['FLINT_TRANSFER_BYTES']);

await roundTrip(session, roomId, 4 * 1024 * 1024);
process.stdout.write('ready\n');
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
await lines.next();
const result = await roundTrip(session, roomId, bytes);
process.stdout.write(`${JSON.stringify({ bytes, ...result })}\n`);
// Stay until the parent has read this process's memory (it then closes stdin).
await lines.next();
session.close();
