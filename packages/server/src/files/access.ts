/**
 * Who may touch a file: the one place these rules live. A file of a space one is not a member of
 * answers exactly like a missing one (404), as spaces do (SEC-3); an upload not yet attached to a
 * message is its uploader's alone.
 * @module
 */
import type { Kysely } from 'kysely';
import type { Actor } from '../core.ts';
import type { Database, FileRow, MembershipRow, SpaceRow } from '../db/schema.ts';
import { ApiError } from '../errors.ts';
import { membershipOf } from '../spaces/access.ts';

export interface FileAccess {
  file: FileRow;
  membership: MembershipRow;
  space: SpaceRow;
}

/** The file and the actor's membership of its space, or 404. */
export async function fileFor(db: Kysely<Database>, actor: Actor, id: string): Promise<FileAccess> {
  const file = await db.selectFrom('files').selectAll().where('id', '=', id).executeTakeFirst();
  if (file === undefined) throw ApiError.notFound('file');
  const membership = await membershipOf(db, file.space_id, actor.personId);
  if (membership === undefined) throw ApiError.notFound('file');
  if (file.message_id === null && file.person_id !== actor.personId) throw ApiError.notFound('file');
  const space = await db.selectFrom('spaces').selectAll().where('id', '=', file.space_id).executeTakeFirstOrThrow();
  return { file: { ...file, size: Number(file.size) }, membership, space };
}
