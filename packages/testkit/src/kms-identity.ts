/**
 * The in-process KMS's first run — a CA and a static RSA 2048 key generated, @peculiar/x509 loaded
 * to write their certificates: about 0.9 s of CPU — made once per test run instead of once per test
 * server. scripts/test.mjs names a folder in FLINT_TEST_KMS_IDENTITY; the first server of the run
 * opens a KMS there (the real first run, the same code as `flint serve`'s), and every later server's
 * KMS folder starts as a copy of it (master key and database), so its KMS starts as a second start
 * does: it reads that identity, sealed under that master key. Nothing else is in the copy (no
 * devices, keys, audit entries). Without the variable (a test file run on its own), each server
 * makes its own, as before. The first run itself is tested by the KMS's own tests and by the tests
 * that start `flint serve` or `flint kms serve` as processes on fresh folders.
 * @module
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { openKms } from '@flint/kms';

/** Seeds `kmsDataDir` with the run's KMS identity for `kmsCluster`, making it if it is the first. */
export async function seedKmsIdentity(kmsDataDir: string, kmsCluster: string): Promise<void> {
  const shared = process.env['FLINT_TEST_KMS_IDENTITY'];
  if (shared === undefined || shared === '') return;
  // One identity per cluster name: a static certificate names its host.
  const ready = join(shared, encodeURIComponent(kmsCluster));
  if (!existsSync(join(ready, 'kms.db'))) {
    await mkdir(shared, { recursive: true });
    // Made aside and renamed into place: two test files starting at once both make one, the first
    // rename wins, and the other's is dropped (a folder cannot be renamed over a non-empty one).
    const making = await mkdtemp(join(shared, 'making-'));
    // Opened only to make its identity: it answers no request, so it knows no bearer.
    const kms = await openKms({ dataDir: making, kmsCluster, verifyBearer: () => Promise.resolve(undefined) });
    await kms.close();
    try {
      await rename(making, ready);
    } catch {
      await rm(making, { recursive: true, force: true });
    }
  }
  await mkdir(kmsDataDir, { recursive: true, mode: 0o700 });
  // The closed database has no -wal or -shm file left; whatever is there is the identity.
  for (const name of await readdir(ready)) await copyFile(join(ready, name), join(kmsDataDir, name));
}
