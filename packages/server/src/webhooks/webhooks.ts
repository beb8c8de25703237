/**
 * Webhook registrations (SPEC PL-2): register, list, get, change, delete. Who may do what:
 *
 * - anyone signed in (bots included) registers creator-owned webhooks, which deliver what the
 *   creator may see; only org administrators register org-owned ones (`ownedBy: org`), which deliver
 *   what anyone of the org may see;
 * - a webhook is visible to its creator, and an org-owned one to the org's administrators too;
 *   anyone else gets 404, as for a missing one;
 * - a filter naming a space the caller cannot see (or, org-wide, a space outside the org) is a 400
 *   ("invalid value for filter: roomId"), as at Webex.
 *
 * Every change bumps the registry's version in its transaction and reloads this instance's copy.
 * @module
 */
import type { Kysely } from 'kysely';
import { webhooks as wire, type Webhook, type WebhookEvent, type WebhookResource } from '@flint/protocol';
import type { Actor, Core } from '../core.ts';
import type { Database, WebhookRow } from '../db/schema.ts';
import { ApiError } from '../errors.ts';
import { newId } from '../infra/ids.ts';
import { loadSpace, seeSpace } from '../spaces/access.ts';
import { FilterError, parseFilter, type ParsedFilter } from './filters.ts';
import { presentWebhook } from './presenters.ts';
import { bumpWebhooksVersion } from './registry.ts';
import { RESOURCES, eventsOf } from './resources.ts';
import { refuseTarget } from './target-policy.ts';

export interface CreateWebhookInput {
  name: string;
  targetUrl: string;
  resource: WebhookResource | 'all';
  event: WebhookEvent | 'all';
  filter?: string | undefined;
  secret?: string | undefined;
  ownedBy?: 'creator' | 'org' | undefined;
  idFormat?: 'native' | 'hydra' | undefined;
}

export interface UpdateWebhookInput {
  name?: string | undefined;
  targetUrl?: string | undefined;
  secret?: string | undefined;
  ownedBy?: 'creator' | 'org' | undefined;
  status?: 'active' | 'inactive' | undefined;
}

function checkTarget(core: Core, targetUrl: string): void {
  const refused = refuseTarget(targetUrl, core.config.webhooks.targets);
  if (refused !== undefined) throw ApiError.badRequest(refused);
}

function checkOwnership(actor: Actor, ownedBy: 'creator' | 'org'): void {
  if (ownedBy === 'org' && !actor.isAdmin) throw ApiError.forbidden('ownedBy=org requires the organization administrator role.');
}

/** Filters may only name spaces (and people) the webhook could see. */
async function checkFilterAccess(db: Kysely<Database>, actor: Actor, ownedBy: 'creator' | 'org', resource: WebhookResource, filter: ParsedFilter): Promise<void> {
  const specs = RESOURCES[resource].filters;
  for (const [key, values] of filter) {
    const kind = specs[key]?.kind;
    const bad = () => ApiError.badRequest(`invalid value for filter: ${key}`);
    if (kind === 'room') {
      const roomId = values[0]!;
      const ok =
        ownedBy === 'org'
          ? (await loadSpace(db, roomId))?.org_id === actor.orgId || (await seeSpace(db, actor, roomId).then(() => true, () => false))
          : await seeSpace(db, actor, roomId).then(() => true, () => false);
      if (!ok) throw bad();
    } else if (kind === 'person' || kind === 'people') {
      const ids = values.filter((v) => v !== 'me');
      if (ids.length === 0) continue;
      const found = await db.selectFrom('people').select('id').where('id', 'in', ids).execute();
      if (found.length !== new Set(ids).size) throw bad();
    }
  }
}

async function parseAndCheckFilter(db: Kysely<Database>, actor: Actor, input: CreateWebhookInput, ownedBy: 'creator' | 'org', idFormat: 'native' | 'hydra'): Promise<void> {
  if (input.filter === undefined) return;
  if (input.resource === 'all') throw ApiError.badRequest('filter: the all-resource firehose takes no filter');
  let parsed: ParsedFilter;
  try {
    parsed = parseFilter(input.filter, RESOURCES[input.resource].filters, idFormat);
  } catch (error) {
    if (error instanceof FilterError) throw ApiError.badRequest(error.message);
    throw error;
  }
  await checkFilterAccess(db, actor, ownedBy, input.resource, parsed);
}

export async function createWebhook(core: Core, actor: Actor, input: CreateWebhookInput): Promise<Webhook> {
  const ownedBy = input.ownedBy ?? 'creator';
  const idFormat = input.idFormat ?? 'native';
  checkOwnership(actor, ownedBy);
  if (input.resource !== 'all' && input.event !== 'all' && !eventsOf(input.resource).includes(input.event)) {
    throw ApiError.badRequest(`event: ${input.resource} has no ${input.event} event (it has ${eventsOf(input.resource).join(', ')}, or all)`);
  }
  checkTarget(core, input.targetUrl);
  await parseAndCheckFilter(core.db, actor, input, ownedBy, idFormat);
  const now = core.now();
  const row: WebhookRow = {
    id: newId(),
    org_id: actor.orgId,
    created_by: actor.personId,
    app_id: wire.FLINT_APP_ID,
    name: input.name,
    target_url: input.targetUrl,
    resource: input.resource,
    event: input.event,
    filter: input.filter ?? null,
    secret: input.secret ?? null,
    status: 'active',
    owned_by: ownedBy,
    id_format: idFormat,
    failures: 0,
    failures_since: null,
    disabled_at: null,
    created_at: now,
    updated_at: now,
  };
  await core.db.transaction().execute(async (trx) => {
    // Check-then-insert: two registrations at the very same moment may overshoot by one.
    const count = await trx.selectFrom('webhooks').select((eb) => eb.fn.countAll<number>().as('n')).where('created_by', '=', actor.personId).executeTakeFirstOrThrow();
    if (Number(count.n) >= wire.WEBHOOK_LIMITS.perPerson) throw ApiError.badRequest(`One may have at most ${wire.WEBHOOK_LIMITS.perPerson} webhooks.`);
    await trx.insertInto('webhooks').values(row).execute();
    await bumpWebhooksVersion(trx);
  });
  await core.webhooks.load();
  return presentWebhook(row);
}

/** The webhook if the actor may see it (its creator, or an admin of its org for an org-owned one); else 404. */
async function visibleWebhook(db: Kysely<Database>, actor: Actor, id: string): Promise<WebhookRow> {
  const row = await db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
  const visible = row !== undefined && (row.created_by === actor.personId || (row.owned_by === 'org' && actor.isAdmin && row.org_id === actor.orgId));
  if (!visible) throw ApiError.notFound('webhook');
  return row;
}

export async function getWebhook(core: Core, actor: Actor, id: string): Promise<Webhook> {
  return presentWebhook(await visibleWebhook(core.db, actor, id));
}

export async function listWebhooks(core: Core, actor: Actor, input: { ownedBy?: 'org' | undefined; max: number; after?: string | undefined }): Promise<{ items: Webhook[]; next?: string }> {
  let q = core.db.selectFrom('webhooks').selectAll();
  if (input.ownedBy === 'org') {
    if (!actor.isAdmin) throw ApiError.forbidden('Listing org-wide webhooks requires the organization administrator role.');
    q = q.where('org_id', '=', actor.orgId).where('owned_by', '=', 'org');
  } else {
    q = q.where('created_by', '=', actor.personId);
  }
  if (input.after !== undefined) q = q.where('id', '>', input.after);
  const rows = await q.orderBy('id').limit(input.max + 1).execute();
  const page = rows.slice(0, input.max);
  const items = page.map(presentWebhook);
  const last = page.at(-1);
  return rows.length > input.max && last !== undefined ? { items, next: last.id } : { items };
}

export async function updateWebhook(core: Core, actor: Actor, id: string, input: UpdateWebhookInput): Promise<Webhook> {
  if (input.ownedBy !== undefined) checkOwnership(actor, input.ownedBy);
  if (input.targetUrl !== undefined) checkTarget(core, input.targetUrl);
  const updated = await core.db.transaction().execute(async (trx) => {
    const row = await visibleWebhook(trx, actor, id);
    const now = core.now();
    const set: Partial<WebhookRow> = { updated_at: now };
    if (input.name !== undefined) set.name = input.name;
    if (input.targetUrl !== undefined) set.target_url = input.targetUrl;
    if (input.secret !== undefined) set.secret = input.secret;
    if (input.ownedBy !== undefined) set.owned_by = input.ownedBy;
    if (input.status !== undefined && input.status !== row.status) {
      set.status = input.status;
      // Re-enabled: the failure window starts afresh.
      if (input.status === 'active') Object.assign(set, { failures: 0, failures_since: null, disabled_at: null });
    }
    await trx.updateTable('webhooks').set(set).where('id', '=', id).execute();
    await bumpWebhooksVersion(trx);
    return { ...row, ...set };
  });
  await core.webhooks.load();
  return presentWebhook(updated);
}

export async function deleteWebhook(core: Core, actor: Actor, id: string): Promise<void> {
  await core.db.transaction().execute(async (trx) => {
    await visibleWebhook(trx, actor, id);
    // Deliveries still queued for it find it gone and are dropped.
    await trx.deleteFrom('webhooks').where('id', '=', id).execute();
    await bumpWebhooksVersion(trx);
  });
  await core.webhooks.load();
}
