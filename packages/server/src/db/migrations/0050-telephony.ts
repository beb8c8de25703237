/**
 * Telephony (SPEC CL-4, CL-5, CL-6; docs/telephony.md): the org's calling settings and extension
 * ranges, locations (time zone, emergency address), extensions and DID numbers with their owner,
 * people's calling settings, hunt groups and their agents, schedules, auto attendants and their
 * greetings, and SIP devices with their one-time activation codes. No content: PSTN and SIP legs
 * are not end-to-end encrypted, and nothing here is a message.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('telephony_settings')
    .addColumn('org_id', 'text', (c) => c.primaryKey().references('orgs.id').onDelete('cascade'))
    .addColumn('company_number', 'text')
    // 0/1: whether people of the org may call international numbers unless their own setting says otherwise.
    .addColumn('international_calling', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('telephony_extension_ranges')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('first_ext', 'text', (c) => c.notNull())
    .addColumn('last_ext', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('telephony_extension_ranges_org').on('telephony_extension_ranges').column('org_id').execute();
  await db.schema
    .createTable('telephony_locations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('time_zone', 'text', (c) => c.notNull())
    .addColumn('address1', 'text', (c) => c.notNull())
    .addColumn('address2', 'text')
    .addColumn('city', 'text', (c) => c.notNull())
    .addColumn('state', 'text')
    .addColumn('postal_code', 'text', (c) => c.notNull())
    .addColumn('country', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('telephony_locations_org_name').on('telephony_locations').columns(['org_id', 'name']).unique().execute();
  // One row per assigned extension: the primary key makes an extension unique in its org whoever holds it.
  await db.schema
    .createTable('telephony_extensions')
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('extension', 'text', (c) => c.notNull())
    .addColumn('owner_type', 'text', (c) => c.notNull())
    .addColumn('owner_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('telephony_extensions_pk', ['org_id', 'extension'])
    .execute();
  await db.schema.createIndex('telephony_extensions_owner').on('telephony_extensions').columns(['owner_type', 'owner_id']).unique().execute();
  await db.schema
    .createTable('telephony_numbers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('location_id', 'text', (c) => c.notNull().references('telephony_locations.id').onDelete('cascade'))
    // E.164; unique on the whole instance (a number reaches one place).
    .addColumn('phone_number', 'text', (c) => c.notNull().unique())
    .addColumn('owner_type', 'text')
    .addColumn('owner_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('telephony_numbers_org').on('telephony_numbers').columns(['org_id', 'phone_number']).execute();
  await db.schema.createIndex('telephony_numbers_owner').on('telephony_numbers').columns(['owner_type', 'owner_id']).execute();
  await db.schema
    .createTable('telephony_people')
    .addColumn('person_id', 'text', (c) => c.primaryKey().references('people.id').onDelete('cascade'))
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('location_id', 'text', (c) => c.references('telephony_locations.id').onDelete('set null'))
    // `own` (the person's DID) or `company` (the org's company number).
    .addColumn('caller_id', 'text', (c) => c.notNull())
    // `org` (follow the org), `allow` or `block`.
    .addColumn('international', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('telephony_hunt_groups')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('location_id', 'text', (c) => c.notNull().references('telephony_locations.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('policy', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('advance_enabled', 'integer', (c) => c.notNull())
    .addColumn('advance_rings', 'integer', (c) => c.notNull())
    .addColumn('overflow_destination', 'text')
    // CIRCULAR: the position after the agent offered a call last.
    .addColumn('circular_next', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('telephony_hunt_groups_org_name').on('telephony_hunt_groups').columns(['org_id', 'name']).unique().execute();
  await db.schema
    .createTable('telephony_hunt_agents')
    .addColumn('group_id', 'text', (c) => c.notNull().references('telephony_hunt_groups.id').onDelete('cascade'))
    .addColumn('person_id', 'text', (c) => c.notNull().references('people.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('weight', 'integer', (c) => c.notNull())
    .addColumn('logged_in', 'integer', (c) => c.notNull())
    // When the agent's last hunt-group call ended (UNIFORM: the longest idle first); null never.
    .addColumn('idle_since', 'bigint')
    .addPrimaryKeyConstraint('telephony_hunt_agents_pk', ['group_id', 'person_id'])
    .execute();
  await db.schema.createIndex('telephony_hunt_agents_person').on('telephony_hunt_agents').column('person_id').execute();
  await db.schema
    .createTable('telephony_schedules')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('location_id', 'text', (c) => c.notNull().references('telephony_locations.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    // JSON: the schedule's events (protocol ScheduleEvent[]), validated on the way in.
    .addColumn('events', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('telephony_schedules_name').on('telephony_schedules').columns(['location_id', 'type', 'name']).unique().execute();
  await db.schema
    .createTable('telephony_attendants')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('location_id', 'text', (c) => c.notNull().references('telephony_locations.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('business_schedule_id', 'text', (c) => c.references('telephony_schedules.id').onDelete('set null'))
    .addColumn('holiday_schedule_id', 'text', (c) => c.references('telephony_schedules.id').onDelete('set null'))
    // JSON: the menus (protocol AttendantMenu), validated on the way in.
    .addColumn('business_menu', 'text', (c) => c.notNull())
    .addColumn('after_hours_menu', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('telephony_attendants_org_name').on('telephony_attendants').columns(['org_id', 'name']).unique().execute();
  await db.schema
    .createTable('telephony_greetings')
    .addColumn('attendant_id', 'text', (c) => c.notNull().references('telephony_attendants.id').onDelete('cascade'))
    // `business` or `afterHours`.
    .addColumn('menu', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('text', 'text')
    .addColumn('blob_key', 'text', (c) => c.notNull())
    .addColumn('bytes', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('telephony_greetings_pk', ['attendant_id', 'menu'])
    .execute();
  await db.schema
    .createTable('telephony_devices')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('person_id', 'text', (c) => c.notNull().references('people.id').onDelete('cascade'))
    .addColumn('mac', 'text', (c) => c.notNull())
    .addColumn('sip_username', 'text', (c) => c.notNull().unique())
    // The SIP digest's HA1 (MD5 of user:realm:password), which the SIP engine needs to check a
    // REGISTER; set when the device is activated. The password itself is never stored.
    .addColumn('ha1', 'text')
    // The activation code: its public half to find the row, its secret half as a slow salted hash (SEC-4).
    .addColumn('code_id', 'text', (c) => c.unique())
    .addColumn('code_hash', 'text')
    .addColumn('code_expires_at', 'bigint')
    .addColumn('activated_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('telephony_devices_person').on('telephony_devices').column('person_id').execute();
  await db.schema.createIndex('telephony_devices_org_mac').on('telephony_devices').columns(['org_id', 'mac']).unique().execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of [
    'telephony_devices',
    'telephony_greetings',
    'telephony_attendants',
    'telephony_schedules',
    'telephony_hunt_agents',
    'telephony_hunt_groups',
    'telephony_people',
    'telephony_numbers',
    'telephony_extensions',
    'telephony_locations',
    'telephony_extension_ranges',
    'telephony_settings',
  ]) {
    await db.schema.dropTable(t).execute();
  }
}
