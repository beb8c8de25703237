/**
 * A Node built-in module when this runs in Node (20.16 and later), without importing it: this
 * package runs in browsers too (the lint refuses Node imports here), and in Node some of its work
 * is far faster on OpenSSL than on WebCrypto's asynchronous jobs or in JavaScript (the file cipher:
 * sha256.ts, file-cipher.ts). Undefined in browsers, where the portable path runs.
 * @module
 */
export function nodeBuiltin<T>(id: 'node:crypto'): T | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return typeof proc?.getBuiltinModule === 'function' ? (proc.getBuiltinModule(id) as T | undefined) : undefined;
}
