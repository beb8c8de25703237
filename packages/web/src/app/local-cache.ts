/**
 * The app's encrypted local cache (SPEC SEC-7): what this browser last showed — spaces with their
 * titles, people's names, each opened space's newest messages — kept in IndexedDB so the app starts
 * before the network answers and reads offline, and never on disk in plaintext.
 *
 * Every entry is sealed with AES-256-GCM under the *cache key* (a random WebCrypto key held in this
 * tab's memory only; the entry's name is the additional data, so an entry cannot be moved to
 * another name). The disk holds the cache key only wrapped (AES-GCM key wrapping), in one of two ways:
 *
 * - **device**: wrapped by a *device key*, a non-extractable AES-GCM key kept in IndexedDB beside
 *   it (as the push key store keeps its keys, sw/key-store.ts): any script of this origin can use it
 *   to unwrap, none can read its bytes, and a copy of the profile's files does not carry it out of
 *   the browser's key handling. A reload reads the cache without asking anything.
 * - **passcode** (the org's policy requires one): wrapped by a key derived from the person's passcode
 *   with PBKDF2-SHA256, {@link PBKDF2_ITERATIONS} iterations, a random 16-byte salt (WebCrypto's own
 *   KDF: argon2 would need a wasm module, and the app's CSP, `script-src 'self'`, allows no wasm
 *   compilation — see ARCHITECTURE.md). No device key is kept: the passcode is the only way in.
 *
 * Wrong passcodes are counted on disk (so a reload does not reset them) and each try waits longer
 * ({@link retryDelayMs}); after {@link MAX_PASSCODE_FAILURES} the whole database is deleted (and the
 * app signs the person out). A GCM tag that does not verify is a wrong passcode: nothing else tells.
 * @module
 */
import { idbStores } from '../sw/idb.ts';

export const CACHE_DB = 'flint-cache';
const VAULT = 'vault';
const ENTRIES = 'entries';

/** PBKDF2-SHA256 iterations for the passcode key (OWASP's 2023 figure for PBKDF2-HMAC-SHA256). */
export const PBKDF2_ITERATIONS = 600_000;
/** Wrong passcodes before the cache is wiped and the person signed out. */
export const MAX_PASSCODE_FAILURES = 5;
/** The shortest passcode the app accepts (it is checked in the page: the server never sees it). */
export const MIN_PASSCODE_LENGTH = 6;
/**
 * Dispatched on `window` when a wrong passcode typed outside the lock page (Settings → change passcode)
 * was the last allowed one: the cache is wiped, and the app signs the person out as the lock page would.
 */
export const CACHE_WIPED = 'flint:cache-wiped';

type Protection = 'device' | 'passcode';

interface WrappedKey {
  personId: string;
  protection: Protection;
  iv: Uint8Array<ArrayBuffer>;
  wrapped: ArrayBuffer;
  /** The device key (protection `device`): non-extractable, usable to unwrap only. */
  deviceKey?: CryptoKey;
  /** PBKDF2 salt and iterations (protection `passcode`). */
  salt?: Uint8Array<ArrayBuffer>;
  iterations?: number;
  /** The org's idle time when the passcode was set: how soon the app locks itself again. */
  idleMinutes?: number;
}

interface Attempts {
  failures: number;
  last: number;
}

interface SealedEntry {
  iv: Uint8Array<ArrayBuffer>;
  data: ArrayBuffer;
}

const run = idbStores(CACHE_DB, [VAULT, ENTRIES]);

const vaultGet = <T>(name: string) => run<T>(VAULT, 'readonly', (s) => s.get(name) as IDBRequest<T>);
const vaultPut = (name: string, value: unknown) => run(VAULT, 'readwrite', (s) => s.put(value, name)).then(() => undefined);

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));

/** How long the app waits before it takes the next passcode after `failures` wrong ones: 0, then 0.5 s doubling. */
export function retryDelayMs(failures: number): number {
  return failures <= 0 ? 0 : 500 * 2 ** (failures - 1);
}

async function passcodeKey(passcode: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<CryptoKey> {
  const material = await crypto.subtle.importKey('raw', encoder.encode(passcode.normalize('NFC')), 'PBKDF2', false, ['deriveKey']);
  return crypto.subtle.deriveKey({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, material, { name: 'AES-GCM', length: 256 }, false, ['wrapKey', 'unwrapKey']);
}

async function unwrap(record: WrappedKey, wrappingKey: CryptoKey): Promise<CryptoKey> {
  // Extractable so the key can be wrapped again when the protection changes; it never leaves memory otherwise.
  return crypto.subtle.unwrapKey('raw', record.wrapped, wrappingKey, { name: 'AES-GCM', iv: record.iv }, { name: 'AES-GCM', length: 256 }, true, ['encrypt', 'decrypt']);
}

/** What the disk says about the cache without opening it: whose it is, and how it is locked. */
export interface CacheProbe {
  personId: string;
  protection: Protection;
  idleMinutes: number | undefined;
}

export type UnlockResult = { unlocked: LocalCache } | { wrong: number; left: number } | { wait: number } | { wiped: true };

export class LocalCache {
  private constructor(
    private readonly key: CryptoKey,
    readonly personId: string,
    private protectionKind: Protection,
  ) {}

  get protection(): Protection {
    return this.protectionKind;
  }

  /** The cache on disk, if any, without opening it. */
  static async probe(): Promise<CacheProbe | undefined> {
    try {
      const record = await vaultGet<WrappedKey>('key');
      return record === undefined ? undefined : { personId: record.personId, protection: record.protection, idleMinutes: record.idleMinutes };
    } catch {
      return undefined;
    }
  }

  /** Opens a device-protected cache (no passcode); undefined if there is none or it does not open. */
  static async openWithDevice(): Promise<LocalCache | undefined> {
    try {
      const record = await vaultGet<WrappedKey>('key');
      if (record?.protection !== 'device' || record.deviceKey === undefined) return undefined;
      return new LocalCache(await unwrap(record, record.deviceKey), record.personId, 'device');
    } catch {
      return undefined;
    }
  }

  /** How long before the next passcode is taken (ms), after the wrong ones counted on disk. */
  static async waitBeforeTry(): Promise<number> {
    const attempts = (await vaultGet<Attempts>('attempts')) ?? { failures: 0, last: 0 };
    return Math.max(0, attempts.last + retryDelayMs(attempts.failures) - Date.now());
  }

  /**
   * Tries a passcode: the cache opened, or how many tries are left, or how long to wait first; the
   * last allowed wrong one deletes the whole cache (`wiped`).
   */
  static async unlock(passcode: string): Promise<UnlockResult> {
    const record = await vaultGet<WrappedKey>('key');
    if (record?.protection !== 'passcode' || record.salt === undefined) return { wiped: true };
    const wait = await LocalCache.waitBeforeTry();
    if (wait > 0) return { wait };
    try {
      const key = await unwrap(record, await passcodeKey(passcode, record.salt, record.iterations ?? PBKDF2_ITERATIONS));
      await vaultPut('attempts', { failures: 0, last: 0 } satisfies Attempts);
      return { unlocked: new LocalCache(key, record.personId, 'passcode') };
    } catch {
      const attempts = (await vaultGet<Attempts>('attempts')) ?? { failures: 0, last: 0 };
      const failures = attempts.failures + 1;
      if (failures >= MAX_PASSCODE_FAILURES) {
        await LocalCache.wipe();
        return { wiped: true };
      }
      await vaultPut('attempts', { failures, last: Date.now() } satisfies Attempts);
      return { wrong: failures, left: MAX_PASSCODE_FAILURES - failures };
    }
  }

  /** A new, empty cache for the person, protected by this browser's device key (or `protectWithPasscode` next). */
  static async create(personId: string): Promise<LocalCache> {
    await LocalCache.wipe();
    const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, true, ['encrypt', 'decrypt']);
    const cache = new LocalCache(key, personId, 'device');
    await cache.protectWithDevice();
    return cache;
  }

  /** Wraps the cache key with a new non-extractable device key: a reload opens the cache without asking. */
  async protectWithDevice(): Promise<void> {
    const deviceKey = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['wrapKey', 'unwrapKey']);
    const iv = random(12);
    const wrapped = await crypto.subtle.wrapKey('raw', this.key, deviceKey, { name: 'AES-GCM', iv });
    await vaultPut('key', { personId: this.personId, protection: 'device', iv, wrapped, deviceKey } satisfies WrappedKey);
    this.protectionKind = 'device';
  }

  /**
   * Replaces the passcode: the current one is checked as on the lock page (a wrong one counts towards
   * the limit, and the last allowed one wipes the cache), then the same cache key is wrapped by the new
   * one, so nothing stored has to be sealed again.
   */
  async changePasscode(current: string, next: string, idleMinutes: number): Promise<{ changed: true } | Exclude<UnlockResult, { unlocked: LocalCache }>> {
    const result = await LocalCache.unlock(current);
    if (!('unlocked' in result)) return result;
    await this.protectWithPasscode(next, idleMinutes);
    return { changed: true };
  }

  /** Wraps the cache key with the passcode's key only (the device key is dropped from disk). */
  async protectWithPasscode(passcode: string, idleMinutes: number): Promise<void> {
    const salt = random(16);
    const iv = random(12);
    const wrapped = await crypto.subtle.wrapKey('raw', this.key, await passcodeKey(passcode, salt, PBKDF2_ITERATIONS), { name: 'AES-GCM', iv });
    await vaultPut('key', { personId: this.personId, protection: 'passcode', iv, wrapped, salt, iterations: PBKDF2_ITERATIONS, idleMinutes } satisfies WrappedKey);
    await vaultPut('attempts', { failures: 0, last: 0 } satisfies Attempts);
    this.protectionKind = 'passcode';
  }

  /** Seals and stores an entry under its name (replacing the one there). */
  async write(name: string, value: unknown): Promise<void> {
    const iv = random(12);
    const data = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: encoder.encode(name) }, this.key, encoder.encode(JSON.stringify(value)));
    await run(ENTRIES, 'readwrite', (s) => s.put({ iv, data } satisfies SealedEntry, name));
  }

  /** An entry, opened; undefined when absent or when it does not open (written under another key). */
  async read<T>(name: string): Promise<T | undefined> {
    try {
      const entry = await run<SealedEntry>(ENTRIES, 'readonly', (s) => s.get(name) as IDBRequest<SealedEntry>);
      if (entry === undefined) return undefined;
      const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: entry.iv, additionalData: encoder.encode(name) }, this.key, entry.data);
      return JSON.parse(decoder.decode(plain)) as T;
    } catch {
      return undefined;
    }
  }

  /** Deletes the database: entries, the wrapped key and the device key (sign-out, too many wrong passcodes, another person). */
  static wipe(): Promise<void> {
    return new Promise((resolve) => {
      const request = indexedDB.deleteDatabase(CACHE_DB);
      request.onsuccess = () => resolve();
      request.onerror = () => resolve();
      // Another tab holds it open: it is deleted once that tab lets go (it closes after each operation).
      request.onblocked = () => resolve();
    });
  }
}
