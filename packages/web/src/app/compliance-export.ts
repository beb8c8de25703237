/**
 * The admin console's eDiscovery (SPEC CP-2), in the browser: a search of the org (space, person,
 * dates, keywords through the blinded index) previewed, and exported as a zip of JSON or CSV with
 * every matching file in its original bytes — the same files and records as `flint compliance
 * export` (the SDK's compliance records), CSV by csv-stringify. Everything is read and decrypted
 * through the tab's SDK session as the officer: the core hands over ciphertext, the KMS the keys.
 *
 * The zip is built with fflate's streaming `Zip` as the pages arrive; it is gathered in a Blob, so
 * the tab holds the export once (the console says so, and points at the CLI, which streams to disk
 * and resumes, for large exports).
 * @module
 */
import { ZipDeflate, ZipPassThrough, strToU8 } from 'fflate';
import { zipToBlob } from './zip-blob.ts';
import { stringify } from 'csv-stringify/browser/esm/sync';
import { CSV_COLUMNS, eventRecord, fileRecord, membershipRecord, messageRecord, spaceRecord, type ComplianceFile, type ComplianceSpace, type ExportSection, type SecureMessage, type Session } from '@flint/sdk';

export interface ComplianceFilters {
  roomId?: string;
  personEmail?: string;
  /** ISO times. */
  from?: string;
  to?: string;
  keywords?: string;
}

export interface ComplianceExportProgress {
  phase: 'search' | ExportSection | 'done';
  messages: number;
  events: number;
  files: number;
  filesTotal: number;
}

const PAGE = 500;
/** Messages shown in a preview. */
export const PREVIEW_MAX = 50;

/** Message ids matching the keywords (undefined without keywords). */
async function hitsOf(sdk: Session, f: ComplianceFilters): Promise<Set<string> | undefined> {
  if (f.keywords === undefined || f.keywords.trim() === '') return undefined;
  const found = await sdk.compliance.search(f.keywords, {
    ...(f.roomId !== undefined ? { roomIds: [f.roomId] } : {}),
    ...(f.from !== undefined ? { from: new Date(f.from) } : {}),
    ...(f.to !== undefined ? { to: new Date(f.to) } : {}),
  });
  return new Set(found.map((h) => h.messageId));
}

function query(f: ComplianceFilters) {
  return {
    ...(f.roomId !== undefined ? { roomId: f.roomId } : {}),
    ...(f.personEmail !== undefined ? { personEmail: f.personEmail } : {}),
    ...(f.from !== undefined ? { from: f.from } : {}),
    ...(f.to !== undefined ? { to: f.to } : {}),
  };
}

/** Every space of the org, titles opened (for the form's space list and the preview). */
export async function orgSpaces(sdk: Session): Promise<ComplianceSpace[]> {
  const out: ComplianceSpace[] = [];
  let cursor: string | undefined;
  do {
    const page = await sdk.compliance.spaces({ max: 1000, ...(cursor !== undefined ? { cursor } : {}) });
    out.push(...page.items);
    cursor = page.next;
  } while (cursor !== undefined);
  return out;
}

/** The first matching messages, newest first, opened. */
export async function previewMessages(sdk: Session, f: ComplianceFilters): Promise<{ messages: SecureMessage[]; more: boolean }> {
  const hits = await hitsOf(sdk, f);
  if (hits !== undefined) {
    const ids = [...hits].slice(0, PREVIEW_MAX);
    const messages = (await Promise.all(ids.map((id) => sdk.compliance.message(id).catch(() => undefined)))).filter((m): m is SecureMessage => m !== undefined);
    const filtered = messages.filter((m) => f.personEmail === undefined || m.personEmail.toLowerCase() === f.personEmail.toLowerCase());
    return { messages: filtered.sort((a, b) => b.created.localeCompare(a.created)), more: hits.size > PREVIEW_MAX };
  }
  const page = await sdk.compliance.messages({ ...query(f), sort: 'newest', max: PREVIEW_MAX });
  return { messages: page.items, more: page.next !== undefined };
}

/** Builds the export zip; `onProgress` follows the sections and files. */
export async function exportCompliance(sdk: Session, f: ComplianceFilters, format: 'json' | 'csv', onProgress: (p: ComplianceExportProgress) => void): Promise<Blob> {
  const out = zipToBlob();
  const zip = out.zip;
  let blob: Blob;
  const progress: ComplianceExportProgress = { phase: 'search', messages: 0, events: 0, files: 0, filesTotal: 0 };
  const report = (p: Partial<ComplianceExportProgress>) => {
    Object.assign(progress, p);
    onProgress({ ...progress });
  };

  /** One section as one zip entry, written page by page (JSON array or CSV rows). */
  const section = async <T>(name: ExportSection, read: (cursor: string | undefined) => Promise<{ items: T[]; next?: string }>, toRecords: (items: T[]) => Record<string, unknown>[], count?: (n: number) => void) => {
    const entry = new ZipDeflate(`${name}.${format}`, { level: 6 });
    zip.add(entry);
    let first = true;
    let n = 0;
    if (format === 'json') entry.push(strToU8('['));
    let cursor: string | undefined;
    do {
      const streamError = out.failed();
    if (streamError !== undefined) throw streamError;
      const page = await read(cursor);
      const recs = toRecords(page.items);
      if (format === 'json') {
        for (const r of recs) {
          entry.push(strToU8(`${first ? '\n' : ',\n'}  ${JSON.stringify(r)}`));
          first = false;
        }
      } else if (recs.length > 0 || first) {
        entry.push(strToU8(stringify(recs, { header: first, columns: [...CSV_COLUMNS[name]], cast: { boolean: (v) => (v ? 'true' : 'false'), object: (v) => JSON.stringify(v) } })));
        first = false;
      }
      n += recs.length;
      count?.(n);
      cursor = page.next;
    } while (cursor !== undefined);
    entry.push(strToU8(format === 'json' ? (n === 0 ? ']\n' : '\n]\n') : ''), true);
  };

  try {
    report({ phase: 'search' });
    const hits = await hitsOf(sdk, f);
    const person = f.personEmail !== undefined ? (await sdk.api.people.list({ email: f.personEmail })).items[0]?.id : undefined;
    const q = query(f);
    const room = f.roomId !== undefined ? { roomId: f.roomId } : {};
    const cursorQ = (c: string | undefined) => (c !== undefined ? { cursor: c } : {});
    report({ phase: 'spaces' });
    await section<ComplianceSpace>('spaces', (c) => sdk.compliance.spaces({ max: PAGE, ...room, ...(person !== undefined ? { personId: person } : {}), ...cursorQ(c) }), (items) => items.map(spaceRecord));
    report({ phase: 'memberships' });
    await section('memberships', (c) => sdk.compliance.memberships({ max: PAGE, ...room, ...(f.personEmail !== undefined ? { personEmail: f.personEmail } : {}), ...cursorQ(c) }), (items) => items.map(membershipRecord));
    report({ phase: 'messages' });
    await section<SecureMessage>('messages', (c) => sdk.compliance.messages({ max: PAGE, ...q, ...cursorQ(c) }), (items) => items.filter((m) => hits === undefined || hits.has(m.id)).map(messageRecord), (n) => report({ messages: n }));
    report({ phase: 'events' });
    await section(
      'events',
      (c) => sdk.compliance.events({ max: PAGE, ...room, ...(f.from !== undefined ? { from: f.from } : {}), ...(f.to !== undefined ? { to: f.to } : {}), ...(person !== undefined ? { actorId: person } : {}), ...(hits !== undefined ? { resource: 'messages' } : {}), ...cursorQ(c) }),
      (items) => items.filter((e) => hits === undefined || (typeof e.data['id'] === 'string' && hits.has(e.data['id']))).map(eventRecord),
      (n) => report({ events: n }),
    );
    report({ phase: 'files' });
    const files: ComplianceFile[] = [];
    await section<ComplianceFile>(
      'files',
      (c) => sdk.compliance.files({ max: PAGE, ...q, ...cursorQ(c) }),
      (items) => {
        const kept = items.filter((x) => hits === undefined || hits.has(x.entry.messageId));
        files.push(...kept.filter((x) => x.reference !== undefined));
        return kept.map(fileRecord);
      },
    );
    report({ filesTotal: files.length });
    for (const file of files) {
      const streamError = out.failed();
    if (streamError !== undefined) throw streamError;
      // Stored as is: most files are compressed already.
      const entry = new ZipPassThrough(fileRecord(file).path);
      zip.add(entry);
      const download = await sdk.compliance.download(file.reference!);
      const reader = download.stream.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        entry.push(value);
      }
      await download.verified;
      entry.push(new Uint8Array(0), true);
      report({ files: progress.files + 1 });
    }
    const manifest = new ZipDeflate('manifest.json', { level: 6 });
    zip.add(manifest);
    manifest.push(strToU8(JSON.stringify({ format, filters: f, exportedAt: new Date().toISOString(), counts: { messages: progress.messages, events: progress.events, files: progress.files } }, null, 2)), true);
    blob = await out.finish();
  } catch (error) {
    zip.terminate();
    throw error;
  }
  report({ phase: 'done' });
  return blob;
}
