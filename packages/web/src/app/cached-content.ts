/**
 * What the encrypted local cache (local-cache.ts, SPEC SEC-7) keeps of the app's state, and in
 * which entries: `spaces` (the spaces list with titles, and people's names) and `timeline:<roomId>`
 * (the newest {@link CACHED_MESSAGES} top-level messages of each space opened in this tab). Only what
 * the cached view shows is kept — no keys, no key URLs, no file references.
 * @module
 */
import type { SecureMessage, SecureRoom } from '@flint/sdk';
import type { LocalCache } from './local-cache.ts';

/** Newest top-level messages kept per space. */
export const CACHED_MESSAGES = 50;
/** Spaces whose messages are kept (the most recently active ones). */
export const CACHED_TIMELINES = 100;

export interface CachedRoom {
  id: string;
  type: SecureRoom['type'];
  title?: string | undefined;
  directPersonId?: string | undefined;
  lastActivity: string;
  unreadCount?: number | undefined;
}

export interface CachedPerson {
  id: string;
  displayName: string;
}

export interface CachedSpaces {
  personId: string;
  rooms: CachedRoom[];
  people: CachedPerson[];
}

export interface CachedMessage {
  id: string;
  personId: string;
  text?: string | undefined;
  markdown?: string | undefined;
  created: string;
  edited: boolean;
  deleted: boolean;
  files: number;
}

export function cachedRoom(r: SecureRoom): CachedRoom {
  return { id: r.id, type: r.type, title: r.title, directPersonId: r.directPersonId, lastActivity: r.lastActivity, unreadCount: r.unreadCount };
}

export function cachedMessage(m: SecureMessage): CachedMessage {
  const deleted = m.deleted !== undefined;
  return {
    id: m.id,
    personId: m.personId,
    ...(deleted ? {} : { text: m.text, markdown: m.markdown }),
    created: m.created,
    edited: m.updated !== undefined,
    deleted,
    files: m.files?.length ?? 0,
  };
}

export const timelineEntry = (roomId: string) => `timeline:${roomId}`;

/** The spaces and people last shown, if the cache holds them for this person. */
export async function readSpaces(cache: LocalCache): Promise<CachedSpaces | undefined> {
  const spaces = await cache.read<CachedSpaces>('spaces');
  return spaces?.personId === cache.personId ? spaces : undefined;
}

export async function readTimeline(cache: LocalCache, roomId: string): Promise<CachedMessage[]> {
  return (await cache.read<CachedMessage[]>(timelineEntry(roomId))) ?? [];
}

/**
 * Writes what changed since the last call (compared by its JSON), so a busy tab does not reseal
 * every space each time anything moves. `written` is the caller's memory of the last writes; `live`
 * says whether the caller still writes to this cache.
 */
export async function writeChanged(cache: LocalCache, written: Map<string, string>, entries: Map<string, unknown>, live: () => boolean): Promise<void> {
  for (const [name, value] of entries) {
    // Detached meanwhile (the cache is being wiped): a write now would make the database again.
    if (!live()) return;
    const json = JSON.stringify(value);
    if (written.get(name) === json) continue;
    await cache.write(name, value);
    written.set(name, json);
  }
}
