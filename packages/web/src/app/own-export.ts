/**
 * A person's own data, exported (SPEC ID-10): their profile, every space they are a member of (title,
 * members), every message they can read there (decrypted on this device) and every file's original
 * bytes (decrypted and verified), streamed into a zip with fflate's streaming `Zip`:
 *
 *   profile.json
 *   spaces/<id>/space.json      id, type, title, created, members
 *   spaces/<id>/messages.json   oldest first: id, parentId, author, times, text, markdown, files
 *   spaces/<id>/files/<name>    the original bytes (a name taken twice gets " (2)", " (3)" …)
 *
 * Everything goes through the SDK session, which only ever answers what the person may read: the
 * spaces listed are theirs, nothing of another space is asked for. The zip is gathered as a Blob
 * (memory grows with the export; docs/admin.md says so).
 * @module
 */
import { ZipDeflate, ZipPassThrough, strToU8 } from 'fflate';
import { zipToBlob } from './zip-blob.ts';
import type { FileReference, SecureMessage, SecureRoom, Session } from '@flint/sdk';
import type { Membership } from '@flint/protocol';

export interface ExportProgress {
  spacesDone: number;
  spacesTotal: number;
  messages: number;
  files: number;
}

const PAGE = 1000;

/** A file name safe inside the zip: no path separators, no control characters, never empty. */
function safeName(name: string): string {
  const cleaned = [...name]
    .map((c) => (c === '/' || c === '\\' || c.charCodeAt(0) < 0x20 ? '_' : c))
    .join('')
    .replace(/^\.+/, '_')
    .slice(0, 200);
  return cleaned === '' ? 'file' : cleaned;
}

/** `name`, or `name (2).ext`, `name (3).ext` … when taken. */
function uniqueName(name: string, taken: Set<string>): string {
  let candidate = name;
  const dot = name.lastIndexOf('.');
  const [base, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  for (let n = 2; taken.has(candidate); n++) candidate = `${base} (${n})${ext}`;
  taken.add(candidate);
  return candidate;
}

async function allSpaces(sdk: Session): Promise<SecureRoom[]> {
  const out: SecureRoom[] = [];
  let page: Awaited<ReturnType<Session['spaces']['list']>> | undefined = await sdk.spaces.list({ max: PAGE });
  while (page !== undefined) {
    out.push(...page.items);
    page = page.next === undefined ? undefined : await sdk.spaces.next(page);
  }
  return out;
}

async function allMembers(sdk: Session, roomId: string): Promise<Membership[]> {
  const out: Membership[] = [];
  let page = await sdk.members.list({ roomId, max: PAGE });
  for (;;) {
    out.push(...page.items);
    if (page.next === undefined) return out;
    const next = await sdk.api.nextPage<Membership>(page);
    if (next === undefined) return out;
    page = next;
  }
}

/** Every message of a space, newest first as the server pages them (by the last one seen). */
async function allMessages(sdk: Session, roomId: string): Promise<SecureMessage[]> {
  const out: SecureMessage[] = [];
  let beforeMessage: string | undefined;
  for (;;) {
    const page = await sdk.messages.list({ roomId, max: PAGE, ...(beforeMessage !== undefined ? { beforeMessage } : {}) });
    out.push(...page.items);
    if (page.items.length < PAGE) return out;
    beforeMessage = page.items[page.items.length - 1]!.id;
  }
}

/** Builds the export zip; `onProgress` follows spaces, messages and files as they are done. */
export async function exportOwnData(sdk: Session, onProgress: (p: ExportProgress) => void, signal?: AbortSignal): Promise<Blob> {
  const out = zipToBlob();
  const zip = out.zip;
  let blob: Blob;
  const addJson = (path: string, value: unknown) => {
    const entry = new ZipDeflate(path, { level: 6 });
    zip.add(entry);
    entry.push(strToU8(JSON.stringify(value, null, 2)), true);
  };
  const check = () => {
    if (signal?.aborted === true) throw new DOMException('The export was cancelled.', 'AbortError');
    const streamError = out.failed();
    if (streamError !== undefined) throw streamError;
  };

  try {
    const profile = await sdk.api.people.me();
    addJson('profile.json', profile);
    const spaces = await allSpaces(sdk);
    const progress: ExportProgress = { spacesDone: 0, spacesTotal: spaces.length, messages: 0, files: 0 };
    onProgress({ ...progress });
    for (const space of spaces) {
      check();
      const members = await allMembers(sdk, space.id);
      addJson(`spaces/${space.id}/space.json`, {
        id: space.id,
        type: space.type,
        title: space.title,
        ...(space.teamId !== undefined ? { teamId: space.teamId } : {}),
        created: space.created,
        members: members.map((m) => ({ personId: m.personId, email: m.personEmail, displayName: m.personDisplayName, isModerator: m.isModerator, ...(m.personIsGuest === true ? { guest: true } : {}) })),
      });
      const messages = (await allMessages(sdk, space.id)).reverse();
      const taken = new Set<string>();
      const files: { path: string; reference: FileReference }[] = [];
      const entries = [];
      for (const message of messages) {
        const refs = await sdk.files.references(message);
        const named = refs.map((ref) => {
          if (ref instanceof Error) return { error: ref.message };
          const path = `files/${uniqueName(safeName(ref.name), taken)}`;
          files.push({ path, reference: ref });
          return { name: ref.name, type: ref.type, size: ref.size, path };
        });
        entries.push({
          id: message.id,
          ...(message.parentId !== undefined ? { parentId: message.parentId } : {}),
          personId: message.personId,
          personEmail: message.personEmail,
          created: message.created,
          ...(message.updated !== undefined ? { updated: message.updated } : {}),
          ...(message.text !== undefined ? { text: message.text } : {}),
          ...(message.markdown !== undefined ? { markdown: message.markdown } : {}),
          ...(named.length > 0 ? { files: named } : {}),
          ...(message.decryptError !== undefined ? { decryptError: message.decryptError.message } : {}),
        });
      }
      addJson(`spaces/${space.id}/messages.json`, entries);
      progress.messages += entries.length;
      onProgress({ ...progress });
      for (const file of files) {
        check();
        // Stored as is: most files (images, archives, video) are compressed already.
        const entry = new ZipPassThrough(`spaces/${space.id}/${file.path}`);
        zip.add(entry);
        const download = await sdk.files.download(file.reference, signal !== undefined ? { signal } : {});
        const reader = download.stream.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          entry.push(value);
        }
        await download.verified;
        entry.push(new Uint8Array(0), true);
        progress.files += 1;
        onProgress({ ...progress });
      }
      progress.spacesDone += 1;
      onProgress({ ...progress });
    }
    blob = await out.finish();
    check();
  } catch (error) {
    zip.terminate();
    throw error;
  }
  return blob;
}
