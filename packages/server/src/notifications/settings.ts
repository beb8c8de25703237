/**
 * Notification settings (SPEC MS-5): a person's defaults live in their profile's
 * `notification_prefs` (JSON, as before this module: `messages`, `email`, and now `addedToSpace` and
 * `quietHours`); their own setting per space and per team is a row of `notification_settings`.
 * `contextsFor` gathers, for the people an event may notify, everything `shouldNotify`
 * (@flint/protocol) needs — defaults, the space's and team's settings, a "do not disturb" status,
 * the time zone — in a few queries, whatever the number of people.
 * @module
 */
import type { Kysely } from 'kysely';
import { NOTIFICATION_LIMITS, type NotificationContext, type NotificationDefaults, type NotificationLevel, type NotificationSettings, type QuietHours, type ScopeSetting } from '@flint/protocol';
import type { Actor, Core } from '../core.ts';
import type { Database } from '../db/schema.ts';
import { ApiError } from '../errors.ts';
import { isTeamMember, memberOf } from '../spaces/access.ts';
import { parsePolicy } from '../identity/orgs.ts';

const CHUNK = 500;

interface StoredPrefs {
  messages?: NotificationLevel;
  email?: boolean;
  addedToSpace?: boolean;
  quietHours?: QuietHours;
  serviceNotices?: boolean;
}

/** The defaults a person's stored preferences amount to (absent: every message, e-mail on, added-to-space on). */
export function defaultsOf(prefsJson: string): NotificationDefaults {
  const p = JSON.parse(prefsJson) as StoredPrefs;
  return {
    messages: p.messages ?? 'all',
    addedToSpace: p.addedToSpace ?? true,
    email: p.email ?? true,
    ...(p.quietHours !== undefined ? { quietHours: p.quietHours } : {}),
  };
}

function presentScope(row: { scope_id: string; level: NotificationLevel | null; mute_until: number | null }, now: number): ScopeSetting {
  const out: ScopeSetting = { id: row.scope_id };
  if (row.level !== null) out.level = row.level;
  if (row.mute_until !== null && Number(row.mute_until) > now) out.muteUntil = new Date(Number(row.mute_until)).toISOString();
  return out;
}

async function zoneOf(db: Kysely<Database>, personId: string): Promise<string> {
  const row = await db.selectFrom('people as p').innerJoin('orgs as o', 'o.id', 'p.org_id').select(['p.time_zone', 'o.policy']).where('p.id', '=', personId).executeTakeFirstOrThrow();
  return row.time_zone ?? parsePolicy(row).defaultTimezone;
}

export async function getSettings(core: Core, actor: Actor): Promise<NotificationSettings> {
  const now = core.now();
  const person = await core.db.selectFrom('people').select('notification_prefs').where('id', '=', actor.personId).executeTakeFirstOrThrow();
  const rows = await core.db.selectFrom('notification_settings').selectAll().where('person_id', '=', actor.personId).execute();
  const keep = rows.filter((r) => r.level !== null || (r.mute_until !== null && Number(r.mute_until) > now));
  return {
    defaults: defaultsOf(person.notification_prefs),
    spaces: keep.filter((r) => r.scope === 'space').map((r) => presentScope(r, now)),
    teams: keep.filter((r) => r.scope === 'team').map((r) => presentScope(r, now)),
    timezone: await zoneOf(core.db, actor.personId),
  };
}

export async function updateDefaults(
  core: Core,
  actor: Actor,
  input: { messages?: NotificationLevel | undefined; addedToSpace?: boolean | undefined; email?: boolean | undefined; quietHours?: QuietHours | null | undefined },
): Promise<NotificationSettings> {
  if (input.quietHours != null && input.quietHours.start === input.quietHours.end) throw ApiError.badRequest('quietHours: start and end must differ (null turns them off)');
  await core.db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('people').select('notification_prefs').where('id', '=', actor.personId).executeTakeFirstOrThrow();
    const prefs = JSON.parse(row.notification_prefs) as StoredPrefs;
    if (input.messages !== undefined) prefs.messages = input.messages;
    if (input.addedToSpace !== undefined) prefs.addedToSpace = input.addedToSpace;
    if (input.email !== undefined) prefs.email = input.email;
    if (input.quietHours === null) delete prefs.quietHours;
    else if (input.quietHours !== undefined) prefs.quietHours = { start: input.quietHours.start, end: input.quietHours.end };
    await trx.updateTable('people').set({ notification_prefs: JSON.stringify(prefs), updated_at: core.now() }).where('id', '=', actor.personId).execute();
  });
  return getSettings(core, actor);
}

function muteTime(core: Core, value: string | null | undefined): number | null | undefined {
  if (value === undefined || value === null) return value;
  const t = Date.parse(value);
  const now = core.now();
  if (!Number.isFinite(t) || !/^\d{4}-\d{2}-\d{2}T/.test(value)) throw ApiError.badRequest('muteUntil: not an ISO 8601 time');
  if (t <= now) throw ApiError.badRequest('muteUntil: must be in the future (null unmutes)');
  if (t - now > NOTIFICATION_LIMITS.muteMaxDays * 86_400_000) throw ApiError.badRequest(`muteUntil: at most ${NOTIFICATION_LIMITS.muteMaxDays} days ahead (the level "off" is for ever)`);
  return t;
}

/** Sets one's own setting for a space one belongs to, or a team one is in (404 otherwise, as for anything one may not see). */
export async function setScopeSetting(
  core: Core,
  actor: Actor,
  scope: 'space' | 'team',
  scopeId: string,
  input: { level?: NotificationLevel | null | undefined; muteUntil?: string | null | undefined },
): Promise<ScopeSetting> {
  const mute = muteTime(core, input.muteUntil);
  if (scope === 'space') await memberOf(core.db, actor, scopeId);
  else if (!(await isTeamMember(core.db, scopeId, actor.personId))) throw ApiError.notFound('team');
  const now = core.now();
  return core.db.transaction().execute(async (trx) => {
    const before = await trx.selectFrom('notification_settings').selectAll().where('person_id', '=', actor.personId).where('scope', '=', scope).where('scope_id', '=', scopeId).executeTakeFirst();
    const level = input.level === undefined ? (before?.level ?? null) : input.level;
    const mute_until = mute === undefined ? (before?.mute_until ?? null) : mute;
    if (level === null && mute_until === null) {
      await trx.deleteFrom('notification_settings').where('person_id', '=', actor.personId).where('scope', '=', scope).where('scope_id', '=', scopeId).execute();
    } else {
      await trx
        .insertInto('notification_settings')
        .values({ person_id: actor.personId, scope, scope_id: scopeId, level, mute_until, updated_at: now })
        .onConflict((oc) => oc.columns(['person_id', 'scope', 'scope_id']).doUpdateSet({ level, mute_until, updated_at: now }))
        .execute();
    }
    return presentScope({ scope_id: scopeId, level, mute_until }, now);
  });
}

/** Everything `shouldNotify` needs about each of these people, for one space (and its team). */
export async function contextsFor(db: Kysely<Database>, personIds: readonly string[], spaceId: string, teamId: string | null, now: number): Promise<Map<string, NotificationContext>> {
  const out = new Map<string, NotificationContext>();
  for (let i = 0; i < personIds.length; i += CHUNK) {
    const ids = personIds.slice(i, i + CHUNK);
    const people = await db
      .selectFrom('people as p')
      .innerJoin('orgs as o', 'o.id', 'p.org_id')
      .leftJoin('person_status as s', 's.person_id', 'p.id')
      .select(['p.id', 'p.notification_prefs', 'p.time_zone', 'o.policy', 's.status', 's.until_at'])
      .where('p.id', 'in', ids)
      .where('p.status', '=', 'active')
      .where('p.type', '=', 'person')
      .execute();
    const scopes = [spaceId, ...(teamId !== null ? [teamId] : [])];
    const settings = await db.selectFrom('notification_settings').selectAll().where('person_id', 'in', ids).where('scope_id', 'in', scopes).execute();
    for (const p of people) {
      const mine = (scope: 'space' | 'team', id: string | null) => {
        const row = settings.find((r) => r.person_id === p.id && r.scope === scope && r.scope_id === id);
        return row === undefined ? undefined : { level: row.level ?? undefined, muteUntil: row.mute_until === null ? undefined : Number(row.mute_until) };
      };
      const dnd = p.status === 'dnd' && (p.until_at === null || Number(p.until_at) > now);
      out.set(p.id, {
        defaults: defaultsOf(p.notification_prefs),
        space: mine('space', spaceId),
        team: teamId === null ? undefined : mine('team', teamId),
        doNotDisturb: dnd,
        timezone: p.time_zone ?? parsePolicy(p).defaultTimezone,
      });
    }
  }
  return out;
}
