/**
 * The compliance query API's domain (SPEC CP-1, CP-2): what an org's compliance officer reads of
 * the org — every space the org owns (`spaces.org_id`, the org of the person who made it, which is
 * also the org the KMS files the space's resource under), its memberships, its messages, their
 * history in the event log (edits and deletions), its files — as the core holds them: ciphertext
 * and metadata. Opening any of it takes the keys, which only the KMS gives, and only to the
 * officers its own operator named; the core's `compliance_officer` role opens these reads alone.
 *
 * Each function is one or two indexed queries and pages by an opaque cursor, oldest first, so a
 * long export walks the org once and can stop and resume anywhere (the clear-text feed builds on
 * `listOrgEvents` the same way).
 * @module
 */
import { sql, type Expression, type SqlBool } from 'kysely';
import { compliance, type Membership, type Message } from '@flint/protocol';
import type { Actor, Core } from '../core.ts';
import { ApiError } from '../errors.ts';
import { decodeCursor, encodeCursor } from '../paging/cursor.ts';
import { personBriefs } from '../spaces/access.ts';
import { presentMembership, presentMessage, presentRoom } from '../spaces/presenters.ts';
import { filesOfMessages } from '../spaces/message-files.ts';
import { presentFile } from '../files/presenters.ts';
import type { files } from '@flint/protocol';
import { searchOrgMessages, type SearchMessagesInput } from '../search/search-messages.ts';

type Page<T> = { items: T[]; next?: string };

/** Only the org's compliance officers (the core's role; the KMS decides about keys on its own). */
export function requireOfficer(actor: Actor): void {
  if (actor.isComplianceOfficer !== true) throw ApiError.forbidden('Only a compliance officer of the organization may read this.');
}

function pageMax(max: number | undefined): number {
  return Math.min(max ?? compliance.COMPLIANCE_LIMITS.pageDefault, compliance.COMPLIANCE_LIMITS.pageMax);
}

const isId = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 64;
const isPosition = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

function time(iso: string | undefined, field: string): number | undefined {
  if (iso === undefined) return undefined;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw ApiError.badRequest(`${field}: not a date-time`);
  return ms;
}

function pageOf<T, R>(rows: R[], max: number, present: (rows: R[]) => T[], cursorOf: (row: R) => unknown): Page<T> {
  const page = rows.slice(0, max);
  const items = present(page);
  const last = page.at(-1);
  return rows.length > max && last !== undefined ? { items, next: encodeCursor(cursorOf(last)) } : { items };
}

/**
 * The person a filter names, or `null` when it names nobody (so the list is empty). An address
 * is looked up in every org: people from outside post in the org's spaces too.
 */
async function personFilter(core: Core, input: { personId?: string | undefined; personEmail?: string | undefined }): Promise<string | null | undefined> {
  if (input.personId !== undefined && input.personEmail !== undefined) throw ApiError.badRequest('Give at most one of personId and personEmail.');
  if (input.personId !== undefined) return input.personId;
  if (input.personEmail === undefined) return undefined;
  const row = await core.db.selectFrom('people').select('id').where('email', '=', input.personEmail.toLowerCase()).executeTakeFirst();
  return row?.id ?? null;
}

/** The ids of the org's spaces (optionally one of them), as a subquery. */
function orgSpaces(core: Core, orgId: string, roomId?: string) {
  let q = core.db.selectFrom('spaces').select('spaces.id').where('spaces.org_id', '=', orgId);
  if (roomId !== undefined) q = q.where('spaces.id', '=', roomId);
  return q;
}

// ── Spaces ─────────────────────────────────────────────────────────────────────────────────────

export interface SpacesInput {
  roomId?: string | undefined;
  type?: 'group' | 'direct' | undefined;
  personId?: string | undefined;
  personEmail?: string | undefined;
  cursor?: string | undefined;
  max?: number | undefined;
}

export async function listOrgSpaces(core: Core, actor: Actor, input: SpacesInput): Promise<Page<compliance.ComplianceRoom>> {
  requireOfficer(actor);
  const max = pageMax(input.max);
  const person = await personFilter(core, input);
  if (person === null) return { items: [] };
  const after = decodeCursor(input.cursor, isId);
  let q = core.db.selectFrom('spaces as s').selectAll('s').where('s.org_id', '=', actor.orgId);
  if (input.roomId !== undefined) q = q.where('s.id', '=', input.roomId);
  if (input.type !== undefined) q = q.where('s.type', '=', input.type);
  if (person !== undefined) q = q.where((eb) => eb.exists(eb.selectFrom('memberships as m').select('m.id').whereRef('m.space_id', '=', 's.id').where('m.person_id', '=', person)));
  if (after !== undefined) q = q.where('s.id', '>', after);
  const rows = await q.orderBy('s.id').limit(max + 1).execute();
  const page = rows.slice(0, max);
  const members = new Map<string, string[]>();
  if (page.length > 0) {
    const ms = await core.db.selectFrom('memberships').select(['space_id', 'person_id']).where('space_id', 'in', page.map((r) => r.id)).orderBy('id').execute();
    for (const m of ms) members.set(m.space_id, [...(members.get(m.space_id) ?? []), m.person_id]);
  }
  return pageOf(
    rows,
    max,
    (p) => p.map((row) => ({ ...presentRoom(row), orgId: row.org_id, memberIds: members.get(row.id) ?? [] })),
    (r) => r.id,
  );
}

// ── Memberships ────────────────────────────────────────────────────────────────────────────────

export async function listOrgMemberships(core: Core, actor: Actor, input: { roomId?: string | undefined; personId?: string | undefined; personEmail?: string | undefined; cursor?: string | undefined; max?: number | undefined }): Promise<Page<Membership>> {
  requireOfficer(actor);
  const max = pageMax(input.max);
  const person = await personFilter(core, input);
  if (person === null) return { items: [] };
  const after = decodeCursor(input.cursor, isId);
  let q = core.db
    .selectFrom('memberships as m')
    .innerJoin('spaces as s', 's.id', 'm.space_id')
    .selectAll('m')
    .select('s.type as space_type')
    .where('s.org_id', '=', actor.orgId);
  if (input.roomId !== undefined) q = q.where('m.space_id', '=', input.roomId);
  if (person !== undefined) q = q.where('m.person_id', '=', person);
  if (after !== undefined) q = q.where('m.id', '>', after);
  const rows = await q.orderBy('m.id').limit(max + 1).execute();
  const people = await personBriefs(core.db, rows.slice(0, max).map((r) => r.person_id));
  return pageOf(
    rows,
    max,
    (p) => p.flatMap(({ space_type, ...row }) => {
      const brief = people.get(row.person_id);
      return brief === undefined ? [] : [presentMembership(row, brief, space_type)];
    }),
    (r) => r.id,
  );
}

// ── Messages ───────────────────────────────────────────────────────────────────────────────────

export interface MessagesInput {
  roomId?: string | undefined;
  parentId?: string | undefined;
  personId?: string | undefined;
  personEmail?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  sort?: 'oldest' | 'newest' | undefined;
  cursor?: string | undefined;
  max?: number | undefined;
}

export async function listOrgMessages(core: Core, actor: Actor, input: MessagesInput): Promise<Page<Message>> {
  requireOfficer(actor);
  const max = pageMax(input.max);
  const person = await personFilter(core, input);
  if (person === null) return { items: [] };
  const from = time(input.from, 'from');
  const to = time(input.to, 'to');
  const newest = input.sort === 'newest';
  const after = decodeCursor(input.cursor, isId);
  let q = core.db
    .selectFrom('messages as m')
    .innerJoin('spaces as s', 's.id', 'm.space_id')
    .selectAll('m')
    .select('s.type as space_type')
    .where('s.org_id', '=', actor.orgId);
  if (input.roomId !== undefined) q = q.where('m.space_id', '=', input.roomId);
  if (input.parentId !== undefined) q = q.where('m.parent_id', '=', input.parentId);
  if (person !== undefined) q = q.where('m.person_id', '=', person);
  if (from !== undefined) q = q.where('m.created_at', '>=', from);
  if (to !== undefined) q = q.where('m.created_at', '<', to);
  if (after !== undefined) q = q.where('m.id', newest ? '<' : '>', after);
  const rows = await q.orderBy('m.id', newest ? 'desc' : 'asc').limit(max + 1).execute();
  const page = rows.slice(0, max);
  const people = await personBriefs(core.db, page.map((r) => r.person_id));
  const files = await filesOfMessages(core.db, page.map((r) => r.id));
  return pageOf(
    rows,
    max,
    (p) => p.map(({ space_type, ...r }) => presentMessage(r, space_type, people.get(r.person_id)?.email ?? '', files.get(r.id))),
    (r) => r.id,
  );
}

export async function getOrgMessage(core: Core, actor: Actor, id: string): Promise<Message> {
  requireOfficer(actor);
  const row = await core.db
    .selectFrom('messages as m')
    .innerJoin('spaces as s', 's.id', 'm.space_id')
    .selectAll('m')
    .select(['s.type as space_type', 's.org_id'])
    .where('m.id', '=', id)
    .executeTakeFirst();
  if (row === undefined || row.org_id !== actor.orgId) throw ApiError.notFound('message');
  const { space_type, org_id: _org, ...message } = row;
  const email = (await personBriefs(core.db, [message.person_id])).get(message.person_id)?.email ?? '';
  return presentMessage(message, space_type, email, (await filesOfMessages(core.db, [id])).get(id));
}

// ── Files ──────────────────────────────────────────────────────────────────────────────────────

export async function listOrgFiles(core: Core, actor: Actor, input: { roomId?: string | undefined; personId?: string | undefined; personEmail?: string | undefined; from?: string | undefined; to?: string | undefined; cursor?: string | undefined; max?: number | undefined }): Promise<Page<files.FileEntry>> {
  requireOfficer(actor);
  const max = pageMax(input.max);
  const person = await personFilter(core, input);
  if (person === null) return { items: [] };
  const from = time(input.from, 'from');
  const to = time(input.to, 'to');
  const after = decodeCursor(input.cursor, isId);
  let q = core.db
    .selectFrom('files as f')
    .innerJoin('messages as m', 'm.id', 'f.message_id')
    .innerJoin('spaces as s', 's.id', 'f.space_id')
    .selectAll('f')
    .select('m.encryption_key_url')
    .where('s.org_id', '=', actor.orgId)
    .where('f.status', '=', 'complete')
    // Previews go with their file (their key is in its sealed reference).
    .where('f.preview_of', 'is', null);
  if (input.roomId !== undefined) q = q.where('f.space_id', '=', input.roomId);
  if (person !== undefined) q = q.where('f.person_id', '=', person);
  if (from !== undefined) q = q.where('m.created_at', '>=', from);
  if (to !== undefined) q = q.where('m.created_at', '<', to);
  if (after !== undefined) q = q.where('f.id', '>', after);
  const rows = await q.orderBy('f.id').limit(max + 1).execute();
  return pageOf(rows, max, (p) => p.map(presentFile), (r) => r.id);
}

// ── Events (history: edits, deletions, memberships over time) ───────────────────────────────────

/** Stored event types by compliance resource and type. */
const STORED: Record<compliance.ComplianceResource, Record<compliance.ComplianceEventType, string>> = {
  messages: { created: 'message.created', updated: 'message.updated', deleted: 'message.deleted' },
  memberships: { created: 'membership.created', updated: 'membership.updated', deleted: 'membership.deleted' },
  rooms: { created: 'room.created', updated: 'room.updated', deleted: 'room.deleted' },
};
const BY_STORED = new Map<string, { resource: compliance.ComplianceResource; type: compliance.ComplianceEventType }>();
for (const [resource, types] of Object.entries(STORED) as [compliance.ComplianceResource, Record<compliance.ComplianceEventType, string>][]) {
  for (const [type, stored] of Object.entries(types) as [compliance.ComplianceEventType, string][]) BY_STORED.set(stored, { resource, type });
}

function listParam<T extends string>(value: string | undefined, allowed: readonly T[], field: string): T[] {
  if (value === undefined) return [...allowed];
  const parts = value.split(',').map((v) => v.trim()).filter((v) => v !== '');
  for (const p of parts) if (!(allowed as readonly string[]).includes(p)) throw ApiError.badRequest(`${field}: one or more of ${allowed.join(', ')}`);
  return parts.length === 0 ? [...allowed] : [...new Set(parts as T[])];
}

export interface EventsInput {
  resource?: string | undefined;
  type?: string | undefined;
  actorId?: string | undefined;
  roomId?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  cursor?: string | undefined;
  /** An event id: only the events after it (a feed's durable position). */
  after?: string | undefined;
  max?: number | undefined;
}

/**
 * The org's activities from the event log, oldest first, read below the horizon (so a page never
 * steps over an event still being committed, and a cursor never skips one). A space's events name
 * the space; a room's creation is a per-person event (the creator's copy is the first, and the
 * one kept), found by the room id in its data. What the log no longer holds (pruned after
 * FLINT_EVENT_RETENTION_DAYS, or a deleted space's, whose row is gone) is not here.
 */
export async function listOrgEvents(core: Core, actor: Actor, input: EventsInput): Promise<Page<compliance.ComplianceEvent>> {
  requireOfficer(actor);
  const max = pageMax(input.max);
  const resources = listParam(input.resource, compliance.COMPLIANCE_RESOURCES, 'resource');
  const types = listParam(input.type, compliance.COMPLIANCE_EVENT_TYPES, 'type');
  const from = time(input.from, 'from');
  const to = time(input.to, 'to');
  if (input.cursor !== undefined && input.after !== undefined) throw ApiError.badRequest('after: not with cursor');
  const afterId = input.after === undefined ? undefined : Number(input.after);
  if (afterId !== undefined && !isPosition(afterId)) throw ApiError.badRequest('after: not an event id');
  const after = decodeCursor(input.cursor, isPosition) ?? afterId;
  const stored = resources.flatMap((r) => types.map((t) => STORED[r][t]));
  const spaceTypes = stored.filter((t) => t !== 'room.created');
  const roomCreated = stored.includes('room.created');
  const horizon = await core.events.positions.horizon();
  const pg = core.engine === 'postgres';
  const dataId = (alias: string): Expression<string> => (pg ? sql<string>`(${sql.ref(`${alias}.data`)}::json ->> 'id')` : sql<string>`json_extract(${sql.ref(`${alias}.data`)}, '$.id')`);
  let q = core.db
    .selectFrom('events as e')
    .select(['e.id', 'e.space_id', 'e.type', 'e.data', 'e.actor_id', 'e.created_at'])
    .where('e.id', '<', horizon)
    .where((eb) => {
      const parts: Expression<SqlBool>[] = [];
      if (spaceTypes.length > 0) parts.push(eb.and([eb('e.space_id', 'in', orgSpaces(core, actor.orgId, input.roomId)), eb('e.type', 'in', spaceTypes)]));
      if (roomCreated) {
        parts.push(
          eb.and([
            eb('e.type', '=', 'room.created'),
            eb('e.space_id', 'is', null),
            eb(dataId('e'), 'in', orgSpaces(core, actor.orgId, input.roomId)),
            sql<SqlBool>`not exists (select 1 from events e2 where e2.type = 'room.created' and e2.space_id is null and e2.id < e.id and ${dataId('e2')} = ${dataId('e')})`,
          ]),
        );
      }
      return parts.length === 0 ? sql<SqlBool>`1 = 0` : eb.or(parts);
    });
  if (input.actorId !== undefined) q = q.where('e.actor_id', '=', input.actorId);
  if (from !== undefined) q = q.where('e.created_at', '>=', from);
  if (to !== undefined) q = q.where('e.created_at', '<', to);
  if (after !== undefined) q = q.where('e.id', '>', after);
  const rows = await q.orderBy('e.id').limit(max + 1).execute();
  return pageOf(
    rows,
    max,
    (p) =>
      p.map((row) => {
        const kind = BY_STORED.get(row.type)!;
        const data = JSON.parse(row.data) as Record<string, unknown>;
        const roomId = row.space_id ?? (typeof data['id'] === 'string' ? data['id'] : '');
        const event: compliance.ComplianceEvent = { id: String(row.id), resource: kind.resource, type: kind.type, orgId: actor.orgId, roomId, created: new Date(Number(row.created_at)).toISOString(), data };
        if (row.actor_id !== null) event.actorId = row.actor_id;
        return event;
      }),
    (r) => Number(r.id),
  );
}

// ── Search ─────────────────────────────────────────────────────────────────────────────────────

/**
 * Blinded-index search over the org's spaces (SPEC CP-2). The officer's client blinds the words
 * with the search keys of each space's key epochs, which it can derive only from keys the KMS gave
 * it as an officer; the core matches tokens as it does for members, scoped to the org.
 */
export async function searchOrg(core: Core, actor: Actor, input: Omit<SearchMessagesInput, 'mentionsMe' | 'from' | 'to'> & { from?: string | undefined; to?: string | undefined }) {
  requireOfficer(actor);
  return searchOrgMessages(core, actor, { ...input, from: time(input.from, 'from'), to: time(input.to, 'to') });
}
