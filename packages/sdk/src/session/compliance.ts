/**
 * A compliance officer's reads of their org (SPEC CP-1, CP-2): the core's compliance API gives the
 * org's ciphertext and metadata to holders of its `compliance_officer` role; this part opens it
 * with keys the KMS gives the officer — only when the KMS's own operator made them an officer
 * there (`flint kms officers add`). Without that grant everything lists and nothing opens
 * (`decryptError` on each item), which is the point: the core cannot grant reading.
 *
 * Lists page oldest first with an opaque `cursor` (what `next` holds), so an export can stop and
 * resume. Search blinds the words under the search keys of every key epoch of the org's spaces,
 * derived from keys the KMS gives the officer, in batches of spaces that fit one query.
 * @module
 */
import { blindTerm, packQuery, queryTerms, type QueryOptions } from '@flint/crypto';
import { compliance, search as searchMethods, type ComplianceEvent, type ComplianceRoom, type Membership, type Message, type MethodQuery, type MethodSpec, type files as fileMethods } from '@flint/protocol';
import { nextLink } from '../transport.ts';
import { downloadFile, type Download, type DownloadOptions } from '../files/download.ts';
import { openReference, type FileReference } from '../files/reference.ts';
import type { SearchEpoch } from '../search/search-keys.ts';
import { asFlintError, openRoom, type SessionContext } from './context.ts';
import { openMessage } from './messages.ts';
import type { SecureMessage } from './types.ts';
import type { FlintError } from '../errors.ts';

/** A page of a compliance list; `next` is the cursor of the page after it. */
export interface CompliancePage<T> {
  items: T[];
  next?: string;
}

/** A space of the org, its title opened (absent, with `decryptError`, when it does not open). */
export type ComplianceSpace = Omit<ComplianceRoom, 'title'> & { title?: string; decryptError?: FlintError };

/** An activity, its `data` opened: a message's content, a room's title. */
export type OpenedComplianceEvent = Omit<ComplianceEvent, 'data'> & { data: Record<string, unknown>; decryptError?: FlintError };

/** A file of the org's messages, its reference opened (or `error`). */
export interface ComplianceFile {
  entry: fileMethods.FileEntry;
  reference?: FileReference;
  error?: Error;
}

export interface ComplianceSearchOptions extends QueryOptions {
  roomIds?: string[];
  personId?: string;
  from?: Date;
  to?: Date;
  /** Stop after this many hits (default: every hit). */
  limit?: number;
}

const { SEARCH_LIMITS } = searchMethods;

function cursorOf(response: Response): string | undefined {
  const next = nextLink(response);
  return next === undefined ? undefined : (new URL(next).searchParams.get('cursor') ?? undefined);
}

export class Compliance {
  constructor(private readonly ctx: SessionContext) {}

  private async list<T>(method: MethodSpec, query: Record<string, unknown>): Promise<CompliancePage<T>> {
    const response = await this.ctx.api.transport.send(method, { query } as never);
    const body = (await response.json()) as { items: T[] };
    const next = cursorOf(response);
    return next === undefined ? { items: body.items } : { items: body.items, next };
  }

  /** The org's spaces, titles opened. */
  async spaces(query: MethodQuery<typeof compliance.listSpaces> = {}): Promise<CompliancePage<ComplianceSpace>> {
    const page = await this.list<ComplianceRoom>(compliance.listSpaces, query);
    return { ...page, items: await Promise.all(page.items.map((room) => openRoom(this.ctx, room) as Promise<ComplianceSpace>)) };
  }

  /** The current memberships of the org's spaces (their history is in `events`). */
  memberships(query: MethodQuery<typeof compliance.listMemberships> = {}): Promise<CompliancePage<Membership>> {
    return this.list<Membership>(compliance.listMemberships, query);
  }

  /** The org's messages as they are now, opened (each one that does not open carries `decryptError`). */
  async messages(query: MethodQuery<typeof compliance.listMessages> = {}): Promise<CompliancePage<SecureMessage>> {
    const page = await this.list<Message>(compliance.listMessages, query);
    return { ...page, items: await Promise.all(page.items.map((m) => openMessage(this.ctx, m))) };
  }

  async message(id: string): Promise<SecureMessage> {
    return openMessage(this.ctx, await this.ctx.api.transport.call(compliance.getMessage, { params: { id } }));
  }

  /** The org's activities (created, edited, deleted messages; memberships; rooms), `data` opened. */
  async events(query: MethodQuery<typeof compliance.listEvents> = {}): Promise<CompliancePage<OpenedComplianceEvent>> {
    const page = await this.list<ComplianceEvent>(compliance.listEvents, query);
    return { ...page, items: await Promise.all(page.items.map((e) => this.openEvent(e))) };
  }

  /** Opens one activity's data: a message's content and cards, a room's title. */
  async openEvent(event: ComplianceEvent): Promise<OpenedComplianceEvent> {
    try {
      if (event.resource === 'messages') {
        const opened = await openMessage(this.ctx, event.data as unknown as Message);
        const { decryptError, ...data } = opened;
        return decryptError === undefined ? { ...event, data } : { ...event, data, decryptError };
      }
      if (event.resource === 'rooms' && typeof event.data['title'] === 'string') {
        const opened = await openRoom(this.ctx, event.data as unknown as ComplianceRoom);
        const { decryptError, ...data } = opened;
        return decryptError === undefined ? { ...event, data } : { ...event, data, decryptError };
      }
      return event;
    } catch (error) {
      return { ...event, decryptError: asFlintError(error) };
    }
  }

  /** The files of the org's messages, references opened. */
  async files(query: MethodQuery<typeof compliance.listFiles> = {}): Promise<CompliancePage<ComplianceFile>> {
    const page = await this.list<fileMethods.FileEntry>(compliance.listFiles, query);
    const items = await Promise.all(
      page.items.map(async (entry): Promise<ComplianceFile> => {
        try {
          if (entry.encryptionKeyUrl === undefined) throw new Error('The file names no key.');
          return { entry, reference: await openReference(await this.ctx.keys.key(entry.encryptionKeyUrl), entry.reference) };
        } catch (error) {
          return { entry, error: error instanceof Error ? error : new Error(String(error)) };
        }
      }),
    );
    return { ...page, items };
  }

  /** A file's plaintext as a stream, checked whole (`verified`), as `files.download` does for members. */
  download(reference: FileReference, options: DownloadOptions = {}): Promise<Download> {
    return downloadFile(this.ctx.api, reference, options);
  }

  /**
   * Messages of the org's spaces matching `query` (every term), newest first within each batch of
   * spaces: the hits' ids, spaces and senders. Spaces whose keys the KMS refuses are skipped.
   */
  async search(query: string, options: ComplianceSearchOptions = {}): Promise<searchMethods.SearchHit[]> {
    const terms = queryTerms(query, options).slice(0, SEARCH_LIMITS.termsPerQuery);
    if (terms.length === 0) return [];
    const rooms: ComplianceRoom[] = [];
    if (options.roomIds !== undefined) {
      for (const roomId of options.roomIds) rooms.push(...(await this.list<ComplianceRoom>(compliance.listSpaces, { roomId })).items);
    } else {
      let cursor: string | undefined;
      do {
        const page: CompliancePage<ComplianceRoom> = await this.list<ComplianceRoom>(compliance.listSpaces, { max: 1000, ...(cursor !== undefined ? { cursor } : {}) });
        rooms.push(...page.items);
        cursor = page.next;
      } while (cursor !== undefined);
    }
    // Batches of spaces whose epochs fit one query.
    const batches: { roomIds: string[]; keys: SearchEpoch[] }[] = [];
    let batch: { roomIds: string[]; keys: SearchEpoch[] } = { roomIds: [], keys: [] };
    for (const room of rooms) {
      const epochs = await this.ctx.searchKeys.forRoom(room).catch(() => [] as SearchEpoch[]);
      if (epochs.length === 0) continue;
      if (batch.keys.length + epochs.length > SEARCH_LIMITS.keysPerQuery || batch.roomIds.length >= SEARCH_LIMITS.roomsPerQuery) {
        if (batch.roomIds.length > 0) batches.push(batch);
        batch = { roomIds: [], keys: [] };
      }
      batch.roomIds.push(room.id);
      batch.keys.push(...epochs.slice(0, SEARCH_LIMITS.keysPerQuery));
    }
    if (batch.roomIds.length > 0) batches.push(batch);
    const hits: searchMethods.SearchHit[] = [];
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    for (const { roomIds, keys } of batches) {
      const packed = packQuery(await Promise.all(terms.map((term) => Promise.all(keys.map(({ key }) => blindTerm(key, term))))));
      let cursor: string | undefined;
      do {
        const answer = await this.ctx.api.transport.call(compliance.searchMessages, {
          body: {
            terms: packed,
            roomIds,
            max: SEARCH_LIMITS.resultsPageMax,
            ...(options.personId !== undefined ? { personId: options.personId } : {}),
            ...(options.from !== undefined ? { from: options.from.toISOString() } : {}),
            ...(options.to !== undefined ? { to: options.to.toISOString() } : {}),
            ...(cursor !== undefined ? { cursor } : {}),
          },
        });
        hits.push(...answer.items);
        if (hits.length >= limit) return hits.slice(0, limit);
        cursor = answer.next;
      } while (cursor !== undefined);
    }
    return hits.sort((a, b) => b.created.localeCompare(a.created));
  }
}
