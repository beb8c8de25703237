/**
 * Who a call may reach, and where the callee's settings send it (CL-2): do not disturb, and the
 * forwards (always, when busy, on no answer) to another person.
 * @module
 */
import type { CallSettings, CallTarget } from '@flint/protocol';
import type { Actor } from '../core.ts';
import type { Db } from '../db/database.ts';
import type { CallSettingsTable, PersonRow } from '../db/schema.ts';
import { ApiError } from '../errors.ts';
import { canSee, findPerson, findPersonByEmail } from '../identity/people.ts';
import { shareASpace } from '../spaces/access.ts';

/**
 * A person the actor may call: someone they can see (or share a space with), active, not
 * themselves. Anyone else is answered exactly like an address without an account (as opening a
 * direct space does), so calling does not tell who has one.
 */
export async function reachablePerson(db: Db, actor: Actor, target: CallTarget): Promise<PersonRow> {
  const other = 'personId' in target ? await findPerson(db, target.personId) : await findPersonByEmail(db, target.email);
  if (other === undefined || other.status === 'deactivated') throw ApiError.notFound('person');
  if (!canSee(actor, other) && !(await shareASpace(db, actor.personId, other.id))) throw ApiError.notFound('person');
  if (other.id === actor.personId) throw ApiError.badRequest('You cannot call yourself.');
  return other;
}

/** Whose park slot a target names: one's own (oneself named, or nobody), or a person one may call. */
export async function parkSlotOf(db: Db, actor: Actor, target: CallTarget | undefined): Promise<string> {
  if (target === undefined || ('personId' in target && target.personId === actor.personId)) return actor.personId;
  if ('email' in target) {
    const found = await findPersonByEmail(db, target.email);
    if (found?.id === actor.personId) return actor.personId;
  }
  return (await reachablePerson(db, actor, target)).id;
}

/** The two people's direct space, if they have one. */
export async function directSpaceId(db: Db, a: string, b: string): Promise<string | undefined> {
  const row = await db.selectFrom('spaces').select('id').where('direct_key', '=', [a, b].sort().join(':')).executeTakeFirst();
  return row?.id;
}

export async function settingsRow(db: Db, personId: string): Promise<Pick<CallSettingsTable, 'forward_always' | 'forward_busy' | 'forward_no_answer'> & { dnd: number }> {
  const row = await db.selectFrom('call_settings').select(['dnd', 'forward_always', 'forward_busy', 'forward_no_answer']).where('person_id', '=', personId).executeTakeFirst();
  return row ?? { dnd: 0, forward_always: null, forward_busy: null, forward_no_answer: null };
}

export async function getCallSettings(db: Db, actor: Actor): Promise<CallSettings> {
  const row = await settingsRow(db, actor.personId);
  return {
    doNotDisturb: row.dnd === 1,
    ...(row.forward_always !== null ? { forwardAlways: row.forward_always } : {}),
    ...(row.forward_busy !== null ? { forwardBusy: row.forward_busy } : {}),
    ...(row.forward_no_answer !== null ? { forwardNoAnswer: row.forward_no_answer } : {}),
  };
}

export interface SettingsInput {
  doNotDisturb?: boolean | undefined;
  forwardAlways?: string | null | undefined;
  forwardBusy?: string | null | undefined;
  forwardNoAnswer?: string | null | undefined;
}

/** Changes one's settings; each forward must name someone one could call. Checks all before writing. */
export async function putCallSettings(db: Db, actor: Actor, input: SettingsInput, now: number): Promise<CallSettings> {
  const current = await settingsRow(db, actor.personId);
  const next = { ...current };
  if (input.doNotDisturb !== undefined) next.dnd = input.doNotDisturb ? 1 : 0;
  for (const [field, column] of [
    ['forwardAlways', 'forward_always'],
    ['forwardBusy', 'forward_busy'],
    ['forwardNoAnswer', 'forward_no_answer'],
  ] as const) {
    const value = input[field];
    if (value === undefined) continue;
    if (value !== null) await reachablePerson(db, actor, { personId: value });
    next[column] = value;
  }
  await db
    .insertInto('call_settings')
    .values({ person_id: actor.personId, ...next, updated_at: now })
    .onConflict((oc) => oc.column('person_id').doUpdateSet({ ...next, updated_at: now }))
    .execute();
  return getCallSettings(db, actor);
}
