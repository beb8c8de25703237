/**
 * Types for `http_ece` 1.2.0 (Encrypted Content-Encoding, RFC 8188/8291; the library `web-push`
 * encrypts with), covering only the decryption the test push service uses.
 */
declare module 'http_ece' {
  import type { ECDH } from 'node:crypto';
  export interface EceParams {
    version: 'aes128gcm' | 'aesgcm' | 'aesgcm128';
    /** The receiver's key pair (Web Push). */
    privateKey?: ECDH;
    /** base64url or bytes. */
    authSecret?: string | Buffer;
    dh?: string | Buffer;
  }
  const ece: { decrypt(buffer: Buffer, params: EceParams): Buffer; encrypt(buffer: Buffer, params: EceParams): Buffer };
  export default ece;
}
