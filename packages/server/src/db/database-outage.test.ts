/**
 * PostgreSQL going away under the core (a restart, a failover): a connection that dies while it is
 * checked out must fail its work, not the process, and the pool must serve again once the server
 * is back. Found by tests/e2e/chaos.test.ts, where an instance died of "Connection terminated
 * unexpectedly" (an 'error' event nobody listened to) when PostgreSQL restarted under load.
 * Runs when FLINT_TEST_DATABASE_URL names a PostgreSQL server.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { createTestDatabase, startTcpProxy } from '@flint/testkit';
import { openDatabase } from './database.ts';

const skip = process.env['FLINT_TEST_DATABASE_URL']?.startsWith('postgres') === true ? false : 'needs FLINT_TEST_DATABASE_URL (PostgreSQL)';

describe('the database pool when PostgreSQL goes away', { skip }, () => {
  it('survives a connection ending inside a transaction, and serves again afterwards', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'flint-pg-outage-'));
    const database = await createTestDatabase(dir);
    const target = new URL(database.url);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const url = new URL(database.url);
    url.port = new URL(proxy.url).port;
    const opened = openDatabase({ kind: 'postgres', url: url.toString(), poolSize: 2 });
    const crashes: unknown[] = [];
    const onCrash = (error: unknown) => crashes.push(error);
    process.on('uncaughtException', onCrash);
    try {
      await assert.rejects(
        opened.db.transaction().execute(async (trx) => {
          await sql`select 1`.execute(trx);
          // The server ends the connection while this transaction holds it, between two queries.
          proxy.drop();
          await new Promise((r) => setTimeout(r, 300));
          await sql`select 1`.execute(trx);
        }),
      );
      assert.deepEqual(crashes, [], 'the dead connection crashed the process');
      const { rows } = await sql<{ one: number }>`select 1 as one`.execute(opened.db);
      assert.equal(rows[0]?.one, 1, 'the pool replaced the broken connection');
    } finally {
      process.off('uncaughtException', onCrash);
      await opened.close();
      await proxy.stop();
      await database.drop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
