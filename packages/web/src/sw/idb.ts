/**
 * One IndexedDB database of plain object stores (version 1, out-of-line keys), opened for each
 * transaction and closed after it — so a database deleted by sign-out or a wipe is never held open
 * by a tab. Used by the app's encrypted cache (`app/local-cache.ts`) and the push key store
 * (`sw/key-store.ts`), which the service worker reads too.
 * @module
 */

/** Runs `work` on one store in one transaction; answers its request's result once committed. */
export type IdbRun = <T>(store: string, mode: IDBTransactionMode, work: (s: IDBObjectStore) => IDBRequest<T> | undefined) => Promise<T | undefined>;

export function idbStores(name: string, stores: readonly string[]): IdbRun {
  const open = () =>
    new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open(name, 1);
      request.onupgradeneeded = () => {
        for (const store of stores) request.result.createObjectStore(store);
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error ?? new Error('IndexedDB did not open'));
    });
  return async (store, mode, work) => {
    const db = await open();
    try {
      return await new Promise((resolve, reject) => {
        const tx = db.transaction(store, mode);
        const request = work(tx.objectStore(store));
        tx.oncomplete = () => resolve(request?.result);
        tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
        tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
      });
    } finally {
      db.close();
    }
  };
}
