/**
 * Flint's client-side cryptography on WebCrypto only, so it is the same code in the browser,
 * in Node and in tests.
 * @module
 */
export * from './encoding.ts';
export * from './random.ts';
export * from './jose.ts';
export * from './ecdh.ts';
export * from './search-tokens.ts';
export * from './file-cipher.ts';
