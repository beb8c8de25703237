/**
 * The KMS's migrations, kept apart from the core's (table prefix `kms`): the KMS may run on its
 * own database on another machine. Written with the schema builder so one definition serves both
 * engines; the append-only guard on the audit log is engine-specific SQL.
 * @module
 */
import { sql, type Kysely, type Migration } from 'kysely';

export function kmsMigrations(engine: 'sqlite' | 'postgres'): Record<string, Migration> {
  return {
    '0001-kms': {
      async up(db: Kysely<unknown>): Promise<void> {
        await db.schema
          .createTable('kms_pki')
          .addColumn('name', 'text', (c) => c.primaryKey())
          .addColumn('cert_der', 'text', (c) => c.notNull())
          .addColumn('private_key_sealed', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('kms_ephemeral_keys')
          .addColumn('uri', 'text', (c) => c.primaryKey())
          .addColumn('key_sealed', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('client_id', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('kms_ephemeral_keys_expiry').on('kms_ephemeral_keys').column('expires_at').execute();
        await db.schema
          .createTable('kms_resources')
          .addColumn('uri', 'text', (c) => c.primaryKey())
          .addColumn('created_by', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('kms_keys')
          .addColumn('uri', 'text', (c) => c.primaryKey())
          .addColumn('key_sealed', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('client_id', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .addColumn('resource_uri', 'text', (c) => c.references('kms_resources.uri'))
          .addColumn('bound_at', 'bigint')
          .execute();
        await db.schema.createIndex('kms_keys_resource').on('kms_keys').columns(['resource_uri', 'bound_at']).execute();
        await db.schema
          .createTable('kms_authorizations')
          .addColumn('uri', 'text', (c) => c.primaryKey())
          .addColumn('resource_uri', 'text', (c) => c.notNull().references('kms_resources.uri'))
          .addColumn('auth_id', 'text', (c) => c.notNull())
          .addColumn('created_by', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addUniqueConstraint('kms_authorizations_resource_auth', ['resource_uri', 'auth_id'])
          .execute();
        await db.schema.createIndex('kms_authorizations_auth').on('kms_authorizations').column('auth_id').execute();
        await db.schema
          .createTable('kms_audit')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('at', 'bigint', (c) => c.notNull())
          .addColumn('user_id', 'text')
          .addColumn('org_id', 'text')
          .addColumn('client_id', 'text')
          .addColumn('request_id', 'text')
          .addColumn('action', 'text', (c) => c.notNull())
          .addColumn('target', 'text')
          .addColumn('status', 'integer', (c) => c.notNull())
          .addColumn('detail', 'text')
          .execute();
        await db.schema.createIndex('kms_audit_at').on('kms_audit').column('at').execute();
        await db.schema.createIndex('kms_audit_user').on('kms_audit').columns(['user_id', 'at']).execute();
        await db.schema.createIndex('kms_audit_target').on('kms_audit').columns(['target', 'at']).execute();
        // The audit log is append-only in the database itself, not only by convention in the code.
        if (engine === 'sqlite') {
          await sql`CREATE TRIGGER kms_audit_no_update BEFORE UPDATE ON kms_audit BEGIN SELECT RAISE(ABORT, 'kms_audit is append-only'); END`.execute(db);
          await sql`CREATE TRIGGER kms_audit_no_delete BEFORE DELETE ON kms_audit BEGIN SELECT RAISE(ABORT, 'kms_audit is append-only'); END`.execute(db);
        } else {
          await sql`CREATE FUNCTION kms_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'kms_audit is append-only'; END $$`.execute(db);
          await sql`CREATE TRIGGER kms_audit_no_change BEFORE UPDATE OR DELETE ON kms_audit FOR EACH ROW EXECUTE FUNCTION kms_audit_append_only()`.execute(db);
        }
      },
    },
    '0002-credentials-bindings': {
      async up(db: Kysely<unknown>): Promise<void> {
        // What proves a request comes from one of the person's own devices (credentials.ts): only
        // hashes of secrets the core never sees.
        await db.schema
          .createTable('kms_credentials')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('hash', 'text', (c) => c.notNull().unique())
          .addColumn('label', 'text')
          .addColumn('enrolled_via', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('kms_credentials_user').on('kms_credentials').columns(['user_id', 'kind']).execute();
        // The room (and team) a resource protects, named once by an authorized member (bindings.ts).
        await db.schema.alterTable('kms_resources').addColumn('room_id', 'text').execute();
        await db.schema.alterTable('kms_resources').addColumn('team_id', 'text').execute();
        await db.schema.alterTable('kms_resources').addColumn('bound_by', 'text').execute();
        await db.schema.alterTable('kms_resources').addColumn('bound_at', 'bigint').execute();
        await db.schema.createIndex('kms_resources_room').on('kms_resources').column('room_id').unique().execute();
        // The device credential that asked, and from where (the requester's address as reported by
        // the core's relay, or as the KMS's own listener saw it: address_source says which).
        await db.schema.alterTable('kms_audit').addColumn('credential_id', 'text').execute();
        await db.schema.alterTable('kms_audit').addColumn('address', 'text').execute();
        await db.schema.alterTable('kms_audit').addColumn('address_source', 'text').execute();
      },
    },
    '0003-compliance-officers': {
      async up(db: Kysely<unknown>): Promise<void> {
        // Compliance officers (officers.ts): granted in the security realm, per organization.
        await db.schema
          .createTable('kms_officers')
          .addColumn('org_id', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('label', 'text', (c) => c.notNull())
          .addColumn('granted_by', 'text', (c) => c.notNull())
          .addColumn('granted_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('kms_officers_pk', ['org_id', 'user_id'])
          .execute();
        await db.schema.createIndex('kms_officers_user').on('kms_officers').column('user_id').execute();
        // Which organization a resource belongs to: its creator's. Older resources take it from the
        // creator's own audited requests (the KMS's own record of who the core said they were).
        await db.schema.alterTable('kms_resources').addColumn('org_id', 'text').execute();
        await sql`UPDATE kms_resources SET org_id = (SELECT a.org_id FROM kms_audit a WHERE a.user_id = kms_resources.created_by AND a.org_id IS NOT NULL AND a.org_id <> '' ORDER BY a.id LIMIT 1) WHERE org_id IS NULL`.execute(db);
        await db.schema.createIndex('kms_resources_org').on('kms_resources').column('org_id').execute();
      },
    },
    '0004-first-device-and-idp': {
      async up(db: Kysely<unknown>): Promise<void> {
        // Who the KMS knows each person as: the organization the core named at their first request
        // (a hostile core cannot later move them to an org without an IdP requirement), and the
        // subject of the org's identity provider their first proof named (credentials.ts, idp.ts).
        await db.schema
          .createTable('kms_principals')
          .addColumn('user_id', 'text', (c) => c.primaryKey())
          .addColumn('org_id', 'text', (c) => c.notNull())
          .addColumn('idp_issuer', 'text')
          .addColumn('idp_subject', 'text')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('kms_principals_idp').on('kms_principals').columns(['idp_issuer', 'idp_subject']).unique().execute();
        // The organizations whose identity provider the KMS requires a proof from (set by the KMS's
        // operator only: `flint kms idp set`).
        await db.schema
          .createTable('kms_idp')
          .addColumn('org_id', 'text', (c) => c.primaryKey())
          .addColumn('issuer', 'text', (c) => c.notNull())
          .addColumn('client_id', 'text', (c) => c.notNull())
          .addColumn('set_at', 'bigint', (c) => c.notNull())
          .execute();
      },
    },
    '0006-retention': {
      async up(db: Kysely<unknown>): Promise<void> {
        // Crypto-shredding (retention.ts): the operator's rule per org, and the holds it honours.
        await db.schema
          .createTable('kms_retention')
          .addColumn('org_id', 'text', (c) => c.primaryKey())
          .addColumn('message_days', 'integer', (c) => c.notNull())
          .addColumn('set_by', 'text', (c) => c.notNull())
          .addColumn('set_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('kms_holds')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('org_id', 'text', (c) => c.notNull())
          .addColumn('room_id', 'text')
          .addColumn('user_id', 'text')
          .addColumn('created_by', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('kms_holds_org').on('kms_holds').column('org_id').execute();
        // Who was ever authorized where (a held person's past spaces) is read from the audit log.
        await db.schema.createIndex('kms_audit_action_detail').on('kms_audit').columns(['action', 'detail']).execute();
      },
    },
    '0007-mail-relay': {
      async up(db: Kysely<unknown>): Promise<void> {
        // Voicemail to e-mail (mail.ts): the parts of the audio a person's device handed over, kept
        // (sealed with the KMS's master key) until the mail is sent or goes stale. Per node-agnostic
        // row, so the parts may reach any KMS node.
        await db.schema
          .createTable('kms_mail_parts')
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('mail_id', 'text', (c) => c.notNull())
          .addColumn('idx', 'integer', (c) => c.notNull())
          .addColumn('data_sealed', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('kms_mail_parts_pk', ['user_id', 'mail_id', 'idx'])
          .execute();
        await db.schema.createIndex('kms_mail_parts_created').on('kms_mail_parts').column('created_at').execute();
      },
    },
  };
}
