/**
 * Password hashing with argon2id (SPEC SEC-4). The cost comes from config; the defaults are the
 * OWASP minimum (19 MiB, 2 passes, 1 lane).
 * @module
 */
import { hash, verify, type Algorithm } from '@node-rs/argon2';

/** `Algorithm.Argon2id`; the package declares it as a const enum, which isolated modules cannot read. */
const ARGON2ID = 2 as Algorithm;

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(stored: string, password: string): Promise<boolean>;
  /** Spends the same time as a real verification, so an unknown e-mail is not told apart by timing. */
  verifyDummy(password: string): Promise<void>;
}

export function createPasswordHasher(cost: { memoryKiB: number; iterations: number; parallelism: number }): PasswordHasher {
  const options = {
    algorithm: ARGON2ID,
    memoryCost: cost.memoryKiB,
    timeCost: cost.iterations,
    parallelism: cost.parallelism,
  };
  let dummy: Promise<string> | undefined;
  return {
    hash: (password) => hash(password, options),
    async verify(stored, password) {
      try {
        return await verify(stored, password);
      } catch {
        return false;
      }
    },
    async verifyDummy(password) {
      dummy ??= hash('flint-dummy-password', options);
      await verify(await dummy, password).catch(() => false);
    },
  };
}
