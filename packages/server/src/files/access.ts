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

/**
 * The file if the actor may read its ciphertext: a member of its space, or a compliance officer of
 * the org that owns the space (SPEC CP-1) for a file a message carries. Else 404. Reading the
 * ciphertext is all this opens: its key is in the reference, sealed with a key only the KMS gives.
 */
export async function readableFile(db: Kysely<Database>, actor: Actor, id: string): Promise<FileRow> {
  const file = await db.selectFrom('files').selectAll().where('id', '=', id).executeTakeFirst();
  if (file === undefined) throw ApiError.notFound('file');
  const membership = await membershipOf(db, file.space_id, actor.personId);
  if (membership !== undefined) {
    if (file.message_id === null && file.person_id !== actor.personId) throw ApiError.notFound('file');
    return { ...file, size: Number(file.size) };
  }
  if (actor.isComplianceOfficer === true && file.message_id !== null) {
    const space = await db.selectFrom('spaces').select('org_id').where('id', '=', file.space_id).executeTakeFirst();
    if (space?.org_id === actor.orgId) return { ...file, size: Number(file.size) };
  }
  throw ApiError.notFound('file');
}
