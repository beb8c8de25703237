/**
 * SCIM 2.0 groups and the dedicated SCIM token (issue 18, SPEC ID-5/ID-6).
 *
 * - `scim_tokens`: one directory token per org, stored as its SHA-256 (shown once at creation).
 * - `scim_groups` / `scim_group_members`: the directory's groups and who is in them; a group may be
 *   mapped by the org's admin to the `org_admin` role or to a Flint team.
 * - `scim_role_grants`: roles that directory sync granted (so it takes back only those, never a role
 *   an admin granted by hand).
 * - `team_key_shares`: team changes the core recorded for a group mapped to a team and that only a
 *   client can finish at the KMS (the core holds no keys): `add` — a team moderator's client
 *   authorizes the person on the team's resource, then adds the membership; `remove` — the core has
 *   taken the person out already, and a moderator's client removes their KMS authorization and
 *   rotates the keys of the spaces they were in (`spaces`, JSON).
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('scim_tokens')
    .addColumn('org_id', 'text', (c) => c.primaryKey())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .execute();
  await db.schema
    .createTable('scim_groups')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text')
    .addColumn('map_role', 'text')
    .addColumn('map_team_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('scim_groups_org').on('scim_groups').columns(['org_id', 'display_name']).execute();
  await db.schema.createIndex('scim_groups_external').on('scim_groups').columns(['org_id', 'external_id']).execute();
  await db.schema
    .createTable('scim_group_members')
    .addColumn('group_id', 'text', (c) => c.notNull())
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('scim_group_members_pk', ['group_id', 'person_id'])
    .execute();
  await db.schema.createIndex('scim_group_members_person').on('scim_group_members').columns(['person_id']).execute();
  await db.schema
    .createTable('scim_role_grants')
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('scim_role_grants_pk', ['person_id', 'role'])
    .execute();
  await db.schema
    .createTable('team_key_shares')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('team_id', 'text', (c) => c.notNull())
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addColumn('op', 'text', (c) => c.notNull())
    .addColumn('spaces', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('team_key_shares_team_person').on('team_key_shares').columns(['team_id', 'person_id']).unique().execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['team_key_shares', 'scim_role_grants', 'scim_group_members', 'scim_groups', 'scim_tokens']) await db.schema.dropTable(t).execute();
}
