/**
 * The one mapping point between the core's stored events and webhook resources. Each resource says
 * which event types it covers, what its deliveries' `data` holds (an allow-list: never content,
 * ciphertext or a title), which filters it takes (the reference's table), which space an event
 * happened in, and which fields hold ids (Webex ids for webhooks registered through the gateway).
 *
 * Adding a resource is one entry here (plus its name in the protocol's WEBHOOK_RESOURCES).
 * @module
 */
import type { Kysely } from 'kysely';
import type { HydraType, WebhookEvent, WebhookResource } from '@flint/protocol';
import type { Database } from '../db/schema.ts';
import type { FilterSpec } from './filters.ts';

type Data = Readonly<Record<string, unknown>>;

/** A delivered `data`: the resource without content. */
export type WebhookData = Record<string, unknown> & { id: string };

export interface ResourceSpec {
  /** Stored event types (events/) this resource covers, and the webhook event each one is. */
  events: Readonly<Record<string, WebhookEvent>>;
  /** The space the event happened in: org-wide webhooks are the space's org's (undefined: none). */
  roomId(data: Data): string | undefined;
  /**
   * Looks up what the delivered data needs beyond the event, inside the event's transaction. Runs
   * only for events some webhook may receive.
   */
  enrich?(trx: Kysely<Database>, data: Data): Promise<Record<string, unknown>>;
  /** The delivered `data`, from the event's data and what `enrich` found. */
  present(data: Data, extra: Readonly<Record<string, unknown>>): WebhookData;
  /** Facts filters may test beyond the delivered data (e.g. hasFiles). */
  facts?(data: WebhookData, source: Data): Record<string, unknown>;
  filters: Readonly<Record<string, FilterSpec>>;
  /** Fields of the delivered data holding ids (or arrays of ids), by Webex id type. */
  hydraIds: Readonly<Record<string, HydraType>>;
  /**
   * The local part of the Webex `id` when it is not the native id: the gateway's ids must match
   * (a Webex membership id names the person and the space, `personUUID:roomUUID`).
   */
  hydraLocalId?(data: WebhookData): string | undefined;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Copies the listed fields that are present (so absent optional fields stay absent). */
function pick(data: Data, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) if (data[f] !== undefined && data[f] !== null) out[f] = data[f];
  return out;
}

export const RESOURCES: Readonly<Record<WebhookResource, ResourceSpec>> = {
  messages: {
    events: { 'message.created': 'created', 'message.updated': 'updated', 'message.deleted': 'deleted' },
    roomId: (d) => str(d['roomId']),
    present(d) {
      const out = pick(d, ['id', 'roomId', 'roomType', 'parentId', 'personId', 'personEmail', 'created', 'updated', 'deleted']);
      for (const list of ['mentionedPeople', 'mentionedGroups'] as const) {
        const v = d[list];
        if (Array.isArray(v) && v.length > 0) out[list] = v;
      }
      // Which files, never their sealed references (ciphertext): the file ids, in the message's order.
      const files = Array.isArray(d['files']) ? (d['files'] as { blobId?: unknown }[]).map((f) => f.blobId).filter((id) => typeof id === 'string') : [];
      if (files.length > 0) out['files'] = files;
      return out as WebhookData;
    },
    facts: (data, source) => ({
      hasFiles: Array.isArray(data['files']) && data['files'].length > 0,
      hasAttachments: Array.isArray(source['attachments']) && source['attachments'].length > 0,
    }),
    filters: {
      roomId: { kind: 'room', fact: 'roomId' },
      roomType: { kind: 'roomType', fact: 'roomType' },
      personId: { kind: 'person', fact: 'personId' },
      personEmail: { kind: 'email', fact: 'personEmail' },
      mentionedPeople: { kind: 'people', fact: 'mentionedPeople' },
      hasFiles: { kind: 'bool', fact: 'hasFiles' },
      hasAttachments: { kind: 'bool', fact: 'hasAttachments' },
    },
    hydraIds: { id: 'MESSAGE', roomId: 'ROOM', parentId: 'MESSAGE', personId: 'PEOPLE', mentionedPeople: 'PEOPLE', files: 'CONTENT' },
  },
  memberships: {
    events: { 'membership.created': 'created', 'membership.updated': 'updated', 'membership.deleted': 'deleted' },
    roomId: (d) => str(d['roomId']),
    present(d) {
      const out = pick(d, ['id', 'roomId', 'personId', 'personEmail', 'personDisplayName', 'personOrgId', 'isModerator', 'roomType', 'created']);
      out['isMonitor'] = false;
      return out as WebhookData;
    },
    filters: {
      roomId: { kind: 'room', fact: 'roomId' },
      personId: { kind: 'person', fact: 'personId' },
      personEmail: { kind: 'email', fact: 'personEmail' },
      isModerator: { kind: 'bool', fact: 'isModerator' },
    },
    hydraIds: { id: 'MEMBERSHIP', roomId: 'ROOM', personId: 'PEOPLE', personOrgId: 'ORGANIZATION' },
    hydraLocalId: (d) => (typeof d['personId'] === 'string' && typeof d['roomId'] === 'string' ? `${d['personId']}:${d['roomId']}` : undefined),
  },
  rooms: {
    // room.deleted carries only the id: filters on type or isLocked do not match it.
    events: { 'room.created': 'created', 'room.updated': 'updated', 'room.deleted': 'deleted' },
    roomId: (d) => str(d['id']),
    // Never the title (ciphertext) or the viewer's own state (favourite, unread counts).
    present: (d) => pick(d, ['id', 'type', 'isLocked', 'isAnnouncementOnly', 'teamId', 'creatorId', 'created', 'lastActivity']) as WebhookData,
    filters: {
      type: { kind: 'roomType', fact: 'type' },
      isLocked: { kind: 'bool', fact: 'isLocked' },
    },
    hydraIds: { id: 'ROOM', teamId: 'TEAM', creatorId: 'PEOPLE' },
  },
  attachmentActions: {
    // Delivered to the card's sender (and the submitter): the event's recipients. Never the inputs.
    events: { 'attachmentAction.created': 'created' },
    roomId: (d) => str(d['roomId']),
    present: (d) => pick(d, ['id', 'type', 'messageId', 'personId', 'roomId', 'created']) as WebhookData,
    filters: {
      messageId: { kind: 'message', fact: 'messageId' },
      personId: { kind: 'person', fact: 'personId' },
      roomId: { kind: 'room', fact: 'roomId' },
    },
    hydraIds: { id: 'ATTACHMENT_ACTION', messageId: 'MESSAGE', personId: 'PEOPLE', roomId: 'ROOM' },
  },
};

/** What the all-resource firehose (`resource=all`) covers, as at Webex: not attachment actions. */
export const FIREHOSE_RESOURCES: readonly WebhookResource[] = ['messages', 'memberships', 'rooms'];

export interface ResolvedEvent {
  resource: WebhookResource;
  event: WebhookEvent;
  spec: ResourceSpec;
}

const BY_TYPE = new Map<string, ResolvedEvent>();
for (const [resource, spec] of Object.entries(RESOURCES) as [WebhookResource, ResourceSpec][]) {
  for (const [type, event] of Object.entries(spec.events)) BY_TYPE.set(type, { resource, event, spec });
}

/** The webhook resource and event of a stored event type, if webhooks can watch it. */
export function resolveEventType(type: string): ResolvedEvent | undefined {
  return BY_TYPE.get(type);
}

/** The events a resource has (for checking a registration's `event`). */
export function eventsOf(resource: WebhookResource): WebhookEvent[] {
  return [...new Set(Object.values(RESOURCES[resource].events))];
}
