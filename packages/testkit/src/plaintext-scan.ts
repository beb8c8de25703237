/**
 * DESIGN §2 invariant 1, as a test helper: after a scenario, read every row of every table of the
 * core's database (SQLite or PostgreSQL alike) and every byte of every file under its data folder
 * (the SQLite file and its WAL with their free pages, blobs, the outbox…; never the KMS's own
 * folder), plus what the server logged, and report where any of the given plaintexts appears.
 * A `control` — plaintext the core legitimately holds, such as a person's name — must be found,
 * or the scan scanned nothing.
 * @module
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { TestFlint } from './flint.ts';

export interface PlaintextScan {
  /** `table.column: secret` for every hit in the database. */
  inDatabase: string[];
  /** `path: secret` for every hit in the data folder's files. */
  inFiles: string[];
  /** The secrets found in the server's log. */
  inLogs: string[];
  rowsScanned: number;
  filesScanned: number;
  controlInDatabase: boolean;
  controlInFiles: boolean;
}

/** Every string a value holds, bytes decoded as UTF-8 (BLOB / bytea columns). */
function textsOf(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  if (typeof value === 'string') return [value];
  if (value instanceof Uint8Array) return [Buffer.from(value).toString('utf8')];
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return [String(value)];
  return [JSON.stringify(value)];
}

async function filesUnder(dir: string, skip: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (path === skip) continue;
    if (entry.isDirectory()) out.push(...(await filesUnder(path, skip)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

export async function scanForPlaintext(flint: TestFlint, secrets: readonly string[], control: string): Promise<PlaintextScan> {
  const db = flint.server.core.db;
  const tables = await db.introspection.getTables({ withInternalKyselyTables: true });
  const result: PlaintextScan = { inDatabase: [], inFiles: [], inLogs: [], rowsScanned: 0, filesScanned: 0, controlInDatabase: false, controlInFiles: false };
  for (const table of tables) {
    const rows = (await db.selectFrom(table.name as 'messages').selectAll().execute()) as Record<string, unknown>[];
    for (const row of rows) {
      result.rowsScanned++;
      for (const [column, value] of Object.entries(row)) {
        for (const text of textsOf(value)) {
          if (text.includes(control)) result.controlInDatabase = true;
          for (const secret of secrets) if (text.includes(secret)) result.inDatabase.push(`${table.name}.${column}: ${secret}`);
        }
      }
    }
  }
  for (const file of await filesUnder(flint.dataDir, join(flint.dataDir, 'kms'))) {
    result.filesScanned++;
    const bytes = await readFile(file);
    if (bytes.includes(control)) result.controlInFiles = true;
    for (const secret of secrets) if (bytes.includes(secret)) result.inFiles.push(`${relative(flint.dataDir, file)}: ${secret}`);
  }
  const logText = flint.logText();
  result.inLogs = secrets.filter((s) => logText.includes(s));
  return result;
}
