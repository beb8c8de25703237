/**
 * This instance's copy of the active webhooks, so matching an event costs no query: a transaction
 * that emits events asks here which webhooks might want them, in memory.
 *
 * Freshness: a change to webhooks (here, or on another instance, or an auto-disable) bumps the
 * `webhooks` row of `cache_versions` in its own transaction. The instance that made the change
 * reloads at once; every instance polls the version every second and reloads when it moved. So a
 * new webhook sees changes committed on its own instance from the moment it is answered, and on
 * other instances within about a second. A webhook deleted or disabled meanwhile is re-checked when
 * each delivery runs, so nothing is sent to it.
 * @module
 */
import type { Kysely } from 'kysely';
import type { WebhookEvent, WebhookResource } from '@flint/protocol';
import type { Database, WebhookRow } from '../db/schema.ts';
import type { Logger } from '../infra/logger.ts';
import { parseFilter, type ParsedFilter } from './filters.ts';
import { FIREHOSE_RESOURCES, RESOURCES } from './resources.ts';

export interface ActiveWebhook {
  id: string;
  orgId: string;
  createdBy: string;
  ownedBy: 'creator' | 'org';
  resource: WebhookResource | 'all';
  event: WebhookEvent | 'all';
  filter: ParsedFilter | undefined;
}

const VERSION_KEY = 'webhooks';
const REFRESH_MS = 1000;

/** Bumps the webhooks' version inside the transaction that changes them. */
export async function bumpWebhooksVersion(trx: Kysely<Database>): Promise<void> {
  await trx
    .insertInto('cache_versions')
    .values({ name: VERSION_KEY, version: 1 })
    .onConflict((oc) => oc.column('name').doUpdateSet((eb) => ({ version: eb('cache_versions.version', '+', 1) })))
    .execute();
}

export class WebhookRegistry {
  private byResource = new Map<WebhookResource, ActiveWebhook[]>();
  private count = 0;
  private version: number | undefined;
  private loads = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly log: Logger,
  ) {}

  /** True when no webhook is active anywhere: the event path then does nothing at all. */
  get isEmpty(): boolean {
    return this.count === 0;
  }

  /** Active webhooks that watch this resource and event (firehoses included). */
  candidates(resource: WebhookResource, event: WebhookEvent): readonly ActiveWebhook[] {
    const all = this.byResource.get(resource);
    if (all === undefined) return [];
    return all.filter((w) => w.event === 'all' || w.event === event);
  }

  /** Reads every active webhook (after the version, so a change committed in between is read again later). */
  async load(): Promise<void> {
    const seq = ++this.loads;
    const versionRow = await this.db.selectFrom('cache_versions').select('version').where('name', '=', VERSION_KEY).executeTakeFirst();
    const rows = await this.db.selectFrom('webhooks').selectAll().where('status', '=', 'active').execute();
    if (seq !== this.loads) return; // a newer load has started; it wins
    const byResource = new Map<WebhookResource, ActiveWebhook[]>();
    let count = 0;
    for (const row of rows) {
      const webhook = this.toActive(row);
      if (webhook === undefined) continue;
      count++;
      const resources = webhook.resource === 'all' ? FIREHOSE_RESOURCES : [webhook.resource];
      for (const r of resources) {
        let list = byResource.get(r);
        if (list === undefined) byResource.set(r, (list = []));
        list.push(webhook);
      }
    }
    this.byResource = byResource;
    this.count = count;
    this.version = versionRow === undefined ? 0 : Number(versionRow.version);
  }

  private toActive(row: WebhookRow): ActiveWebhook | undefined {
    const resource = row.resource as WebhookResource | 'all';
    if (resource !== 'all' && !Object.hasOwn(RESOURCES, resource)) return undefined;
    let filter: ParsedFilter | undefined;
    if (row.filter !== null && resource !== 'all') {
      try {
        filter = parseFilter(row.filter, RESOURCES[resource].filters, row.id_format);
      } catch {
        // Checked at registration; a filter that no longer parses matches nothing rather than everything.
        this.log.warn({ webhookId: row.id }, 'webhook filter does not parse; skipped');
        return undefined;
      }
    }
    return { id: row.id, orgId: row.org_id, createdBy: row.created_by, ownedBy: row.owned_by, resource, event: row.event as WebhookEvent | 'all', filter };
  }

  /** Reloads when the version moved (another instance changed something). */
  async refresh(): Promise<void> {
    const row = await this.db.selectFrom('cache_versions').select('version').where('name', '=', VERSION_KEY).executeTakeFirst();
    const version = row === undefined ? 0 : Number(row.version);
    if (version !== this.version) await this.load();
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => {
      this.refresh().catch((error: unknown) => this.log.warn({ err: error }, 'webhook registry refresh failed'));
    }, REFRESH_MS);
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
  }
}
