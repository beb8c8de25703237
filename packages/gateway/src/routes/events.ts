/**
 * The Webex compliance API (SPEC CP-1, CP-2): `GET /v1/events` for compliance officers — the org's
 * activities with their content decrypted as Webex serves it — and what lets `/v1/rooms`,
 * `/v1/memberships`, `/v1/messages` and `/v1/contents` reach every space of the org for them.
 *
 * The gateway decrypts here as it does for every `/v1` caller: as the caller, with the caller's own
 * KMS access. The core's compliance API answers only holders of its `compliance_officer` role
 * (everyone else gets its 403), and the keys open only for officers the KMS's operator named; a
 * space whose keys the KMS refuses comes back with Webex's per-item `errors` (`kms_failure`).
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { compliance, type ComplianceEvent, type Membership, type Message, type Room } from '@flint/protocol';
import { FlintError, type ComplianceSpace, type OpenedComplianceEvent, type SecureMessage } from '@flint/sdk';
import type { Caller } from '../callers.ts';
import { WebexError } from '../errors.ts';
import { fieldId, hydra } from '../ids.ts';
import { presentMembership, presentMessage, presentRoom } from '../present.ts';
import { originOf, pageMax, queryEnum, queryString, setNextLink } from '../request.ts';
import { v1, type Gateway } from '../context.ts';

/** Webex's `/v1/events` resources Flint serves; `files` are the files of created messages. */
const RESOURCES = ['messages', 'memberships', 'rooms', 'files'] as const;
const TYPES = ['created', 'updated', 'deleted'] as const;

/** Whether the caller holds the core's compliance officer role (the core checks again on each read). */
export function isOfficer(caller: Caller): boolean {
  return caller.me.roles?.includes('compliance_officer') === true;
}

const notVisible = (error: unknown) => error instanceof FlintError && error.kind === 'refused' && (error.status === 404 || error.status === 403);

/**
 * A message the caller may read: as a member of its space, or else — for an officer — through the
 * compliance API. Sealed; the caller opens it.
 */
export async function readableMessage(caller: Caller, id: string): Promise<Message> {
  try {
    return await caller.session.api.messages.get(id);
  } catch (error) {
    if (!isOfficer(caller) || !notVisible(error)) throw error;
    return caller.session.api.transport.call(compliance.getMessage, { params: { id } });
  }
}

/** A Webex event item. */
interface WebexEvent {
  id: string;
  resource: (typeof RESOURCES)[number];
  type: (typeof TYPES)[number];
  actorId?: string;
  orgId: string;
  created: string;
  data: Record<string, unknown>;
}

function header(e: ComplianceEvent | OpenedComplianceEvent, resource: WebexEvent['resource'], local: string): Omit<WebexEvent, 'data'> {
  const out: Omit<WebexEvent, 'data'> = { id: hydra.event(local), resource, type: e.type, orgId: hydra.org(e.orgId), created: e.created };
  if (e.actorId !== undefined) out.actorId = hydra.person(e.actorId);
  return out;
}

/** One core activity as Webex events (a message's files become one `files` event each). */
async function presentEvent(caller: Caller, e: OpenedComplianceEvent, origin: string, wantFiles: boolean): Promise<WebexEvent[]> {
  if (wantFiles) {
    const message = e.data as unknown as SecureMessage;
    const refs = await caller.session.files.references(message);
    return refs.map((ref, index) => {
      const data: Record<string, unknown> = {
        id: hydra.content(message.id, index),
        messageId: hydra.message(message.id),
        roomId: hydra.room(message.roomId),
        personId: hydra.person(message.personId),
        personEmail: message.personEmail,
        contentUrl: `${origin}/v1/contents/${hydra.content(message.id, index)}`,
        created: message.created,
      };
      if (ref instanceof Error) data['errors'] = { name: { code: 'kms_failure', reason: ref.message } };
      else Object.assign(data, { name: ref.name, contentType: ref.type, size: ref.size });
      return { ...header(e, 'files', `${e.id}/${index}`), data };
    });
  }
  const base = header(e, e.resource, e.id);
  if (e.resource === 'messages') {
    const message = { ...(e.data as unknown as SecureMessage), ...(e.decryptError !== undefined ? { decryptError: e.decryptError } : {}) };
    const data: Record<string, unknown> = { ...presentMessage(message, origin), orgId: hydra.org(e.orgId) };
    if (typeof e.data['deleted'] === 'string') data['deleted'] = e.data['deleted'];
    return [{ ...base, data }];
  }
  if (e.resource === 'memberships') return [{ ...base, data: { ...presentMembership(e.data as unknown as Membership) } }];
  if (e.type === 'deleted') return [{ ...base, data: { id: hydra.room(e.roomId) } }];
  const room = { ...(e.data as unknown as Room), ...(e.decryptError !== undefined ? { decryptError: e.decryptError } : {}) };
  return [{ ...base, data: { ...presentRoom(room, e.orgId) } }];
}

function time(value: string | undefined, field: string): string | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw WebexError.badRequest(`${field}: an ISO-8601 time`);
  return new Date(ms).toISOString();
}

/** Officers' org-wide reads for `/v1/rooms` (the org's spaces, titles opened). */
export function presentOrgSpace(space: ComplianceSpace) {
  return presentRoom(space, space.orgId);
}

/** Retries a member's read through the compliance API when the caller is an officer who is not a member. */
export async function orOfficer<T>(caller: Caller, read: () => Promise<T>, asOfficer: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (!isOfficer(caller) || !notVisible(error)) throw error;
    return asOfficer();
  }
}

export function eventRoutes(app: FastifyInstance, gw: Gateway): void {
  v1(app, gw, 'GET', '/v1/events', async ({ req, reply, caller }) => {
    const resource = queryEnum(req.query, 'resource', RESOURCES);
    const type = queryEnum(req.query, 'type', TYPES);
    const actorRaw = queryString(req.query, 'actorId');
    const from = time(queryString(req.query, 'from', 40), 'from');
    const to = time(queryString(req.query, 'to', 40), 'to');
    const cursor = queryString(req.query, 'cursor', 300);
    const max = pageMax(req.query, 100, 1000);
    const wantFiles = resource === 'files';
    if (wantFiles && type !== undefined && type !== 'created') return { items: [] };
    const page = await caller.session.compliance.events({
      max,
      ...(resource !== undefined ? { resource: wantFiles ? 'messages' : resource } : {}),
      ...(wantFiles ? { type: 'created' } : type !== undefined ? { type } : {}),
      ...(actorRaw !== undefined ? { actorId: fieldId('PEOPLE', actorRaw, 'actorId') } : {}),
      ...(from !== undefined ? { from } : {}),
      ...(to !== undefined ? { to } : {}),
      ...(cursor !== undefined ? { cursor } : {}),
    });
    if (page.next !== undefined) setNextLink(req, reply, { cursor: page.next });
    const origin = originOf(req);
    const items: WebexEvent[] = [];
    for (const e of page.items) items.push(...(await presentEvent(caller, e, origin, wantFiles)));
    return { items };
  });
}
