/**
 * The folders `flint serve` keeps its data in, made private before anything is written (issue 14,
 * finding 7). The core's folder (`--data`, SQLite file, blobs, outbox) and the KMS's folder
 * (`--kms-data`, master key and the KMS's SQLite file) are separate, so a copy or backup of one
 * never holds both the ciphertext and the keys to it. Folders are 0700 and files 0600: the process
 * runs with umask 077, and folders and database files left by an older install are tightened.
 *
 * An install from before the split kept the KMS at `<data>/kms`: it is moved to the KMS's folder
 * on start (and the log says so), unless that folder already holds something — then both are
 * left alone and Flint refuses to start rather than guess which is right.
 * @module
 */
import { chmod, cp, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { FlintConfig, Logger } from '@flint/server';

export class DataFolderError extends Error {
  override readonly name = 'DataFolderError';
}

const exists = (path: string) => stat(path).then(() => true, () => false);
const isEmptyDir = async (path: string) => (await readdir(path).catch(() => [])).length === 0;

async function privateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
}

/** Tightens the files directly in `dir` (the database and its WAL, the master key) to 0600. */
async function privateFiles(dir: string, only?: (name: string) => boolean): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isFile() && (only === undefined || only(entry.name))) await chmod(join(dir, entry.name), 0o600);
  }
}

/** Moves a folder, across file systems too (rename cannot). */
async function move(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    await cp(from, to, { recursive: true, preserveTimestamps: true, errorOnExist: true });
    await rm(from, { recursive: true });
  }
}

export async function prepareDataFolders(config: FlintConfig, log: Logger, options: { kmsInProcess: boolean }): Promise<void> {
  // Everything this process creates from now on is its owner's alone.
  process.umask(0o077);
  await privateDir(config.dataDir);
  await privateFiles(config.dataDir, (name) => /\.db(-wal|-shm|-journal)?$/.test(name));
  if (config.database.kind === 'sqlite' && (await exists(config.database.file))) await chmod(config.database.file, 0o600);
  if (!options.kmsInProcess) return;
  const legacy = join(config.dataDir, 'kms');
  if (await exists(legacy)) {
    if ((await exists(config.kmsDataDir)) && !(await isEmptyDir(config.kmsDataDir))) {
      throw new DataFolderError(
        `the KMS data is in two places: ${legacy} (inside the core's data folder, from an older Flint) and ${config.kmsDataDir}; keep the right one at ${config.kmsDataDir} and remove the other`,
      );
    }
    if (await exists(config.kmsDataDir)) await rm(config.kmsDataDir, { recursive: true });
    await move(legacy, config.kmsDataDir);
    log.warn({ from: legacy, to: config.kmsDataDir }, "moved the KMS's data (master key, database) out of the core's data folder; back the two folders up separately");
  }
  await privateDir(config.kmsDataDir);
  await privateFiles(config.kmsDataDir);
}
