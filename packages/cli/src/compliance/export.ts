/**
 * eDiscovery export (SPEC CP-2) for `flint compliance export`: everything of the org that matches the
 * filters — spaces, memberships, messages as they are now, their history (created, edited, deleted:
 * the events), and the files in their original bytes — read and decrypted through the officer's SDK
 * session only, and packed into one zip as JSON or CSV.
 *
 * Large exports (100,000 messages, gigabytes of files) run in flat memory and resume:
 * - Each section is read page by page (oldest first, by the compliance API's cursor) and appended as
 *   JSON lines to a staging folder beside the output (`<out>.partial/`); after each page the
 *   section's cursor and file length are saved (`state.json`, written then renamed). A restart
 *   truncates each part to its saved length and goes on from the saved cursor: nothing is lost and
 *   nothing is written twice.
 * - Files are decrypted as they stream to `files/<id>.part`, renamed when whole and checked (size,
 *   SHA-256: the SDK's `verified`); a restart skips the files already there.
 * - Last, the zip is streamed from the staging folder (yazl reads each file from disk when its turn
 *   comes; the JSON arrays and CSV rows are produced line by line from the parts, CSV by
 *   csv-stringify), to `<out>.tmp`, renamed to `<out>`, and the staging folder removed.
 * The cost of resumability is disk: the staging folder holds the export once more until the end.
 * @module
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { PassThrough, Readable, Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { stringify } from 'csv-stringify';
import yazl from 'yazl';
import type { Membership } from '@flint/protocol';
import { CSV_COLUMNS, EXPORT_SECTIONS, eventRecord, fileRecord, membershipRecord, messageRecord, spaceRecord, type ComplianceFile, type ComplianceSpace, type ExportSection, type OpenedComplianceEvent, type SecureMessage, type Session } from '@flint/sdk';

export interface ExportFilters {
  /** Only this space. */
  roomId?: string;
  /** Only this person: their messages, files and actions, their memberships, their spaces. */
  personEmail?: string;
  /** ISO times: at or after, before. */
  from?: string;
  to?: string;
  /** Only messages matching every word (through the blinded index), their files and history. */
  keywords?: string;
}

export interface ExportOptions {
  out: string;
  format: 'json' | 'csv';
  filters: ExportFilters;
  /** Items per request (default 500). */
  pageSize?: number;
  onProgress?: (p: ExportProgress) => void;
}

export interface ExportProgress {
  phase: 'search' | 'spaces' | 'memberships' | 'messages' | 'events' | 'files' | 'zip' | 'done';
  items: number;
  /** Files: bytes written of `bytesTotal`; zip: bytes of the zip so far. */
  bytes: number;
  bytesTotal: number;
  resumed: boolean;
}

export interface ExportResult {
  counts: Record<'spaces' | 'memberships' | 'messages' | 'events' | 'files', number>;
  resumed: boolean;
}

type Section = ExportSection;
const SECTIONS = EXPORT_SECTIONS;

interface SectionState {
  cursor?: string;
  done: boolean;
  /** The part's length after the last saved page. */
  bytes: number;
  count: number;
}

interface State {
  version: 1;
  format: 'json' | 'csv';
  filters: ExportFilters;
  startedAt: string;
  sections: Record<Section, SectionState>;
  /** Message ids matching `keywords` (set once the search ran). */
  hits?: string[];
  filesDone: boolean;
}

export class ExportError extends Error {}

const sameFilters = (a: ExportFilters, b: ExportFilters) => JSON.stringify(a, Object.keys(a).sort()) === JSON.stringify(b, Object.keys(b).sort());

// ── The staging folder ──────────────────────────────────────────────────────────────────────────

class Staging {
  constructor(readonly dir: string) {}

  part(section: Section): string {
    return join(this.dir, `${section}.ndjson`);
  }

  async load(): Promise<State | undefined> {
    try {
      return JSON.parse(await readFile(join(this.dir, 'state.json'), 'utf8')) as State;
    } catch {
      return undefined;
    }
  }

  async save(state: State): Promise<void> {
    const tmp = join(this.dir, 'state.json.tmp');
    await writeFile(tmp, JSON.stringify(state));
    await rename(tmp, join(this.dir, 'state.json'));
  }

  /** Appends lines to a part and makes them durable; answers the part's new length. */
  async append(section: Section, records: readonly unknown[]): Promise<number> {
    const handle = await open(this.part(section), 'a');
    try {
      if (records.length > 0) await handle.write(records.map((r) => `${JSON.stringify(r)}\n`).join(''));
      await handle.sync();
      return (await handle.stat()).size;
    } finally {
      await handle.close();
    }
  }
}

/** Lines of a part, one record at a time (never the whole part in memory). */
async function* records(path: string): AsyncGenerator<Record<string, unknown>> {
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) if (line !== '') yield JSON.parse(line) as Record<string, unknown>;
}

/** A part as a JSON array, streamed. */
function jsonArray(path: string): Readable {
  return Readable.from(
    (async function* () {
      let first = true;
      yield '[';
      for await (const r of records(path)) {
        yield `${first ? '\n' : ',\n'}${JSON.stringify(r, null, 2).replace(/\n/g, '\n  ').replace(/^/, '  ')}`;
        first = false;
      }
      yield first ? ']\n' : '\n]\n';
    })(),
  );
}

/** A part as CSV, streamed through csv-stringify (arrays and objects as JSON in their cell). */
function csv(path: string, columns: readonly string[]): Readable {
  const out = stringify({ header: true, columns: [...columns], cast: { boolean: (v) => (v ? 'true' : 'false'), object: (v) => JSON.stringify(v) } });
  void pipeline(
    Readable.from(
      (async function* () {
        for await (const r of records(path)) yield r;
      })(),
    ),
    out,
  ).catch((error: unknown) => out.destroy(error as Error));
  return out;
}

// ── The export ──────────────────────────────────────────────────────────────────────────────────

/** Runs (or resumes) an export to `options.out`. */
export async function runExport(sdk: Session, options: ExportOptions): Promise<ExportResult> {
  const staging = new Staging(`${options.out}.partial`);
  const pageSize = options.pageSize ?? 500;
  const { filters } = options;
  await mkdir(dirname(options.out), { recursive: true });
  await mkdir(join(staging.dir, 'files'), { recursive: true });
  let state = await staging.load();
  const resumed = state !== undefined;
  if (state !== undefined && (state.format !== options.format || !sameFilters(state.filters, filters))) {
    throw new ExportError(`${staging.dir} holds a partial export with other filters or format; use the same ones to resume it, or remove it to start again.`);
  }
  state ??= {
    version: 1,
    format: options.format,
    filters,
    startedAt: new Date().toISOString(),
    sections: Object.fromEntries(SECTIONS.map((s) => [s, { done: false, bytes: 0, count: 0 }])) as Record<Section, SectionState>,
    filesDone: false,
  };
  // Whatever a killed run appended after its last saved page goes.
  for (const section of SECTIONS) {
    const path = staging.part(section);
    const size = await stat(path).then((s) => s.size, () => -1);
    if (size === -1) await writeFile(path, '');
    else if (size > state.sections[section].bytes) await truncate(path, state.sections[section].bytes);
  }
  await staging.save(state);
  const progress: ExportProgress = { phase: 'spaces', items: 0, bytes: 0, bytesTotal: 0, resumed };
  const report = (p: Partial<ExportProgress>) => {
    Object.assign(progress, p);
    options.onProgress?.({ ...progress });
  };

  // Keywords: the matching message ids, once (the search pages through the org's spaces in batches).
  let hits: Set<string> | undefined;
  if (filters.keywords !== undefined) {
    if (state.hits === undefined) {
      report({ phase: 'search', items: 0 });
      const found = await sdk.compliance.search(filters.keywords, {
        ...(filters.roomId !== undefined ? { roomIds: [filters.roomId] } : {}),
        ...(filters.from !== undefined ? { from: new Date(filters.from) } : {}),
        ...(filters.to !== undefined ? { to: new Date(filters.to) } : {}),
      });
      state.hits = [...new Set(found.map((h) => h.messageId))];
      await staging.save(state);
    }
    hits = new Set(state.hits);
  }
  const personId = filters.personEmail === undefined ? undefined : await personIdOf(sdk, filters.personEmail);
  const roomQ = filters.roomId !== undefined ? { roomId: filters.roomId } : {};
  const personQ = filters.personEmail !== undefined ? { personEmail: filters.personEmail } : {};
  const dateQ = { ...(filters.from !== undefined ? { from: filters.from } : {}), ...(filters.to !== undefined ? { to: filters.to } : {}) };

  /** One section, page by page from its saved cursor. */
  const section = async <T>(name: Section, read: (cursor: string | undefined) => Promise<{ items: T[]; next?: string }>, toRecords: (items: T[]) => Promise<unknown[]> | unknown[]) => {
    const s = state.sections[name];
    report({ phase: name, items: s.count });
    while (!s.done) {
      const page = await read(s.cursor);
      const recs = await toRecords(page.items);
      s.bytes = await staging.append(name, recs);
      s.count += recs.length;
      if (page.next === undefined) s.done = true;
      else s.cursor = page.next;
      await staging.save(state);
      report({ items: s.count });
    }
  };

  if (personId === null) {
    // An address that names nobody: an empty export, said so in the manifest.
    for (const name of SECTIONS) state.sections[name].done = true;
  }
  const pid = personId ?? undefined;
  await section<ComplianceSpace>('spaces', (cursor) => sdk.compliance.spaces({ max: pageSize, ...roomQ, ...(pid !== undefined ? { personId: pid } : {}), ...(cursor !== undefined ? { cursor } : {}) }), (items) => items.map(spaceRecord));
  await section<Membership>('memberships', (cursor) => sdk.compliance.memberships({ max: pageSize, ...roomQ, ...personQ, ...(cursor !== undefined ? { cursor } : {}) }), (items) => items.map(membershipRecord));
  await section<SecureMessage>(
    'messages',
    (cursor) => sdk.compliance.messages({ max: pageSize, ...roomQ, ...personQ, ...dateQ, ...(cursor !== undefined ? { cursor } : {}) }),
    (items) => {
      // Keys refused by the KMS make an export of sealed text: stop and say why instead.
      const refused = items.find((m) => m.decryptError?.kind === 'refused');
      if (refused !== undefined) throw new ExportError(`The KMS gave no key (${refused.decryptError!.message}). Is this person a compliance officer at the KMS (flint kms officers add), and is this device enrolled?`);
      return items.filter((m) => hits === undefined || hits.has(m.id)).map(messageRecord);
    },
  );
  await section<OpenedComplianceEvent>(
    'events',
    (cursor) => sdk.compliance.events({ max: pageSize, ...roomQ, ...dateQ, ...(pid !== undefined ? { actorId: pid } : {}), ...(hits !== undefined ? { resource: 'messages' } : {}), ...(cursor !== undefined ? { cursor } : {}) }),
    (items) => items.filter((e) => hits === undefined || (typeof e.data['id'] === 'string' && hits.has(e.data['id']))).map(eventRecord),
  );
  await section<ComplianceFile>(
    'files',
    (cursor) => sdk.compliance.files({ max: pageSize, ...roomQ, ...personQ, ...dateQ, ...(cursor !== undefined ? { cursor } : {}) }),
    (items) => items.filter((f) => hits === undefined || hits.has(f.entry.messageId)).map(fileRecord),
  );

  // The files' bytes, each decrypted to disk and checked; those already there are skipped.
  if (!state.filesDone) {
    let total = 0;
    for await (const f of records(staging.part('files'))) total += typeof f['size'] === 'number' ? f['size'] : 0;
    let done = 0;
    let count = 0;
    report({ phase: 'files', items: 0, bytes: 0, bytesTotal: total });
    for await (const f of records(staging.part('files'))) {
      const id = f['fileId'] as string;
      const size = typeof f['size'] === 'number' ? f['size'] : undefined;
      const target = join(staging.dir, 'files', id);
      const have = await stat(target).then((s) => s.size, () => -1);
      if (size !== undefined && have !== size) {
        await downloadOne(sdk, f, `${target}.part`, (n) => report({ bytes: done + n }));
        await rename(`${target}.part`, target);
      }
      done += size ?? 0;
      count++;
      report({ items: count, bytes: done });
    }
    state.filesDone = true;
    await staging.save(state);
  }

  // The zip, streamed from the staging folder.
  const counts = Object.fromEntries(SECTIONS.map((s) => [s, state.sections[s].count])) as ExportResult['counts'];
  const zip = new yazl.ZipFile();
  const manifest = { format: options.format, filters, org: (await sdk.api.people.me()).orgId, exportedBy: (await sdk.api.people.me()).emails[0], startedAt: state.startedAt, finishedAt: new Date().toISOString(), counts, ...(personId === null ? { note: 'The person filter names nobody.' } : {}) };
  zip.addBuffer(Buffer.from(JSON.stringify(manifest, null, 2)), 'manifest.json');
  for (const name of SECTIONS) {
    const path = staging.part(name);
    if (options.format === 'json') zip.addReadStream(jsonArray(path), `${name}.json`);
    else zip.addReadStream(csv(path, CSV_COLUMNS[name]), `${name}.csv`);
  }
  for await (const f of records(staging.part('files'))) {
    if (typeof f['size'] !== 'number') continue;
    // Stored as they are: most files are compressed already.
    zip.addFile(join(staging.dir, 'files', f['fileId'] as string), f['path'] as string, { compress: false });
  }
  zip.end();
  let zipped = 0;
  report({ phase: 'zip', items: 0, bytes: 0, bytesTotal: 0 });
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      zipped += chunk.length;
      report({ bytes: zipped });
      done(null, chunk);
    },
  });
  await pipeline(zip.outputStream as unknown as Readable, counter, createWriteStream(`${options.out}.tmp`));
  await rename(`${options.out}.tmp`, options.out);
  await rm(staging.dir, { recursive: true, force: true });
  report({ phase: 'done' });
  return { counts, resumed };
}

async function personIdOf(sdk: Session, email: string): Promise<string | null> {
  const found = (await sdk.api.people.list({ email })).items[0];
  return found?.id ?? null;
}

/** Decrypts one file to `path` as it streams, and waits for its check (size, SHA-256). */
async function downloadOne(sdk: Session, f: Record<string, unknown>, path: string, onBytes: (n: number) => void): Promise<void> {
  const reference = await referenceOf(sdk, f);
  const download = await sdk.compliance.download(reference);
  let n = 0;
  const count = new PassThrough();
  count.on('data', (chunk: Buffer) => {
    n += chunk.length;
    onBytes(n);
  });
  await pipeline(Readable.fromWeb(download.stream as NodeReadableStream<Uint8Array>), count, createWriteStream(path) as Writable);
  await download.verified;
}

/** The file's opened reference, from its message (fetched again: references are not kept on disk). */
async function referenceOf(sdk: Session, f: Record<string, unknown>) {
  const message = await sdk.compliance.message(f['messageId'] as string);
  const refs = await sdk.files.references(message);
  const index = (message.files ?? []).findIndex((x) => x.blobId === f['fileId']);
  const ref = refs[index];
  if (ref === undefined || ref instanceof Error) throw new ExportError(`The file ${String(f['fileId'])} could not be opened.`);
  return ref;
}
