/**
 * Maintenance and incident notices (SPEC AD-3): an org's admins publish a notice with a title, a
 * text, a severity and a period; the org's people see it as a banner while it is active, and those
 * who opted in (`notificationPrefs.serviceNotices`) get it by e-mail when it is published. Notices
 * are org announcements written by admins to the server, not space content: the core holds them in
 * plaintext like the org's name. Publishing and withdrawing are audited (CP-5).
 * @module
 */
import { serviceHealth, type Notice } from '@flint/protocol';
import type { Actor, Core } from '../core.ts';
import type { NoticeRow } from '../db/schema.ts';
import { ApiError } from '../errors.ts';
import { iso, newId } from '../infra/ids.ts';
import { recordAdminAction } from './audit.ts';

const { NOTICE_LIMITS } = serviceHealth;
const DAY_MS = 86_400_000;

export function presentNotice(row: NoticeRow, withCounts = false): Notice {
  return {
    id: row.id,
    title: row.title,
    text: row.text,
    severity: row.severity,
    startsAt: iso(Number(row.starts_at)),
    endsAt: iso(Number(row.ends_at)),
    created: iso(Number(row.created_at)),
    ...(withCounts ? { emailed: Number(row.emailed) } : {}),
  };
}

function instant(value: string, name: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw ApiError.badRequest(`${name}: not a date-time`);
  return ms;
}

export interface NoticeInput {
  title: string;
  text: string;
  severity: Notice['severity'];
  startsAt: string;
  endsAt: string;
}

/** Publishes a notice, appends it to the audit log, then e-mails it to the opted-in people (in the background). */
export async function createNotice(core: Core, actor: Actor, input: NoticeInput): Promise<Notice> {
  const title = input.title.trim();
  const text = input.text.trim();
  if (title === '') throw ApiError.badRequest('title: must not be blank');
  if (text === '') throw ApiError.badRequest('text: must not be blank');
  const startsAt = instant(input.startsAt, 'startsAt');
  const endsAt = instant(input.endsAt, 'endsAt');
  if (endsAt <= startsAt) throw ApiError.badRequest('endsAt: must be after startsAt');
  if (endsAt - startsAt > NOTICE_LIMITS.maxDays * DAY_MS) throw ApiError.badRequest(`endsAt: at most ${NOTICE_LIMITS.maxDays} days after startsAt`);
  if (endsAt <= core.now()) throw ApiError.badRequest('endsAt: must be in the future');

  const recipients = (
    await core.db.selectFrom('people').select(['email', 'notification_prefs']).where('org_id', '=', actor.orgId).where('type', '=', 'person').where('status', '=', 'active').execute()
  ).filter((p) => (JSON.parse(p.notification_prefs) as { serviceNotices?: boolean }).serviceNotices === true);

  const row: NoticeRow = {
    id: newId(),
    org_id: actor.orgId,
    title,
    text,
    severity: input.severity,
    starts_at: startsAt,
    ends_at: endsAt,
    created_by: actor.personId,
    created_at: core.now(),
    emailed: recipients.length,
    withdrawn_at: null,
  };
  await core.db.transaction().execute(async (trx) => {
    await trx.insertInto('notices').values(row).execute();
    await recordAdminAction(core, trx, actor, {
      action: 'notice.create',
      targetId: row.id,
      targetName: title,
      changes: { severity: { to: row.severity }, startsAt: { to: input.startsAt }, endsAt: { to: input.endsAt }, emailed: { to: recipients.length } },
    });
  });

  const org = await core.db.selectFrom('orgs').select('display_name').where('id', '=', actor.orgId).executeTakeFirst();
  const label = { info: 'Notice', maintenance: 'Maintenance', incident: 'Incident' }[row.severity];
  const message = {
    subject: `[${org?.display_name ?? 'Flint'}] ${label}: ${title}`,
    text: `${title}\n\n${text}\n\nFrom ${iso(startsAt)} to ${iso(endsAt)} (UTC).\n\n` + `You get these notices because you asked to in Flint's Settings; turn them off there.\n${core.config.publicUrl}/\n`,
  };
  // In the background, one at a time: a large org's mail must not hold the admin's request.
  void (async () => {
    for (const r of recipients) {
      try {
        await core.mailer.send({ to: r.email, ...message });
      } catch (error) {
        core.log.warn({ err: error instanceof Error ? error.message : String(error), notice: row.id }, 'notice e-mail failed');
      }
    }
  })();
  return presentNotice(row, true);
}

export async function listNotices(core: Core, actor: Actor): Promise<Notice[]> {
  const rows = await core.db
    .selectFrom('notices')
    .selectAll()
    .where('org_id', '=', actor.orgId)
    .where('withdrawn_at', 'is', null)
    .orderBy('starts_at', 'desc')
    .orderBy('id')
    .limit(NOTICE_LIMITS.listed)
    .execute();
  return rows.map((r) => presentNotice(r, true));
}

/** The org's notices active now (what the web app shows as a banner). */
export async function activeNotices(core: Core, actor: Actor): Promise<Notice[]> {
  const now = core.now();
  const rows = await core.db
    .selectFrom('notices')
    .selectAll()
    .where('org_id', '=', actor.orgId)
    .where('withdrawn_at', 'is', null)
    .where('starts_at', '<=', now)
    .where('ends_at', '>', now)
    .orderBy('starts_at', 'desc')
    .limit(20)
    .execute();
  return rows.map((r) => presentNotice(r));
}

export async function withdrawNotice(core: Core, actor: Actor, id: string): Promise<void> {
  await core.db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('notices').selectAll().where('id', '=', id).where('org_id', '=', actor.orgId).where('withdrawn_at', 'is', null).executeTakeFirst();
    if (row === undefined) throw ApiError.notFound('notice');
    await trx.updateTable('notices').set({ withdrawn_at: core.now() }).where('id', '=', id).execute();
    await recordAdminAction(core, trx, actor, { action: 'notice.withdraw', targetId: id, targetName: row.title });
  });
}
