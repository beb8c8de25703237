/**
 * What a page's origin keeps in IndexedDB, for tests that must show it holds no plaintext (SPEC
 * SEC-7): every database and object store, how many values each holds, their string keys, and all
 * their strings and bytes (latin1) joined into one text to scan. CryptoKey objects are left out (a
 * non-extractable key has no bytes to read). Runs in the page as an expression, so it works with
 * Playwright's and Puppeteer's pages alike (Chromium and Firefox).
 * @module
 */
export interface IndexedDbContents {
  /** database → object store → number of values. */
  databases: Record<string, Record<string, number>>;
  /** Every string key of every store. */
  keys: string[];
  /** Every string and byte array found in keys and values, for a plaintext scan. */
  text: string;
}

const DUMP = `(async () => {
  const parts = [];
  const allKeys = [];
  const walk = (v) => {
    if (typeof v === 'string') parts.push(v);
    else if (v instanceof ArrayBuffer) parts.push(new TextDecoder('latin1').decode(v));
    else if (ArrayBuffer.isView(v)) parts.push(new TextDecoder('latin1').decode(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)));
    else if (v !== null && typeof v === 'object' && !(v instanceof CryptoKey)) {
      for (const [k, x] of Object.entries(v)) { parts.push(k); walk(x); }
    }
  };
  const databases = {};
  for (const { name } of await indexedDB.databases()) {
    if (name === undefined) continue;
    const db = await new Promise((resolve, reject) => {
      const request = indexedDB.open(name);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(new Error(String(request.error)));
    });
    databases[name] = {};
    for (const store of Array.from(db.objectStoreNames)) {
      const [keys, values] = await new Promise((resolve, reject) => {
        const tx = db.transaction(store);
        const k = tx.objectStore(store).getAllKeys();
        const v = tx.objectStore(store).getAll();
        tx.oncomplete = () => resolve([k.result, v.result]);
        tx.onerror = () => reject(new Error(String(tx.error)));
      });
      databases[name][store] = values.length;
      const named = keys.filter((k) => typeof k === 'string');
      allKeys.push(...named);
      walk(named);
      walk(values);
    }
    db.close();
  }
  return { databases, keys: allKeys, text: parts.join('\\n') };
})()`;

/** A browser page of either driver: something that evaluates an expression in the page. */
export interface EvaluatingPage {
  evaluate(expression: string): Promise<unknown>;
}

/** The page's IndexedDB, read in the page (see the module comment). */
export async function indexedDbDump(page: EvaluatingPage): Promise<IndexedDbContents> {
  return (await page.evaluate(DUMP)) as IndexedDbContents;
}
