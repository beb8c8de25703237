/**
 * Webhooks (SPEC PL-2): registrations in the Webex shape, and the envelope Flint POSTs to a
 * webhook's `targetUrl` when something it watches happens. The delivered `data` is the resource
 * without its content (no text, no title, no ciphertext): a receiver fetches the resource with its
 * own credentials, as Webex receivers do. The Webex-compatible gateway registers webhooks here with
 * `idFormat: 'hydra'`, so their deliveries carry Webex ids.
 * @module
 */
import { Type, type Static } from 'typebox';
import { Id, IdParams, PageMax, Timestamp } from './common.ts';
import { defineMethod } from './method.ts';

/**
 * The resources one may watch. Adding one: name it here, and give it its entry in the server's
 * `webhooks/resources.ts` (the type checker asks for it).
 */
export const WEBHOOK_RESOURCES = ['messages', 'memberships', 'rooms', 'attachmentActions'] as const;
export type WebhookResource = (typeof WEBHOOK_RESOURCES)[number];
export const WEBHOOK_EVENTS = ['created', 'updated', 'deleted'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** Explicit limits (docs/limits.md). */
export const WEBHOOK_LIMITS = {
  /** Webhooks one person may have registered (creator- and org-owned together). */
  perPerson: 100,
  nameChars: 128,
  targetUrlChars: 2048,
  secretChars: 256,
  filterChars: 1024,
  /** Values of a comma-separated filter (`mentionedPeople`). */
  filterValues: 20,
} as const;

/** `X-Spark-Signature: hex(HMAC-SHA1(secret, raw body))`, as Webex signs deliveries. */
export const SIGNATURE_HEADER = 'X-Spark-Signature';
/** The same on every attempt of one delivery: receivers drop repeats by it (delivery is at least once). */
export const DELIVERY_ID_HEADER = 'X-Flint-Delivery-Id';
/** The `appId` of webhooks registered through Flint's own APIs (Flint has no third-party apps yet). */
export const FLINT_APP_ID = '6d1c1f5e-2f52-4a7e-9f1e-0c4f1a5b7d20';

const ResourceName = Type.Enum([...WEBHOOK_RESOURCES, 'all'], { description: '`all` with `event: all` is the firehose' });
const EventName = Type.Enum([...WEBHOOK_EVENTS, 'all']);
const Status = Type.Enum(['active', 'inactive']);
const OwnedBy = Type.Enum(['creator', 'org'], { description: '`org`: org-wide, for org administrators' });
const IdFormat = Type.Enum(['native', 'hydra'], { description: '`hydra`: Webex ids in deliveries and filters (the gateway)' });
const Name = Type.String({ minLength: 1, maxLength: WEBHOOK_LIMITS.nameChars });
const TargetUrl = Type.String({ minLength: 1, maxLength: WEBHOOK_LIMITS.targetUrlChars, description: 'http:// or https://' });
const Secret = Type.String({ minLength: 1, maxLength: WEBHOOK_LIMITS.secretChars, description: 'signs deliveries (X-Spark-Signature)' });
const Filter = Type.String({ minLength: 1, maxLength: WEBHOOK_LIMITS.filterChars, description: '`key=value` pairs joined by `&`' });

export const Webhook = Type.Object({
  id: Id,
  name: Type.String(),
  targetUrl: Type.String(),
  resource: ResourceName,
  event: EventName,
  filter: Type.Optional(Type.String()),
  secret: Type.Optional(Type.String()),
  status: Status,
  created: Timestamp,
  ownedBy: OwnedBy,
  orgId: Id,
  createdBy: Id,
  appId: Id,
  idFormat: IdFormat,
});
export type Webhook = Static<typeof Webhook>;

export const CreateWebhookBody = Type.Object(
  {
    name: Name,
    targetUrl: TargetUrl,
    resource: ResourceName,
    event: EventName,
    filter: Type.Optional(Filter),
    secret: Type.Optional(Secret),
    ownedBy: Type.Optional(OwnedBy),
    idFormat: Type.Optional(IdFormat),
  },
  { additionalProperties: false },
);

export const createWebhook = defineMethod({
  id: 'webhooks.create',
  verb: 'POST',
  path: '/api/webhooks',
  summary: 'Register a webhook: Flint POSTs the events of `resource`/`event` that pass `filter` to `targetUrl`.',
  tag: 'webhooks',
  auth: 'person',
  body: CreateWebhookBody,
  response: Webhook,
  status: 200,
});

export const ListWebhooksQuery = Type.Object(
  {
    max: Type.Optional(PageMax),
    /** `org`: the organization's org-wide webhooks (administrators only). */
    ownedBy: Type.Optional(Type.Enum(['org'])),
    cursor: Type.Optional(Type.String({ maxLength: 300 })),
  },
  { additionalProperties: false },
);

export const listWebhooks = defineMethod({
  id: 'webhooks.list',
  verb: 'GET',
  path: '/api/webhooks',
  summary: 'One’s own webhooks (with ownedBy=org: the organization’s org-wide ones), oldest first.',
  tag: 'webhooks',
  auth: 'person',
  query: ListWebhooksQuery,
  response: Type.Object({ items: Type.Array(Webhook) }),
  status: 200,
});

export const getWebhook = defineMethod({
  id: 'webhooks.get',
  verb: 'GET',
  path: '/api/webhooks/:id',
  summary: 'One webhook.',
  tag: 'webhooks',
  auth: 'person',
  params: IdParams,
  response: Webhook,
  status: 200,
});

export const UpdateWebhookBody = Type.Object(
  {
    name: Type.Optional(Name),
    targetUrl: Type.Optional(TargetUrl),
    secret: Type.Optional(Secret),
    ownedBy: Type.Optional(OwnedBy),
    /** `active` re-enables a webhook that was disabled after failed deliveries. */
    status: Type.Optional(Status),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const updateWebhook = defineMethod({
  id: 'webhooks.update',
  verb: 'PUT',
  path: '/api/webhooks/:id',
  summary: 'Change a webhook’s name, target, secret, ownership or status (`active` re-enables it).',
  tag: 'webhooks',
  auth: 'person',
  params: IdParams,
  body: UpdateWebhookBody,
  response: Webhook,
  status: 200,
});

export const deleteWebhook = defineMethod({
  id: 'webhooks.delete',
  verb: 'DELETE',
  path: '/api/webhooks/:id',
  summary: 'Delete a webhook; deliveries still pending for it are dropped.',
  tag: 'webhooks',
  auth: 'person',
  params: IdParams,
  response: null,
  status: 204,
});

/**
 * What a receiver gets (the POST body). `id` is the webhook's id, as at Webex; `created` is when the
 * webhook was registered; `data` is the resource without content.
 */
export interface WebhookEnvelope {
  id: string;
  name: string;
  targetUrl: string;
  resource: WebhookResource;
  event: WebhookEvent;
  filter?: string;
  orgId: string;
  createdBy: string;
  appId: string;
  ownedBy: 'creator' | 'org';
  status: 'active' | 'inactive';
  actorId?: string;
  created: string;
  data: Record<string, unknown> & { id: string };
}
