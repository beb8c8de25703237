/**
 * What the service worker needs to open a pushed message while no tab is open (SPEC MS-5), kept in
 * IndexedDB by the app: the content keys of this person's spaces as **decrypt-only, non-extractable**
 * WebCrypto keys (a script of this origin can use them to decrypt but can never read their bytes,
 * and no other origin can reach them), and which person and language they belong to. Filled only
 * while push is turned on in this browser, emptied when it is turned off or the person signs out.
 * Shared by the app (`src/app/push.ts`) and the worker (`src/sw/entry.ts`).
 * @module
 */
import { idbStores } from './idb.ts';

const DB = 'flint-push';
const KEYS = 'keys';
const META = 'meta';

export interface PushMeta {
  personId: string;
  language: 'en' | 'fr';
}

const run = idbStores(DB, [KEYS, META]);

export const keyStore = {
  getKey: (uri: string) => run<CryptoKey>(KEYS, 'readonly', (s) => s.get(uri) as IDBRequest<CryptoKey>),
  hasKey: async (uri: string) => (await run<number>(KEYS, 'readonly', (s) => s.count(uri))) === 1,
  putKey: (uri: string, key: CryptoKey) => run(KEYS, 'readwrite', (s) => s.put(key, uri)).then(() => undefined),
  getMeta: () => run<PushMeta>(META, 'readonly', (s) => s.get('me') as IDBRequest<PushMeta>),
  putMeta: (meta: PushMeta) => run(META, 'readwrite', (s) => s.put(meta, 'me')).then(() => undefined),
  /** Forgets every key and who they were for (push turned off, sign-out). */
  clear: async () => {
    await run(KEYS, 'readwrite', (s) => s.clear());
    await run(META, 'readwrite', (s) => s.clear());
  },
};
