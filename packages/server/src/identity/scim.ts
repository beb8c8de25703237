/**
 * SCIM 2.0 users (RFC 7643/7644; issue 18, SPEC ID-6): the org's directory (Okta, Entra ID…) keeps
 * its people in Flint — create, read, replace, PATCH, delete, and list with a filter. Filters are
 * parsed by `scim2-parse-filter` and PATCH operations applied by `scim-patch` (no hand parsing);
 * the supported filters (`userName eq`, `emails.value eq`, `emails[value eq …]`, `externalId eq`,
 * `id eq`, joined by `and`/`or`) become SQL, so a list never loads the whole directory.
 * `active: false` deactivates the person and ends every session of theirs at once.
 * @module
 */
import { parse as parseFilter, type Filter } from 'scim2-parse-filter';
import { scimPatch, ScimError as PatchError, type ScimPatchOperation, type ScimResource } from 'scim-patch';
import type { Expression, ExpressionBuilder, SqlBool } from 'kysely';
import type { Actor, Core } from '../core.ts';
import type { Database, PersonRow } from '../db/schema.ts';
import { recordAdminAction } from '../admin/audit.ts';
import { assertMayCreateAccount, emailDomain, listDomains, normalizeEmail } from './orgs.ts';
import { deactivatePerson, findPerson, findPersonByEmail, insertPerson, reactivatePerson } from './people.ts';
import { leaveAllGroups } from './scim-mapping.ts';

export const SCIM_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const SCIM_LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const SCIM_ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const SCIM_PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const SCIM_GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';

/** Page size when the client names none, and the most it may ask for (ServiceProviderConfig says so). */
export const SCIM_DEFAULT_COUNT = 100;
export const SCIM_MAX_COUNT = 200;

export type ScimType = 'invalidFilter' | 'tooMany' | 'uniqueness' | 'mutability' | 'invalidSyntax' | 'invalidPath' | 'noTarget' | 'invalidValue';

/** SCIM's own error (RFC 7644 §3.12): the HTTP edge answers it as `{schemas, status, scimType, detail}`. */
export class ScimError extends Error {
  override readonly name = 'ScimError';
  constructor(
    readonly status: number,
    message: string,
    readonly scimType?: ScimType,
  ) {
    super(message);
  }
}

export interface ScimUser {
  schemas: string[];
  id: string;
  externalId?: string;
  userName: string;
  displayName: string;
  name: { givenName?: string; familyName?: string };
  emails: { value: string; type: string; primary: boolean }[];
  active: boolean;
  /** The groups the user is in (read-only: membership is changed through `/Groups`). */
  groups: { value: string; display: string; $ref: string }[];
  meta: { resourceType: 'User'; created: string; lastModified: string; location: string };
}

type GroupRef = ScimUser['groups'][number];

/** The groups of these people, as a User's `groups` shows them. */
async function groupsOf(core: Core, orgId: string, personIds: readonly string[]): Promise<Map<string, GroupRef[]>> {
  const map = new Map<string, GroupRef[]>();
  if (personIds.length === 0) return map;
  const rows = await core.db
    .selectFrom('scim_group_members as m')
    .innerJoin('scim_groups as g', 'g.id', 'm.group_id')
    .select(['m.person_id', 'g.id', 'g.display_name'])
    .where('g.org_id', '=', orgId)
    .where('m.person_id', 'in', personIds)
    .orderBy('g.display_name')
    .execute();
  for (const r of rows) map.set(r.person_id, [...(map.get(r.person_id) ?? []), { value: r.id, display: r.display_name, $ref: `${core.config.publicUrl}/identity/scim/${orgId}/v2/Groups/${r.id}` }]);
  return map;
}

type Row = PersonRow & { external_id: string | null };

function present(core: Core, orgId: string, row: Row, groups: GroupRef[] = []): ScimUser {
  const name: ScimUser['name'] = {};
  if (row.first_name !== null) name.givenName = row.first_name;
  if (row.last_name !== null) name.familyName = row.last_name;
  return {
    schemas: [SCIM_USER],
    id: row.id,
    ...(row.external_id !== null ? { externalId: row.external_id } : {}),
    userName: row.email,
    displayName: row.display_name,
    name,
    emails: [{ value: row.email, type: 'work', primary: true }],
    active: row.status === 'active',
    groups,
    meta: {
      resourceType: 'User',
      created: new Date(row.created_at).toISOString(),
      lastModified: new Date(row.updated_at).toISOString(),
      location: `${core.config.publicUrl}/identity/scim/${orgId}/v2/Users/${row.id}`,
    },
  };
}

/**
 * Only the org's own admins, or the org's SCIM token, manage its directory; another org's id is not
 * found (a SCIM token of another org included).
 */
export function assertScimAdmin(actor: Actor, orgId: string): void {
  if (!actor.isAdmin && actor.via !== 'scim') throw new ScimError(403, 'This requires the organization administrator role.');
  if (actor.orgId !== orgId) throw new ScimError(404, 'No such organization.');
}

function users(core: Core, orgId: string) {
  return core.db
    .selectFrom('people')
    .leftJoin('scim_users', 'scim_users.person_id', 'people.id')
    .selectAll('people')
    .select('scim_users.external_id')
    .where('people.org_id', '=', orgId)
    .where('people.type', '=', 'person')
    .where((eb) => eb.or([eb('scim_users.deleted', 'is', null), eb('scim_users.deleted', '=', 0)]));
}

async function getRow(core: Core, orgId: string, id: string): Promise<Row> {
  const row = await users(core, orgId).where('people.id', '=', id).executeTakeFirst();
  if (row === undefined) throw new ScimError(404, `User ${id} not found.`);
  return row;
}

/** A filter's tree as SQL, for the attributes Flint indexes; anything else is `invalidFilter`. */
function filterSql(eb: ExpressionBuilder<Database & { scim_users: Database['scim_users'] }, 'people' | 'scim_users'>, f: Filter): Expression<SqlBool> {
  switch (f.op) {
    case 'and':
      return eb.and(f.filters.map((g) => filterSql(eb, g)));
    case 'or':
      return eb.or(f.filters.map((g) => filterSql(eb, g)));
    case '[]': {
      if (f.attrPath.toLowerCase() !== 'emails' || f.valFilter.op !== 'eq' || f.valFilter.attrPath.toLowerCase() !== 'value') break;
      return filterSql(eb, { op: 'eq', attrPath: 'emails.value', compValue: f.valFilter.compValue });
    }
    case 'eq': {
      if (typeof f.compValue !== 'string') throw new ScimError(400, `${f.attrPath} eq needs a string.`, 'invalidFilter');
      const attr = f.attrPath.replace(/^urn:ietf:params:scim:schemas:core:2\.0:User:/i, '').toLowerCase();
      // userName and emails are case-insensitive (RFC 7643 §4.1.1: caseExact false); stored lower-case.
      if (attr === 'username' || attr === 'emails.value' || attr === 'emails') return eb('people.email', '=', normalizeEmail(f.compValue));
      if (attr === 'externalid') return eb('scim_users.external_id', '=', f.compValue);
      if (attr === 'id') return eb('people.id', '=', f.compValue);
      break;
    }
    // Not supported (SQL for them would need the whole directory's attributes): invalidFilter below.
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
  throw new ScimError(400, 'Supported filters: userName, emails.value, externalId or id with "eq", joined by "and" / "or".', 'invalidFilter');
}

export function parseScimFilter(filter: string): Filter {
  try {
    return parseFilter(filter);
  } catch (error) {
    throw new ScimError(400, `The filter is not valid: ${error instanceof Error ? error.message.slice(0, 200) : 'syntax error'}`, 'invalidFilter');
  }
}

/** `startIndex` and `count` (RFC 7644 §3.4.2.4: a startIndex below 1 is 1, a negative count is 0), and the filter's length. */
export function scimPaging(query: { filter?: string; startIndex?: string; count?: string }): { startIndex: number; count: number } {
  const intOf = (name: string, raw: string | undefined, fallback: number): number => {
    if (raw === undefined) return fallback;
    if (!/^-?\d{1,9}$/.test(raw)) throw new ScimError(400, `${name} must be an integer.`, 'invalidValue');
    return Number(raw);
  };
  if (query.filter !== undefined && query.filter.length > 1000) throw new ScimError(400, 'The filter is too long (1000 characters at most).', 'invalidFilter');
  return { startIndex: Math.max(1, intOf('startIndex', query.startIndex, 1)), count: Math.min(SCIM_MAX_COUNT, Math.max(0, intOf('count', query.count, SCIM_DEFAULT_COUNT))) };
}

export async function listUsers(core: Core, actor: Actor, orgId: string, query: { filter?: string; startIndex?: string; count?: string }) {
  assertScimAdmin(actor, orgId);
  const { startIndex, count } = scimPaging(query);
  const tree = query.filter === undefined || query.filter.trim() === '' ? undefined : parseScimFilter(query.filter);
  let base = users(core, orgId);
  if (tree !== undefined) base = base.where((eb) => filterSql(eb, tree));
  const total = await base.clearSelect().select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const rows = count === 0 ? [] : await base.orderBy('people.created_at').orderBy('people.id').offset(startIndex - 1).limit(count).execute();
  const groups = await groupsOf(core, orgId, rows.map((r) => r.id));
  return { schemas: [SCIM_LIST], totalResults: Number(total.n), startIndex, itemsPerPage: rows.length, Resources: rows.map((r) => present(core, orgId, r, groups.get(r.id))) };
}

export async function getUser(core: Core, actor: Actor, orgId: string, id: string): Promise<ScimUser> {
  assertScimAdmin(actor, orgId);
  return present(core, orgId, await getRow(core, orgId, id), (await groupsOf(core, orgId, [id])).get(id));
}

interface UserInput {
  userName: string;
  displayName: string;
  givenName: string | null;
  familyName: string | null;
  externalId: string | null;
  active: boolean;
}

const str = (v: unknown, name: string, max: number): string | undefined => {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.length > max || v.includes('\u0000')) throw new ScimError(400, `${name} must be a string of at most ${max} characters.`, 'invalidValue');
  return v;
};

/** A User body (create, replace, or the result of a PATCH), checked attribute by attribute. */
function readUser(body: unknown): UserInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ScimError(400, 'The body must be a SCIM User object.', 'invalidSyntax');
  const b = body as Record<string, unknown>;
  const schemas = b['schemas'];
  if (schemas !== undefined && (!Array.isArray(schemas) || !schemas.includes(SCIM_USER))) throw new ScimError(400, `schemas must include ${SCIM_USER}.`, 'invalidSyntax');
  const primaryEmail = Array.isArray(b['emails'])
    ? ((b['emails'] as { value?: unknown; primary?: unknown }[]).find((e) => e?.primary === true) ?? (b['emails'] as { value?: unknown }[])[0])?.value
    : undefined;
  const userName = str(b['userName'], 'userName', 254) ?? str(primaryEmail, 'emails.value', 254);
  if (userName === undefined || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(userName.trim())) throw new ScimError(400, 'userName must be the person’s e-mail address.', 'invalidValue');
  const name = b['name'];
  if (name !== undefined && name !== null && (typeof name !== 'object' || Array.isArray(name))) throw new ScimError(400, 'name must be an object.', 'invalidValue');
  const n = (name ?? {}) as Record<string, unknown>;
  const givenName = str(n['givenName'], 'name.givenName', 128) ?? null;
  const familyName = str(n['familyName'], 'name.familyName', 128) ?? null;
  const formatted = str(n['formatted'], 'name.formatted', 128);
  const displayName = (str(b['displayName'], 'displayName', 128) ?? formatted ?? [givenName, familyName].filter((x) => x !== null).join(' ')).trim() || userName.trim().split('@')[0]!;
  const active = b['active'];
  if (active !== undefined && typeof active !== 'boolean') throw new ScimError(400, 'active must be true or false.', 'invalidValue');
  return { userName: normalizeEmail(userName), displayName, givenName, familyName, externalId: str(b['externalId'], 'externalId', 256) ?? null, active: active !== false };
}

async function setScimRow(core: Core, orgId: string, personId: string, externalId: string | null): Promise<void> {
  const now = core.now();
  const existing = await core.db.selectFrom('scim_users').select('person_id').where('person_id', '=', personId).executeTakeFirst();
  if (existing === undefined) await core.db.insertInto('scim_users').values({ person_id: personId, org_id: orgId, external_id: externalId, deleted: 0, updated_at: now }).execute();
  else await core.db.updateTable('scim_users').set({ external_id: externalId, deleted: 0, updated_at: now }).where('person_id', '=', personId).execute();
}

async function applyActive(core: Core, actor: Actor, row: PersonRow, active: boolean): Promise<void> {
  if (!active && row.status !== 'deactivated') {
    if (row.id === actor.personId) throw new ScimError(400, 'You cannot deactivate yourself.', 'mutability');
    // Deactivation revokes every session and closes the person's event streams at once.
    await deactivatePerson(core, core.db, row.id);
    await recordAdminAction(core, core.db, actor, { action: 'person.deactivate', targetId: row.id, targetName: row.email, changes: { status: { from: row.status, to: 'deactivated' } } });
  } else if (active && row.status === 'deactivated') {
    await reactivatePerson(core, core.db, row.id);
    await recordAdminAction(core, core.db, actor, { action: 'person.reactivate', targetId: row.id, targetName: row.email, changes: { status: { from: 'deactivated', to: 'active' } } });
  }
}

export async function createUser(core: Core, actor: Actor, orgId: string, body: unknown): Promise<ScimUser> {
  assertScimAdmin(actor, orgId);
  const input = readUser(body);
  try {
    await assertMayCreateAccount(core.db, orgId, input.userName);
  } catch {
    throw new ScimError(403, `${emailDomain(input.userName)} belongs to another organization.`);
  }
  if ((await findPersonByEmail(core.db, input.userName)) !== undefined) throw new ScimError(409, 'A user with this userName exists already.', 'uniqueness');
  if (input.externalId !== null && (await core.db.selectFrom('scim_users').select('person_id').where('org_id', '=', orgId).where('external_id', '=', input.externalId).where('deleted', '=', 0).executeTakeFirst()) !== undefined) {
    throw new ScimError(409, 'A user with this externalId exists already.', 'uniqueness');
  }
  const ownDomains = new Set((await listDomains(core.db, orgId)).filter((d) => d.verified === 1).map((d) => d.domain));
  // No password: a directory-made person signs in through the org's single sign-on.
  const person = await insertPerson(core, core.db, {
    orgId,
    email: input.userName,
    displayName: input.displayName,
    firstName: input.givenName ?? undefined,
    lastName: input.familyName ?? undefined,
    status: input.active ? 'active' : 'deactivated',
    isGuest: !ownDomains.has(emailDomain(input.userName)),
  });
  await setScimRow(core, orgId, person.id, input.externalId);
  await recordAdminAction(core, core.db, actor, { action: 'person.create', targetId: person.id, targetName: person.email, changes: { status: { to: person.status }, source: { to: 'SCIM' } } });
  return getUser(core, actor, orgId, person.id);
}

/** PUT: the whole resource as sent (attributes left out are cleared where Flint may clear them). */
export async function replaceUser(core: Core, actor: Actor, orgId: string, id: string, body: unknown): Promise<ScimUser> {
  assertScimAdmin(actor, orgId);
  const row = await getRow(core, orgId, id);
  return write(core, actor, orgId, row, readUser(body));
}

async function write(core: Core, actor: Actor, orgId: string, row: Row, input: UserInput): Promise<ScimUser> {
  if (input.userName !== row.email) {
    try {
      await assertMayCreateAccount(core.db, orgId, input.userName);
    } catch {
      throw new ScimError(403, `${emailDomain(input.userName)} belongs to another organization.`);
    }
    if ((await findPersonByEmail(core.db, input.userName)) !== undefined) throw new ScimError(409, 'A user with this userName exists already.', 'uniqueness');
  }
  if (input.externalId !== null && input.externalId !== row.external_id) {
    const taken = await core.db.selectFrom('scim_users').select('person_id').where('org_id', '=', orgId).where('external_id', '=', input.externalId).where('deleted', '=', 0).executeTakeFirst();
    if (taken !== undefined && taken.person_id !== row.id) throw new ScimError(409, 'A user with this externalId exists already.', 'uniqueness');
  }
  await core.db
    .updateTable('people')
    .set({ email: input.userName, display_name: input.displayName, first_name: input.givenName, last_name: input.familyName, updated_at: Math.max(core.now(), row.updated_at + 1) })
    .where('id', '=', row.id)
    .execute();
  await setScimRow(core, orgId, row.id, input.externalId);
  // The KMS is told a token's e-mail address from the auth cache (identity/auth-cache.ts).
  if (input.userName !== row.email) core.authCache.clear();
  const changes: Record<string, { from?: unknown; to?: unknown }> = {};
  if (input.userName !== row.email) changes['email'] = { from: row.email, to: input.userName };
  if (input.displayName !== row.display_name) changes['displayName'] = { from: row.display_name, to: input.displayName };
  if (Object.keys(changes).length > 0) await recordAdminAction(core, core.db, actor, { action: 'person.update', targetId: row.id, targetName: input.userName, changes });
  const fresh = await findPerson(core.db, row.id);
  if (fresh !== undefined) await applyActive(core, actor, fresh, input.active);
  return getUser(core, actor, orgId, row.id);
}

/** PATCH (RFC 7644 §3.5.2): the operations are applied to the resource by scim-patch, then written as a replace. */
export async function patchUser(core: Core, actor: Actor, orgId: string, id: string, body: unknown): Promise<ScimUser> {
  assertScimAdmin(actor, orgId);
  if (typeof body !== 'object' || body === null) throw new ScimError(400, 'The body must be a SCIM PatchOp.', 'invalidSyntax');
  const b = body as { schemas?: unknown; Operations?: unknown };
  if (!Array.isArray(b.schemas) || !b.schemas.includes(SCIM_PATCH)) throw new ScimError(400, `schemas must include ${SCIM_PATCH}.`, 'invalidSyntax');
  if (!Array.isArray(b.Operations) || b.Operations.length === 0 || b.Operations.length > 100) throw new ScimError(400, 'Operations must hold 1 to 100 operations.', 'invalidSyntax');
  // Some clients (Entra ID) capitalize "op": the RFC's values are case-insensitive.
  const operations = (b.Operations as unknown[]).map((op) => {
    if (typeof op !== 'object' || op === null) throw new ScimError(400, 'Each operation must be an object.', 'invalidSyntax');
    const o = op as Record<string, unknown>;
    return { ...o, op: typeof o['op'] === 'string' ? o['op'].toLowerCase() : o['op'] } as unknown as ScimPatchOperation;
  });
  const row = await getRow(core, orgId, id);
  const resource = present(core, orgId, row);
  let patched: ScimUser;
  try {
    patched = scimPatch<ScimResource>(structuredClone(resource) as unknown as ScimResource, operations, { mutateDocument: false, treatMissingAsAdd: true }) as unknown as ScimUser;
  } catch (error) {
    throw patchFailure(error);
  }
  if (patched.id !== resource.id) throw new ScimError(400, 'id cannot be changed.', 'mutability');
  // Flint keeps one address, the userName. A patch that changed the userName moves the address; one
  // that changed only the primary e-mail (as Entra ID sends it) moves it too.
  const primary = Array.isArray(patched.emails) ? ((patched.emails.find((e) => e?.primary === true) ?? patched.emails[0]) as { value?: unknown } | undefined)?.value : undefined;
  const userName = patched.userName !== resource.userName || primary === undefined || primary === resource.userName ? patched.userName : primary;
  const input = readUser({ ...patched, userName, emails: undefined });
  return write(core, actor, orgId, row, input);
}

/**
 * scim-patch's error as SCIM's: its own `scimCode` (`invalidSyntax`, `noTarget`…), except that a
 * path it cannot parse is `invalidPath` (RFC 7644 §3.12), which it reports as a syntax error.
 */
export function patchFailure(error: unknown): ScimError {
  if (!(error instanceof PatchError)) return new ScimError(400, 'The patch could not be applied.', 'invalidValue');
  const message = error.message.slice(0, 300);
  if (/\bpath\b/i.test(message) && /invalid|not valid|doesn't exist/i.test(message)) return new ScimError(400, message, 'invalidPath');
  const code = (error as unknown as { scimCode?: string }).scimCode;
  return new ScimError(400, message, (['invalidPath', 'noTarget', 'invalidValue', 'invalidSyntax'].includes(code ?? '') ? code : 'invalidValue') as ScimType);
}

/** DELETE: the resource is gone for SCIM (404 after); the person is deactivated, their history kept. */
export async function deleteUser(core: Core, actor: Actor, orgId: string, id: string): Promise<void> {
  assertScimAdmin(actor, orgId);
  const row = await getRow(core, orgId, id);
  if (row.id === actor.personId) throw new ScimError(400, 'You cannot delete yourself.', 'mutability');
  await applyActive(core, actor, row, false);
  // Out of its groups too: a role or team they brought ends with the resource.
  await leaveAllGroups(core, actor, orgId, row.id);
  await setScimRow(core, orgId, row.id, row.external_id);
  await core.db.updateTable('scim_users').set({ deleted: 1, updated_at: core.now() }).where('person_id', '=', row.id).execute();
}

/** RFC 7644 §5: what this service provider supports. */
export function serviceProviderConfig(core: Core, orgId: string) {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
    documentationUri: `${core.config.publicUrl}/docs`,
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: SCIM_MAX_COUNT },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: false },
    authenticationSchemes: [{ type: 'oauthbearertoken', name: 'OAuth Bearer Token', description: 'The org’s SCIM token (made in the admin console), or an org administrator’s access token.', primary: true }],
    meta: { resourceType: 'ServiceProviderConfig', location: `${core.config.publicUrl}/identity/scim/${orgId}/v2/ServiceProviderConfig` },
  };
}

export function resourceTypes(core: Core, orgId: string) {
  const type = (id: 'User' | 'Group', schema: string) => ({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
    id,
    name: id,
    endpoint: `/${id}s`,
    schema,
    meta: { resourceType: 'ResourceType', location: `${core.config.publicUrl}/identity/scim/${orgId}/v2/ResourceTypes/${id}` },
  });
  return { schemas: [SCIM_LIST], totalResults: 2, startIndex: 1, itemsPerPage: 2, Resources: [type('User', SCIM_USER), type('Group', SCIM_GROUP)] };
}

export function schemas(core: Core, orgId: string) {
  const attr = (name: string, type: string, extra: Record<string, unknown> = {}) => ({ name, type, multiValued: false, required: false, caseExact: false, mutability: 'readWrite', returned: 'default', uniqueness: 'none', ...extra });
  const user = {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
    id: SCIM_USER,
    name: 'User',
    description: 'A person of the organization',
    attributes: [
      attr('userName', 'string', { required: true, uniqueness: 'server' }),
      attr('externalId', 'string', { caseExact: true }),
      attr('displayName', 'string'),
      attr('name', 'complex', { subAttributes: [attr('givenName', 'string'), attr('familyName', 'string'), attr('formatted', 'string')] }),
      attr('emails', 'complex', { multiValued: true, subAttributes: [attr('value', 'string'), attr('type', 'string'), attr('primary', 'boolean')] }),
      attr('active', 'boolean'),
      attr('groups', 'complex', { multiValued: true, mutability: 'readOnly', subAttributes: [attr('value', 'string', { mutability: 'readOnly' }), attr('display', 'string', { mutability: 'readOnly' }), attr('$ref', 'reference', { mutability: 'readOnly' })] }),
    ],
    meta: { resourceType: 'Schema', location: `${core.config.publicUrl}/identity/scim/${orgId}/v2/Schemas/${SCIM_USER}` },
  };
  const group = {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
    id: SCIM_GROUP,
    name: 'Group',
    description: 'A directory group; the org maps it to the administrator role or to a team',
    attributes: [
      attr('displayName', 'string', { required: true, uniqueness: 'server' }),
      attr('externalId', 'string', { caseExact: true }),
      attr('members', 'complex', { multiValued: true, subAttributes: [attr('value', 'string', { mutability: 'immutable' }), attr('display', 'string', { mutability: 'readOnly' }), attr('$ref', 'reference', { mutability: 'immutable' }), attr('type', 'string', { mutability: 'immutable' })] }),
    ],
    meta: { resourceType: 'Schema', location: `${core.config.publicUrl}/identity/scim/${orgId}/v2/Schemas/${SCIM_GROUP}` },
  };
  return { schemas: [SCIM_LIST], totalResults: 2, startIndex: 1, itemsPerPage: 2, Resources: [user, group] };
}
