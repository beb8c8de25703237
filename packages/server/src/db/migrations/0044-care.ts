/**
 * The care assistant (SPEC SP-7): help-desk queues, their experts, and care requests. A request
 * names the ordinary encrypted space the asker's client made; nothing here is content.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('care_queues')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('care_queues_org_name').on('care_queues').columns(['org_id', 'name']).unique().execute();
  await db.schema
    .createTable('care_experts')
    .addColumn('queue_id', 'text', (c) => c.notNull().references('care_queues.id').onDelete('cascade'))
    .addColumn('person_id', 'text', (c) => c.notNull().references('people.id').onDelete('cascade'))
    // When this queue last routed a request to this expert: the rotation among equally loaded experts.
    .addColumn('last_routed_at', 'bigint')
    .addPrimaryKeyConstraint('care_experts_pk', ['queue_id', 'person_id'])
    .execute();
  await db.schema.createIndex('care_experts_person').on('care_experts').column('person_id').execute();
  await db.schema
    .createTable('care_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('queue_id', 'text', (c) => c.notNull().references('care_queues.id').onDelete('cascade'))
    // One request per space; the space goes, the request goes.
    .addColumn('space_id', 'text', (c) => c.notNull().unique().references('spaces.id').onDelete('cascade'))
    .addColumn('asker_id', 'text', (c) => c.notNull().references('people.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('expert_id', 'text', (c) => c.references('people.id').onDelete('set null'))
    .addColumn('handed_off_by', 'text', (c) => c.references('people.id').onDelete('set null'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('resolved_at', 'bigint')
    .execute();
  await db.schema.createIndex('care_requests_queue').on('care_requests').columns(['queue_id', 'status']).execute();
  await db.schema.createIndex('care_requests_expert').on('care_requests').columns(['expert_id', 'status']).execute();
  await db.schema.createIndex('care_requests_asker').on('care_requests').columns(['asker_id', 'status']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('care_requests').execute();
  await db.schema.dropTable('care_experts').execute();
  await db.schema.dropTable('care_queues').execute();
}
