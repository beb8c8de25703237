/**
 * Opens the KMS's own database — never the core's — and brings it to the latest schema.
 * @module
 */
import { migrate, openDatabase, type DatabaseConfig, type OpenedDatabase } from '@flint/db';
import type { KmsDatabase } from './schema.ts';
import { kmsMigrations } from './migrations.ts';

export async function openKmsDatabase(config: DatabaseConfig): Promise<OpenedDatabase<KmsDatabase>> {
  const opened = openDatabase<KmsDatabase>(config);
  try {
    await migrate(opened.db, kmsMigrations(opened.engine), 'kms');
  } catch (error) {
    await opened.close();
    throw error;
  }
  return opened;
}

/** `sqlite:/path/kms.db` or `postgres://…` → the config @flint/db takes (for the CLI and tests). */
export function databaseConfigFromUrl(url: string, poolSize = 10): DatabaseConfig {
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (file === '') throw new Error('a sqlite: database URL needs a file path');
    return { kind: 'sqlite', file };
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return { kind: 'postgres', url, poolSize };
  throw new Error('the KMS database URL must start with sqlite:, postgres:// or postgresql://');
}
