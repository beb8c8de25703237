/**
 * E-mail digests of unread activity (SPEC MS-5) for people away for a while: counts and links to
 * the spaces, never content (the core has none to give: titles and texts are ciphertext; only the
 * name of the other person of a direct space, which is directory data, is named).
 *
 * Every instance scans every `FLINT_DIGEST_SCAN_MS` for people whose last activity (the newest
 * `last_seen_at` of their live sessions) is older than `FLINT_DIGEST_AWAY_MINUTES`, who were sent no
 * digest for `FLINT_DIGEST_INTERVAL_MINUTES`, and who have unread messages newer than both; digests
 * on (`notificationPrefs.email`), and not in do-not-disturb (status or hours: the digest waits for
 * the next scan after it). For each, in one transaction, the person's digest row is moved forward
 * with a compare-and-set — so two instances scanning at once enqueue one job — and a
 * `notifications.digest` job is enqueued; the job counts (applying the same levels and mutes as
 * pushes: `off` or muted spaces are left out, `mentions` spaces count only mentions) and mails.
 * A digest counts only messages newer than the previous digest and the person's last activity, so
 * the same unread messages are never mailed twice.
 * @module
 */
import type { Kysely } from 'kysely';
import { inQuietHours, isMuted, effectiveLevel } from '@flint/protocol';
import type { Core } from '../core.ts';
import type { Database } from '../db/schema.ts';
import { enqueueJobs, type ClaimedJob } from '../jobs/job-queue.ts';
import type { JobHandler } from '../jobs/job-runner.ts';
import { parsePolicy } from '../identity/orgs.ts';
import { defaultsOf } from './settings.ts';

export const DIGEST_QUEUE = 'notifications.digest';
/** People looked at per scan (the rest wait for the next one). */
const SCAN_BATCH = 200;

interface DigestJob {
  personId: string;
  /** Count messages after this (ms). */
  since: number;
}

/** One scan: enqueues the digests that are due. Answers how many. */
export async function scanDigests(core: Core): Promise<number> {
  const { awayMinutes, intervalMinutes } = core.config.notifications.digest;
  const now = core.now();
  const db = core.db;
  const seen = db.selectFrom('sessions').select(['person_id', (eb) => eb.fn.max('last_seen_at').as('seen')]).where('revoked_at', 'is', null).groupBy('person_id').as('s');
  const candidates = await db
    .selectFrom('people as p')
    .innerJoin(seen, 's.person_id', 'p.id')
    .innerJoin('orgs as o', 'o.id', 'p.org_id')
    .leftJoin('notification_digests as d', 'd.person_id', 'p.id')
    .leftJoin('person_status as st', 'st.person_id', 'p.id')
    .select(['p.id', 'p.notification_prefs', 'p.time_zone', 'o.policy', 's.seen', 'd.last_sent_at', 'st.status', 'st.until_at'])
    .where('p.type', '=', 'person')
    .where('p.status', '=', 'active')
    .where('s.seen', '<', now - awayMinutes * 60_000)
    .where((eb) => eb.or([eb('d.last_sent_at', 'is', null), eb('d.last_sent_at', '<', now - intervalMinutes * 60_000)]))
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('memberships as ms')
          .innerJoin('spaces as sp', 'sp.id', 'ms.space_id')
          .select('ms.id')
          .whereRef('ms.person_id', '=', 'p.id')
          .whereRef('sp.last_activity_at', '>', 's.seen')
          .where((e) => e.or([e('d.last_sent_at', 'is', null), e('sp.last_activity_at', '>', e.ref('d.last_sent_at'))]))
          .where((e) => e.or([e('ms.last_read_message_id', 'is', null), e('sp.last_message_id', '>', e.ref('ms.last_read_message_id'))])),
      ),
    )
    .limit(SCAN_BATCH)
    .execute();
  let enqueued = 0;
  for (const c of candidates) {
    const defaults = defaultsOf(c.notification_prefs);
    if (!defaults.email) continue;
    const timezone = c.time_zone ?? parsePolicy(c).defaultTimezone;
    const dnd = c.status === 'dnd' && (c.until_at === null || Number(c.until_at) > now);
    if (dnd || inQuietHours(defaults.quietHours, now, timezone)) continue;
    const previous = c.last_sent_at === null ? null : Number(c.last_sent_at);
    const since = Math.max(Number(c.seen), previous ?? 0);
    const claimed = await db.transaction().execute(async (trx) => {
      let moved: bigint;
      if (previous === null) {
        const r = await trx.insertInto('notification_digests').values({ person_id: c.id, last_sent_at: now }).onConflict((oc) => oc.column('person_id').doNothing()).executeTakeFirst();
        moved = r.numInsertedOrUpdatedRows ?? 0n;
      } else {
        const r = await trx.updateTable('notification_digests').set({ last_sent_at: now }).where('person_id', '=', c.id).where('last_sent_at', '=', previous).executeTakeFirst();
        moved = r.numUpdatedRows;
      }
      if (Number(moved) !== 1) return false;
      const job: DigestJob = { personId: c.id, since };
      await enqueueJobs(trx, [{ queue: DIGEST_QUEUE, payload: job, maxAttempts: 5 }], now);
      return true;
    });
    if (claimed) enqueued++;
  }
  if (enqueued > 0) core.jobs.nudge();
  return enqueued;
}

export interface SpaceCounts {
  spaceId: string;
  messages: number;
  mentions: number;
  /** For a direct space: the other person's name. */
  directWith?: string;
}

/** The unread counts a digest reports, by space, after levels and mutes. */
export async function digestCounts(db: Kysely<Database>, personId: string, since: number, now: number): Promise<SpaceCounts[]> {
  const unread = await db
    .selectFrom('messages as m')
    .innerJoin('memberships as ms', (j) => j.onRef('ms.space_id', '=', 'm.space_id').on('ms.person_id', '=', personId))
    .select(['m.space_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('m.person_id', '!=', personId)
    .where('m.created_at', '>', since)
    .where((eb) => eb.or([eb('ms.last_read_message_id', 'is', null), eb('m.id', '>', eb.ref('ms.last_read_message_id'))]))
    .groupBy('m.space_id')
    .execute();
  if (unread.length === 0) return [];
  const ids = unread.map((r) => r.space_id);
  const mentions = await db
    .selectFrom('message_mentions as mm')
    .innerJoin('messages as m', 'm.id', 'mm.message_id')
    .innerJoin('memberships as ms', (j) => j.onRef('ms.space_id', '=', 'mm.space_id').on('ms.person_id', '=', personId))
    .select(['mm.space_id', (eb) => eb.fn.count<number>('mm.message_id').distinct().as('n')])
    .where('mm.space_id', 'in', ids)
    .where('mm.person_id', 'in', [personId, '*'])
    .where('m.person_id', '!=', personId)
    .where('m.created_at', '>', since)
    .where((eb) => eb.or([eb('ms.last_read_message_id', 'is', null), eb('mm.message_id', '>', eb.ref('ms.last_read_message_id'))]))
    .groupBy('mm.space_id')
    .execute();
  const mentionsBy = new Map(mentions.map((r) => [r.space_id, Number(r.n)]));
  const spaces = await db.selectFrom('spaces').select(['id', 'type', 'team_id', 'last_activity_at']).where('id', 'in', ids).orderBy('last_activity_at', 'desc').execute();
  const person = await db.selectFrom('people').select('notification_prefs').where('id', '=', personId).executeTakeFirstOrThrow();
  const defaults = defaultsOf(person.notification_prefs);
  const settings = await db.selectFrom('notification_settings').selectAll().where('person_id', '=', personId).execute();
  const setting = (scope: 'space' | 'team', id: string | null) => {
    const row = settings.find((r) => r.scope === scope && r.scope_id === id);
    return row === undefined ? undefined : { level: row.level ?? undefined, muteUntil: row.mute_until === null ? undefined : Number(row.mute_until) };
  };
  const directIds = spaces.filter((s) => s.type === 'direct').map((s) => s.id);
  const peers = directIds.length === 0
    ? []
    : await db.selectFrom('memberships as ms').innerJoin('people as p', 'p.id', 'ms.person_id').select(['ms.space_id', 'p.display_name']).where('ms.space_id', 'in', directIds).where('ms.person_id', '!=', personId).execute();
  const out: SpaceCounts[] = [];
  for (const s of spaces) {
    const context = { defaults, space: setting('space', s.id), team: s.team_id === null ? undefined : setting('team', s.team_id) };
    if (isMuted(context, now)) continue;
    const level = effectiveLevel(context);
    const n = Number(unread.find((r) => r.space_id === s.id)?.n ?? 0);
    const m = mentionsBy.get(s.id) ?? 0;
    if (level === 'off' || (level === 'mentions' && m === 0)) continue;
    const entry: SpaceCounts = { spaceId: s.id, messages: level === 'mentions' ? m : n, mentions: m };
    const peer = peers.find((p) => p.space_id === s.id);
    if (peer !== undefined) entry.directWith = peer.display_name;
    out.push(entry);
  }
  return out;
}

const TEXT = {
  en: {
    subject: (n: number) => (n === 1 ? 'You have 1 unread message in Flint' : `You have ${n} unread messages in Flint`),
    hello: (name: string) => `Hello ${name},`,
    intro: (n: number, spaces: number) => `While you were away: ${n} unread ${n === 1 ? 'message' : 'messages'} in ${spaces} ${spaces === 1 ? 'space' : 'spaces'}.`,
    line: (c: SpaceCounts) =>
      `${c.directWith !== undefined ? `Direct conversation with ${c.directWith}` : 'A space'}: ${c.messages} ${c.messages === 1 ? 'message' : 'messages'}${c.mentions > 0 ? `, ${c.mentions} ${c.mentions === 1 ? 'mention' : 'mentions'} of you` : ''}`,
    noContent: 'Flint never puts what was written in an e-mail: follow a link to read it.',
    stop: 'To stop these e-mails, turn off "E-mail digests" in Settings:',
  },
  fr: {
    subject: (n: number) => (n === 1 ? 'Vous avez 1 message non lu dans Flint' : `Vous avez ${n} messages non lus dans Flint`),
    hello: (name: string) => `Bonjour ${name},`,
    intro: (n: number, spaces: number) => `Pendant votre absence : ${n} ${n === 1 ? 'message non lu' : 'messages non lus'} dans ${spaces} ${spaces === 1 ? 'espace' : 'espaces'}.`,
    line: (c: SpaceCounts) =>
      `${c.directWith !== undefined ? `Conversation directe avec ${c.directWith}` : 'Un espace'} : ${c.messages} ${c.messages === 1 ? 'message' : 'messages'}${c.mentions > 0 ? `, ${c.mentions} ${c.mentions === 1 ? 'mention' : 'mentions'} de vous` : ''}`,
    noContent: 'Flint ne met jamais ce qui a été écrit dans un e-mail : suivez un lien pour le lire.',
    stop: 'Pour ne plus recevoir ces e-mails, désactivez « Résumés par e-mail » dans les Paramètres :',
  },
} as const;

/** Sends one person's digest (nothing when, after levels and mutes, nothing is left to report). */
export class DigestMailer implements JobHandler {
  readonly backoff = { baseMs: 30_000, maxMs: 1_800_000 };

  constructor(private readonly core: Core) {}

  async run(claimed: ClaimedJob): Promise<void> {
    const job = claimed.payload as DigestJob;
    const { db, config } = this.core;
    const person = await db
      .selectFrom('people as p')
      .innerJoin('orgs as o', 'o.id', 'p.org_id')
      .select(['p.email', 'p.display_name', 'p.language', 'p.status', 'o.policy'])
      .where('p.id', '=', job.personId)
      .executeTakeFirst();
    if (person === undefined || person.status !== 'active') return;
    const counts = await digestCounts(db, job.personId, job.since, this.core.now());
    if (counts.length === 0) return;
    const lang = (person.language ?? parsePolicy(person).defaultLanguage ?? 'en') === 'fr' ? 'fr' : 'en';
    const t = TEXT[lang];
    const total = counts.reduce((sum, c) => sum + c.messages, 0);
    const lines = counts.map((c) => `- ${t.line(c)}\n  ${config.publicUrl}/#/space/${c.spaceId}`);
    const text = [t.hello(person.display_name), '', t.intro(total, counts.length), '', ...lines, '', t.noContent, '', t.stop, `${config.publicUrl}/#/settings`, ''].join('\n');
    await this.core.mailer.send({ to: person.email, subject: t.subject(total), text });
    this.core.metrics.digests.inc();
  }
}
