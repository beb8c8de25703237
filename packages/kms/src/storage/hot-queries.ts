/**
 * The reads of every KMS request (a key retrieval makes all five), compiled once per database
 * (`preparedQuery`): the same SQL the query builder would make, without building it each time.
 * @module
 */
import { preparedQuery } from '@flint/db';
import type { Kysely } from 'kysely';
import type { KmsDatabase } from './schema.ts';

function make(db: Kysely<KmsDatabase>) {
  return {
    ephemeralKey: preparedQuery(db, (uri: string) => db.selectFrom('kms_ephemeral_keys').selectAll().where('uri', '=', uri), ['uri']),
    key: preparedQuery(db, (uri: string) => db.selectFrom('kms_keys').selectAll().where('uri', '=', uri), ['uri']),
    /** Who is on one resource's authorization list (a person's id, or another resource's URI). */
    authorizedOn: preparedQuery(db, (resourceUri: string) => db.selectFrom('kms_authorizations').select('auth_id').where('resource_uri', '=', resourceUri), ['resourceUri']),
    principalOrg: preparedQuery(db, (userId: string) => db.selectFrom('kms_principals').select('org_id').where('user_id', '=', userId), ['userId']),
    credentialByHash: preparedQuery(db, (hash: string) => db.selectFrom('kms_credentials').select(['id', 'user_id', 'kind']).where('hash', '=', hash), ['hash']),
  };
}

export type HotQueries = ReturnType<typeof make>;

const byDatabase = new WeakMap<Kysely<KmsDatabase>, HotQueries>();

export function hotQueries(db: Kysely<KmsDatabase>): HotQueries {
  let queries = byDatabase.get(db);
  if (queries === undefined) byDatabase.set(db, (queries = make(db)));
  return queries;
}
