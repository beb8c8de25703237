/**
 * The clear-text feed (SPEC CP-3): every activity of the org — messages created, edited and deleted
 * (with their files), memberships, rooms — read oldest first from the core's compliance events,
 * opened through the officer's SDK session (the KMS gives, and audits, every key; the core stays
 * ciphertext-only) and delivered in batches to a company-owned target.
 *
 * Delivery is at least once, in the log's order (so in order per space), with a durable cursor: the
 * state file holds the id of the last event of the last batch the target acknowledged (a folder:
 * written and fsynced; HTTPS: a 2xx), and is replaced atomically (write, fsync, rename, fsync the
 * folder) only after that. A crash or `kill -9` therefore loses nothing, and repeats at most the
 * batch that was in flight; every record carries the event's `id` so a consumer can drop repeats.
 * @module
 */
import { createHmac } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readFile, rename, stat } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { dirname, join } from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { safeFileName, type FileReference, type OpenedComplianceEvent, type Session } from '@flint/sdk';
import { guardedLookup, refusedHost, EMPTY_ALLOW_LIST, type AddressPolicy } from '@flint/server';

export class FeedError extends Error {
  override readonly name = 'FeedError';
}

/** Thrown inside a delivery when the feed was asked to stop while waiting to retry: the cursor stays. */
class Stopped extends Error {}

/** A file of a message, as a record carries it: its metadata, and where its bytes are (folder target). */
export interface FeedFile {
  blobId: string;
  name?: string;
  type?: string;
  size?: number;
  sha256?: string;
  /** Relative to the folder: the decrypted bytes, written beside the lines. */
  path?: string;
  error?: string;
}

/** One line of the feed: an activity, its data opened. */
export interface FeedRecord {
  id: string;
  resource: string;
  type: string;
  orgId: string;
  roomId: string;
  actorId?: string;
  created: string;
  data: Record<string, unknown>;
  files?: FeedFile[];
  decryptError?: { kind: string; message: string };
}

/** A record with its files' opened references (not serialized: they hold the file keys). */
interface Prepared {
  record: FeedRecord;
  refs: FileReference[];
}

export interface FeedTarget {
  /** For messages and the state file. */
  readonly describe: string;
  /** Delivers one batch; resolves only once the target holds it durably. */
  deliver(batch: Prepared[], sdk: Session, signal: AbortSignal): Promise<void>;
}

export interface FeedState {
  version: 1;
  orgId: string;
  target: string;
  /** The id of the last event the target acknowledged. */
  after?: string;
  delivered: number;
  updated: string;
}

export interface FeedOptions {
  target: FeedTarget;
  statePath: string;
  orgId: string;
  batch: number;
  once: boolean;
  pollMs: number;
  signal: AbortSignal;
  onBatch?: (count: number, lastId: string) => void;
}

// ── State ────────────────────────────────────────────────────────────────────────────────────────

async function fsyncDir(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes `text` to `path` so a reader sees the old or the new content whole, and it survives a crash. */
async function writeAtomically(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp`;
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, path);
  await fsyncDir(dirname(path));
}

export async function readState(path: string): Promise<FeedState | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const state = JSON.parse(text) as FeedState;
  if (state.version !== 1 || (state.after !== undefined && !/^[0-9]{1,15}$/.test(state.after))) throw new FeedError(`${path} is not a feed state file.`);
  return state;
}

// ── Preparing records ────────────────────────────────────────────────────────────────────────────

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** Opens an event's files' references (a message's), and drops the sealed copies from its data. */
async function prepare(sdk: Session, event: OpenedComplianceEvent): Promise<Prepared> {
  const { decryptError, data, ...rest } = event;
  const record: FeedRecord = { ...rest, data: { ...data } };
  if (decryptError !== undefined) record.decryptError = { kind: decryptError.kind, message: decryptError.message };
  const refs: FileReference[] = [];
  const attached = data['files'];
  if (event.resource === 'messages' && Array.isArray(attached) && attached.length > 0) {
    const opened = await sdk.files.references(data);
    record.files = attached.map((f, i): FeedFile => {
      const id = (f as { blobId?: unknown }).blobId;
      const blobId = typeof id === 'string' ? id : '';
      const ref = opened[i];
      if (ref === undefined || ref instanceof Error) return { blobId, error: ref instanceof Error ? ref.message : 'The file does not open.' };
      refs.push(ref);
      return { blobId, name: ref.name, type: ref.type, size: ref.size, sha256: hex(ref.sha256) };
    });
    // The sealed references are ciphertext with no use to the repository; the opened metadata replace them.
    delete record.data['files'];
  }
  return { record, refs };
}

// ── The loop ─────────────────────────────────────────────────────────────────────────────────────

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Runs the feed: drains what exists, then (without `once`) polls every `pollMs` until `signal`
 * aborts; the batch in flight is finished first. Answers how many events this run delivered.
 */
export async function runFeed(sdk: Session, options: FeedOptions): Promise<{ delivered: number; after?: string }> {
  const previous = await readState(options.statePath);
  if (previous !== undefined && previous.orgId !== options.orgId) throw new FeedError(`${options.statePath} belongs to a feed of another organization.`);
  const state: FeedState = previous ?? { version: 1, orgId: options.orgId, target: options.target.describe, delivered: 0, updated: new Date().toISOString() };
  let delivered = 0;
  while (!options.signal.aborted) {
    const page = await sdk.compliance.events({ max: options.batch, ...(state.after !== undefined ? { after: state.after } : {}) });
    if (page.items.length === 0) {
      if (options.once) break;
      await sleep(options.pollMs, options.signal);
      continue;
    }
    const batch: Prepared[] = [];
    for (const event of page.items) batch.push(await prepare(sdk, event));
    try {
      await options.target.deliver(batch, sdk, options.signal);
    } catch (error) {
      if (error instanceof Stopped) break;
      throw error;
    }
    const last = page.items[page.items.length - 1]!.id;
    state.after = last;
    state.delivered += batch.length;
    state.target = options.target.describe;
    state.updated = new Date().toISOString();
    await writeAtomically(options.statePath, `${JSON.stringify(state, null, 2)}\n`);
    delivered += batch.length;
    options.onBatch?.(batch.length, last);
  }
  return state.after === undefined ? { delivered } : { delivered, after: state.after };
}

// ── Folder target ────────────────────────────────────────────────────────────────────────────────

/**
 * JSON lines appended to `events-YYYY-MM-DD.jsonl` (by the day the activity happened, UTC), and each
 * file's decrypted bytes at `files/<blobId>/<name>` (written as `.part`, checked, fsynced, renamed
 * before the line naming it is written). Every file written is fsynced before `deliver` returns.
 */
export function folderTarget(folder: string): FeedTarget {
  return {
    describe: `dir:${folder}`,
    async deliver(batch, sdk) {
      await mkdir(folder, { recursive: true });
      for (const { record, refs } of batch) {
        for (const ref of refs) {
          const rel = join('files', ref.blobId, safeFileName(ref.name));
          const file = record.files?.find((f) => f.blobId === ref.blobId);
          if (file !== undefined) file.path = rel;
          const path = join(folder, rel);
          if (await stat(path).then(() => true, () => false)) continue;
          await mkdir(dirname(path), { recursive: true });
          const download = await sdk.compliance.download(ref);
          await pipeline(Readable.fromWeb(download.stream as NodeReadableStream<Uint8Array>), createWriteStream(`${path}.part`) as Writable);
          await download.verified;
          const handle = await open(`${path}.part`, 'r');
          await handle.sync().finally(() => handle.close());
          await rename(`${path}.part`, path);
          await fsyncDir(dirname(path));
        }
      }
      const byDay = new Map<string, string[]>();
      for (const { record } of batch) {
        const day = `events-${record.created.slice(0, 10)}.jsonl`;
        byDay.set(day, [...(byDay.get(day) ?? []), `${JSON.stringify(record)}\n`]);
      }
      for (const [name, lines] of byDay) {
        const handle = await open(join(folder, name), 'a');
        try {
          await handle.writeFile(lines.join(''));
          await handle.sync();
        } finally {
          await handle.close();
        }
      }
      await fsyncDir(folder);
    },
  };
}

// ── HTTPS target ─────────────────────────────────────────────────────────────────────────────────

export const FEED_SIGNATURE_HEADER = 'X-Flint-Signature';

/** `sha256=` hex(HMAC-SHA256(secret, body)): what the receiver recomputes over the raw body. */
export function feedSignature(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export interface HttpTargetOptions {
  url: URL;
  secret: string;
  /** Loopback and private addresses allowed (a receiver beside the feed; tests). */
  allowInternal: boolean;
  /** First wait before a retry; doubles up to `maxBackoffMs`. */
  backoffMs?: number;
  maxBackoffMs?: number;
  timeoutMs?: number;
  onRetry?: (attempt: number, reason: string, waitMs: number) => void;
}

function post(url: URL, body: Buffer, headers: Record<string, string>, policy: AddressPolicy, timeoutMs: number): Promise<number> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, { method: 'POST', headers: { ...headers, 'content-length': String(body.length) }, lookup: guardedLookup(policy, 'the feed’s address policy (--allow-internal)'), timeout: timeoutMs }, (res: IncomingMessage) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Each batch POSTed as `{"orgId", "events": [...]}`, signed in `X-Flint-Signature`; a 2xx
 * acknowledges it, anything else (or no answer) is retried with exponential backoff until it is
 * acknowledged or the feed is stopped. Files travel as metadata (the bytes stay in Flint, for
 * `flint compliance export`). The address policy is the webhooks': public addresses only, unless
 * `allowInternal`; redirects are not followed.
 */
export function httpTarget(options: HttpTargetOptions): FeedTarget {
  const policy: AddressPolicy = { mode: options.allowInternal ? 'any' : 'public', allow: EMPTY_ALLOW_LIST };
  const refused = refusedHost(policy, options.url.hostname);
  if (refused !== undefined) throw new FeedError(`${options.url.host} is a ${refused} address: the feed sends to public addresses only (--allow-internal for a receiver on this machine or network).`);
  const backoff = options.backoffMs ?? 1000;
  const maxBackoff = options.maxBackoffMs ?? 60_000;
  return {
    describe: options.url.origin + options.url.pathname,
    async deliver(batch, _sdk, signal) {
      const first = batch[0]!.record;
      const body = Buffer.from(JSON.stringify({ orgId: first.orgId, events: batch.map((p) => p.record) }));
      const headers = {
        'content-type': 'application/json',
        [FEED_SIGNATURE_HEADER]: feedSignature(options.secret, body),
        'X-Flint-Feed-Batch': `${first.id}-${batch[batch.length - 1]!.record.id}`,
        'user-agent': 'flint-compliance-feed',
      };
      for (let attempt = 1; ; attempt++) {
        let reason: string;
        try {
          const status = await post(options.url, body, headers, policy, options.timeoutMs ?? 30_000);
          if (status >= 200 && status < 300) return;
          reason = `HTTP ${status}`;
        } catch (error) {
          if (error instanceof Error && (error as { code?: string }).code === 'ETARGETREFUSED') throw new FeedError(error.message);
          reason = error instanceof Error ? error.message : String(error);
        }
        const wait = Math.min(maxBackoff, backoff * 2 ** (attempt - 1));
        options.onRetry?.(attempt, reason, wait);
        await sleep(wait, signal);
        if (signal.aborted) throw new Stopped();
      }
    },
  };
}

/** `dir:/path`, a plain path, or an http(s) URL. */
export function parseTarget(to: string): { kind: 'dir'; path: string } | { kind: 'http'; url: URL } {
  if (/^https?:\/\//i.test(to)) {
    const url = new URL(to);
    if (url.username !== '' || url.password !== '') throw new FeedError('--to: put no credentials in the URL (the batches are signed with --secret-file).');
    return { kind: 'http', url };
  }
  if (/^s3:/i.test(to)) throw new FeedError('--to: S3 buckets are not supported yet; use a folder (dir:/path) or an HTTPS endpoint.');
  const path = to.startsWith('dir:') ? to.slice(4) : to;
  if (path === '') throw new FeedError('--to: name a folder (dir:/path) or an https:// URL.');
  return { kind: 'dir', path };
}
