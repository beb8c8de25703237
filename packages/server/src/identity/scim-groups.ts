/**
 * SCIM 2.0 groups (RFC 7643 §4.2, RFC 7644; issue 18): create, get, replace, PATCH (members and
 * displayName, applied by `scim-patch`), delete, and list with a filter (`displayName eq`,
 * `externalId eq`, `id eq`, `and`/`or`, parsed by `scim2-parse-filter` and run as SQL) and paging.
 * Members are the org's users. What members get — the `org_admin` role or a team — is the org
 * admin's mapping (`scim-mapping.ts`); every change of members applies it in the same transaction.
 * @module
 */
import type { Filter } from 'scim2-parse-filter';
import { scimPatch, type ScimPatchOperation, type ScimResource } from 'scim-patch';
import type { Expression, ExpressionBuilder, Kysely, SqlBool } from 'kysely';
import type { Actor, Core } from '../core.ts';
import type { Database, ScimGroupRow } from '../db/schema.ts';
import { recordAdminAction } from '../admin/audit.ts';
import { newId } from '../infra/ids.ts';
import { assertScimAdmin, parseScimFilter, patchFailure, SCIM_GROUP, SCIM_LIST, SCIM_PATCH, scimPaging, ScimError } from './scim.ts';
import { applyMemberEffects } from './scim-mapping.ts';

/** Members a group may hold; a larger directory group is refused (`tooMany`) rather than cut. */
export const SCIM_GROUP_MAX_MEMBERS = 10_000;

export interface ScimGroupMember {
  value: string;
  display: string;
  $ref: string;
  type: 'User';
}

export interface ScimGroup {
  schemas: string[];
  id: string;
  externalId?: string;
  displayName: string;
  members?: ScimGroupMember[];
  meta: { resourceType: 'Group'; created: string; lastModified: string; location: string };
}

const location = (core: Core, orgId: string, kind: 'Users' | 'Groups', id: string) => `${core.config.publicUrl}/identity/scim/${orgId}/v2/${kind}/${id}`;

async function membersOf(core: Core, db: Kysely<Database>, orgId: string, groupIds: readonly string[]): Promise<Map<string, ScimGroupMember[]>> {
  const map = new Map<string, ScimGroupMember[]>();
  if (groupIds.length === 0) return map;
  const rows = await db
    .selectFrom('scim_group_members as m')
    .innerJoin('people as p', 'p.id', 'm.person_id')
    .select(['m.group_id', 'p.id', 'p.display_name', 'p.email'])
    .where('m.group_id', 'in', groupIds)
    .orderBy('p.email')
    .execute();
  for (const r of rows) map.set(r.group_id, [...(map.get(r.group_id) ?? []), { value: r.id, display: r.display_name || r.email, $ref: location(core, orgId, 'Users', r.id), type: 'User' }]);
  return map;
}

function present(core: Core, row: ScimGroupRow, members: ScimGroupMember[] | undefined): ScimGroup {
  return {
    schemas: [SCIM_GROUP],
    id: row.id,
    ...(row.external_id !== null ? { externalId: row.external_id } : {}),
    displayName: row.display_name,
    ...(members !== undefined ? { members } : {}),
    meta: { resourceType: 'Group', created: new Date(row.created_at).toISOString(), lastModified: new Date(row.updated_at).toISOString(), location: location(core, row.org_id, 'Groups', row.id) },
  };
}

async function getRow(db: Kysely<Database>, orgId: string, id: string): Promise<ScimGroupRow> {
  const row = await db.selectFrom('scim_groups').selectAll().where('id', '=', id).where('org_id', '=', orgId).executeTakeFirst();
  if (row === undefined) throw new ScimError(404, `Group ${id} not found.`);
  return row;
}

/** `excludedAttributes=members` (Entra ID asks so when it only checks that a group exists). */
const wantsMembers = (q: { excludedAttributes?: string | undefined; attributes?: string | undefined }) =>
  !(q.excludedAttributes ?? '').split(',').some((a) => a.trim().toLowerCase() === 'members') &&
  (q.attributes === undefined || q.attributes.split(',').some((a) => a.trim().toLowerCase() === 'members'));

function filterSql(eb: ExpressionBuilder<Database, 'scim_groups'>, f: Filter): Expression<SqlBool> {
  switch (f.op) {
    case 'and':
      return eb.and(f.filters.map((g) => filterSql(eb, g)));
    case 'or':
      return eb.or(f.filters.map((g) => filterSql(eb, g)));
    case 'eq': {
      if (typeof f.compValue !== 'string') throw new ScimError(400, `${f.attrPath} eq needs a string.`, 'invalidFilter');
      const attr = f.attrPath.replace(/^urn:ietf:params:scim:schemas:core:2\.0:Group:/i, '').toLowerCase();
      if (attr === 'displayname') return eb('scim_groups.display_name', '=', f.compValue);
      if (attr === 'externalid') return eb('scim_groups.external_id', '=', f.compValue);
      if (attr === 'id') return eb('scim_groups.id', '=', f.compValue);
      break;
    }
    // Not supported: invalidFilter below.
    case '[]':
    case 'ne':
    case 'co':
    case 'sw':
    case 'ew':
    case 'gt':
    case 'lt':
    case 'ge':
    case 'le':
    case 'pr':
    case 'not':
      break;
  }
  throw new ScimError(400, 'Supported group filters: displayName, externalId or id with "eq", joined by "and" / "or".', 'invalidFilter');
}

type Q = { filter?: string; startIndex?: string; count?: string; excludedAttributes?: string; attributes?: string };

export async function listGroups(core: Core, actor: Actor, orgId: string, query: Q) {
  assertScimAdmin(actor, orgId);
  const { startIndex, count } = scimPaging(query);
  const tree = query.filter === undefined || query.filter.trim() === '' ? undefined : parseScimFilter(query.filter);
  let base = core.db.selectFrom('scim_groups').where('scim_groups.org_id', '=', orgId);
  if (tree !== undefined) base = base.where((eb) => filterSql(eb, tree));
  const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const rows = count === 0 ? [] : await base.selectAll().orderBy('created_at').orderBy('id').offset(startIndex - 1).limit(count).execute();
  const members = wantsMembers(query) ? await membersOf(core, core.db, orgId, rows.map((r) => r.id)) : undefined;
  return { schemas: [SCIM_LIST], totalResults: Number(total.n), startIndex, itemsPerPage: rows.length, Resources: rows.map((r) => present(core, r, members === undefined ? undefined : (members.get(r.id) ?? []))) };
}

export async function getGroup(core: Core, actor: Actor, orgId: string, id: string, query: Q = {}): Promise<ScimGroup> {
  assertScimAdmin(actor, orgId);
  const row = await getRow(core.db, orgId, id);
  return present(core, row, wantsMembers(query) ? ((await membersOf(core, core.db, orgId, [id])).get(id) ?? []) : undefined);
}

interface GroupInput {
  displayName: string;
  externalId: string | null;
  /** Person ids; undefined when the body names no members (PUT without members clears them). */
  members: string[];
}

/** A Group body (create, replace, or a PATCH's result), checked attribute by attribute. */
function readGroup(body: unknown): GroupInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ScimError(400, 'The body must be a SCIM Group object.', 'invalidSyntax');
  const b = body as Record<string, unknown>;
  const schemas = b['schemas'];
  if (schemas !== undefined && (!Array.isArray(schemas) || !schemas.includes(SCIM_GROUP))) throw new ScimError(400, `schemas must include ${SCIM_GROUP}.`, 'invalidSyntax');
  const displayName = b['displayName'];
  if (typeof displayName !== 'string' || displayName.trim() === '' || displayName.length > 256 || displayName.includes('\u0000')) throw new ScimError(400, 'displayName must be a string of 1 to 256 characters.', 'invalidValue');
  const externalId = b['externalId'];
  if (externalId !== undefined && externalId !== null && (typeof externalId !== 'string' || externalId.length > 256 || externalId.includes('\u0000'))) throw new ScimError(400, 'externalId must be a string of at most 256 characters.', 'invalidValue');
  const raw = b['members'] ?? [];
  if (!Array.isArray(raw)) throw new ScimError(400, 'members must be a list.', 'invalidValue');
  if (raw.length > SCIM_GROUP_MAX_MEMBERS) throw new ScimError(400, `A group holds at most ${SCIM_GROUP_MAX_MEMBERS} members.`, 'tooMany');
  const members = raw.map((m: unknown) => {
    const value = typeof m === 'object' && m !== null ? (m as { value?: unknown }).value : undefined;
    if (typeof value !== 'string' || value.length === 0 || value.length > 64) throw new ScimError(400, 'Each member needs a "value": a user id.', 'invalidValue');
    return value;
  });
  return { displayName: displayName.trim(), externalId: externalId ?? null, members: [...new Set(members)] };
}

/** Every member must be a user of the org (a SCIM resource not deleted). */
async function checkMembers(db: Kysely<Database>, orgId: string, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  const found = new Set<string>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db
      .selectFrom('people')
      .leftJoin('scim_users', 'scim_users.person_id', 'people.id')
      .select('people.id')
      .where('people.org_id', '=', orgId)
      .where('people.type', '=', 'person')
      .where('people.id', 'in', ids.slice(i, i + 500))
      .where((eb) => eb.or([eb('scim_users.deleted', 'is', null), eb('scim_users.deleted', '=', 0)]))
      .execute();
    for (const r of rows) found.add(r.id);
  }
  const missing = ids.find((id) => !found.has(id));
  if (missing !== undefined) throw new ScimError(400, `Member ${missing.slice(0, 64)} is not a user of this organization.`, 'invalidValue');
}

async function checkUnique(db: Kysely<Database>, orgId: string, input: GroupInput, self: string | undefined): Promise<void> {
  const byName = await db.selectFrom('scim_groups').select('id').where('org_id', '=', orgId).where('display_name', '=', input.displayName).executeTakeFirst();
  if (byName !== undefined && byName.id !== self) throw new ScimError(409, 'A group with this displayName exists already.', 'uniqueness');
  if (input.externalId !== null) {
    const byExt = await db.selectFrom('scim_groups').select('id').where('org_id', '=', orgId).where('external_id', '=', input.externalId).executeTakeFirst();
    if (byExt !== undefined && byExt.id !== self) throw new ScimError(409, 'A group with this externalId exists already.', 'uniqueness');
  }
}

/** Writes the group and its members (and their effects) in one transaction. */
async function write(core: Core, actor: Actor, orgId: string, existing: ScimGroupRow | undefined, input: GroupInput): Promise<string> {
  return core.events.transact(async (trx, emit) => {
    await checkUnique(trx, orgId, input, existing?.id);
    await checkMembers(trx, orgId, input.members);
    const now = core.now();
    let row: ScimGroupRow;
    if (existing === undefined) {
      row = { id: newId(), org_id: orgId, display_name: input.displayName, external_id: input.externalId, map_role: null, map_team_id: null, created_at: now, updated_at: now };
      await trx.insertInto('scim_groups').values(row).execute();
      await recordAdminAction(core, trx, actor, { action: 'scim.groupCreate', targetId: row.id, targetName: row.display_name });
    } else {
      row = { ...existing, display_name: input.displayName, external_id: input.externalId, updated_at: Math.max(now, existing.updated_at + 1) };
      await trx.updateTable('scim_groups').set({ display_name: row.display_name, external_id: row.external_id, updated_at: row.updated_at }).where('id', '=', row.id).execute();
    }
    const before = new Set((await trx.selectFrom('scim_group_members').select('person_id').where('group_id', '=', row.id).execute()).map((r) => r.person_id));
    const after = new Set(input.members);
    const added = [...after].filter((p) => !before.has(p));
    const removed = [...before].filter((p) => !after.has(p));
    for (const p of added) await trx.insertInto('scim_group_members').values({ group_id: row.id, person_id: p }).execute();
    if (removed.length > 0) await trx.deleteFrom('scim_group_members').where('group_id', '=', row.id).where('person_id', 'in', removed).execute();
    if (existing !== undefined && (existing.display_name !== row.display_name || added.length > 0 || removed.length > 0)) {
      const changes: Record<string, { from?: unknown; to?: unknown }> = {};
      if (existing.display_name !== row.display_name) changes['displayName'] = { from: existing.display_name, to: row.display_name };
      if (added.length > 0) changes['membersAdded'] = { to: added.length };
      if (removed.length > 0) changes['membersRemoved'] = { to: removed.length };
      await recordAdminAction(core, trx, actor, { action: 'scim.groupUpdate', targetId: row.id, targetName: row.display_name, changes });
    }
    await applyMemberEffects(core, trx, emit, actor, row, added, removed);
    return row.id;
  });
}

export async function createGroup(core: Core, actor: Actor, orgId: string, body: unknown): Promise<ScimGroup> {
  assertScimAdmin(actor, orgId);
  const id = await write(core, actor, orgId, undefined, readGroup(body));
  return getGroup(core, actor, orgId, id);
}

export async function replaceGroup(core: Core, actor: Actor, orgId: string, id: string, body: unknown): Promise<ScimGroup> {
  assertScimAdmin(actor, orgId);
  const row = await getRow(core.db, orgId, id);
  await write(core, actor, orgId, row, readGroup(body));
  return getGroup(core, actor, orgId, id);
}

/**
 * PATCH (RFC 7644 §3.5.2): the operations are applied to the group (with all its members) by
 * scim-patch — `add`/`remove`/`replace` of `members` (Okta: `members[value eq "…"]`; Entra ID:
 * `remove` with a `value` list), of `displayName`, of `externalId` — then written as a replace.
 */
export async function patchGroup(core: Core, actor: Actor, orgId: string, id: string, body: unknown): Promise<ScimGroup> {
  assertScimAdmin(actor, orgId);
  if (typeof body !== 'object' || body === null) throw new ScimError(400, 'The body must be a SCIM PatchOp.', 'invalidSyntax');
  const b = body as { schemas?: unknown; Operations?: unknown };
  if (!Array.isArray(b.schemas) || !b.schemas.includes(SCIM_PATCH)) throw new ScimError(400, `schemas must include ${SCIM_PATCH}.`, 'invalidSyntax');
  if (!Array.isArray(b.Operations) || b.Operations.length === 0 || b.Operations.length > 100) throw new ScimError(400, 'Operations must hold 1 to 100 operations.', 'invalidSyntax');
  const operations = (b.Operations as unknown[]).map((op) => {
    if (typeof op !== 'object' || op === null) throw new ScimError(400, 'Each operation must be an object.', 'invalidSyntax');
    const o = op as Record<string, unknown>;
    if (o['path'] !== undefined && typeof o['path'] !== 'string') throw new ScimError(400, 'An operation’s path must be a string.', 'invalidPath');
    const lowered: Record<string, unknown> = { ...o, op: typeof o['op'] === 'string' ? o['op'].toLowerCase() : o['op'] };
    return lowered;
  }).flatMap((o): ScimPatchOperation[] => {
    // Entra ID removes members as `{op: remove, path: members, value: [{value: id}]}`: scim-patch
    // would compare whole member objects, so each becomes a removal by a value filter.
    if (o['op'] === 'remove' && typeof o['path'] === 'string' && o['path'].toLowerCase() === 'members' && Array.isArray(o['value'])) {
      return (o['value'] as unknown[]).map((m) => {
        const value = typeof m === 'object' && m !== null ? (m as { value?: unknown }).value : undefined;
        if (typeof value !== 'string' || !/^[A-Za-z0-9-]{1,64}$/.test(value)) throw new ScimError(400, 'Each member to remove needs a "value": a user id.', 'invalidValue');
        const removal: ScimPatchOperation = { op: 'remove', path: `members[value eq "${value}"]` };
        return removal;
      });
    }
    return [o as unknown as ScimPatchOperation];
  });
  const row = await getRow(core.db, orgId, id);
  const resource = present(core, row, (await membersOf(core, core.db, orgId, [id])).get(id) ?? []);
  let patched: ScimGroup;
  try {
    patched = scimPatch<ScimResource>(structuredClone(resource) as unknown as ScimResource, operations, { mutateDocument: false, treatMissingAsAdd: true }) as unknown as ScimGroup;
  } catch (error) {
    throw patchFailure(error);
  }
  if (patched.id !== resource.id) throw new ScimError(400, 'id cannot be changed.', 'mutability');
  await write(core, actor, orgId, row, readGroup(patched));
  return getGroup(core, actor, orgId, id);
}

export async function deleteGroup(core: Core, actor: Actor, orgId: string, id: string): Promise<void> {
  assertScimAdmin(actor, orgId);
  await core.events.transact(async (trx, emit) => {
    const row = await getRow(trx, orgId, id);
    const members = (await trx.selectFrom('scim_group_members').select('person_id').where('group_id', '=', id).execute()).map((r) => r.person_id);
    await trx.deleteFrom('scim_group_members').where('group_id', '=', id).execute();
    await trx.deleteFrom('scim_groups').where('id', '=', id).execute();
    // Its members leave it: the mapping's effects end (the row is gone, so it no longer counts).
    await applyMemberEffects(core, trx, emit, actor, row, [], members);
    await recordAdminAction(core, trx, actor, { action: 'scim.groupDelete', targetId: row.id, targetName: row.display_name });
  });
}

/** The org's groups for the console (at most 500, with their member counts and mappings). */
export async function groupSummaries(core: Core, orgId: string, onlyId?: string) {
  let q = core.db
    .selectFrom('scim_groups as g')
    .leftJoin('scim_group_members as m', 'm.group_id', 'g.id')
    .select(['g.id', 'g.display_name', 'g.external_id', 'g.map_role', 'g.map_team_id', (eb) => eb.fn.count<number>('m.person_id').as('n')])
    .where('g.org_id', '=', orgId);
  if (onlyId !== undefined) q = q.where('g.id', '=', onlyId);
  const rows = await q.groupBy(['g.id', 'g.display_name', 'g.external_id', 'g.map_role', 'g.map_team_id']).orderBy('g.display_name').limit(500).execute();
  return rows.map((r) => ({ id: r.id, displayName: r.display_name, ...(r.external_id !== null ? { externalId: r.external_id } : {}), members: Number(r.n), ...(r.map_role === 'org_admin' ? { role: 'org_admin' as const } : {}), ...(r.map_team_id !== null ? { teamId: r.map_team_id } : {}) }));
}
