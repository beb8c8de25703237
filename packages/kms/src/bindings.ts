/**
 * What a resource protects (issue 14, finding 2). The core tells clients which KMS resource a room
 * uses (`kroUri`), and the core is not trusted to say it: a room pointed at another space's
 * resource would make its members authorize strangers on, or take keys away from, that space.
 * So the resource itself names its room (and, for a team's general space, its team): bound once,
 * right after the core made the room, by a principal authorized on the resource, and unique — one
 * resource per room. Clients check the binding before they authorize or de-authorize anyone, or
 * seal anything, through a room.
 * @module
 */
import type { Caller, KmsContext } from './context.ts';
import { KmsError } from './errors.ts';
import { requireAuthorized } from './authorization-graph.ts';

export interface ResourceBinding {
  roomId: string;
  teamId?: string;
}

const ID = /^[A-Za-z0-9-]{1,64}$/;

function parseBinding(raw: unknown): ResourceBinding {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw KmsError.badRequest('boundTo must be an object {roomId, teamId?}');
  const { roomId, teamId, ...rest } = raw as Record<string, unknown>;
  if (Object.keys(rest).length > 0) throw KmsError.badRequest('boundTo takes roomId and teamId only');
  if (typeof roomId !== 'string' || !ID.test(roomId)) throw KmsError.badRequest('boundTo.roomId must be a room id');
  if (teamId !== undefined && (typeof teamId !== 'string' || !ID.test(teamId))) throw KmsError.badRequest('boundTo.teamId must be a team id');
  return teamId === undefined ? { roomId } : { roomId, teamId };
}

/** The binding in a resource object, if any. */
export function bindingOf(row: { room_id: string | null; team_id: string | null }): ResourceBinding | undefined {
  if (row.room_id === null) return undefined;
  return row.team_id === null ? { roomId: row.room_id } : { roomId: row.room_id, teamId: row.team_id };
}

/**
 * `update <resourceUri> {boundTo}`: binds the resource to its room, once. The same binding again
 * answers as a success (retries); another one is a conflict, as is a room another resource
 * protects already.
 */
export async function bindResource(kms: KmsContext, caller: Caller, resourceUri: string, raw: unknown): Promise<ResourceBinding> {
  const wanted = parseBinding(raw);
  await requireAuthorized(kms, caller.userId, resourceUri);
  const same = (b: ResourceBinding | undefined) => b !== undefined && b.roomId === wanted.roomId && b.teamId === wanted.teamId;
  const row = await kms.db.selectFrom('kms_resources').select(['room_id', 'team_id']).where('uri', '=', resourceUri).executeTakeFirstOrThrow();
  const current = bindingOf(row);
  if (current !== undefined) {
    if (same(current)) return current;
    throw KmsError.conflict('The resource is bound to another room already.');
  }
  const other = await kms.db.selectFrom('kms_resources').select('uri').where('room_id', '=', wanted.roomId).executeTakeFirst();
  if (other !== undefined) throw KmsError.conflict('Another resource is bound to that room already.');
  try {
    const result = await kms.db
      .updateTable('kms_resources')
      .set({ room_id: wanted.roomId, team_id: wanted.teamId ?? null, bound_by: caller.userId, bound_at: kms.now() })
      .where('uri', '=', resourceUri)
      .where('room_id', 'is', null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 1) return wanted;
  } catch {
    // The unique index on room_id: another resource was bound to the room meanwhile.
    throw KmsError.conflict('Another resource is bound to that room already.');
  }
  // Lost a race with another bind of this resource: the same binding is a success.
  const again = bindingOf(await kms.db.selectFrom('kms_resources').select(['room_id', 'team_id']).where('uri', '=', resourceUri).executeTakeFirstOrThrow());
  if (same(again)) return wanted;
  throw KmsError.conflict('The resource is bound to another room already.');
}
