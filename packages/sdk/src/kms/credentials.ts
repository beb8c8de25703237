/**
 * A device's KMS credential (docs/threat-model.md): what every KMS request carries beside the
 * bearer, inside the message encrypted to the KMS, so that the core — which vouches for bearers
 * and could forge one from its database — cannot obtain keys on its own.
 *
 * - `device`: 32 random bytes this device made (`newDeviceSecret`), kept by the device; or, for a
 *   bot acting through the gateway, derived from its token (`tokenDeviceSecret`: HKDF, while the
 *   core stores only the token's SHA-256, so its database cannot yield it).
 * - `password`: the password credential (`passwordCredential`: PBKDF2-SHA256 of the password,
 *   600,000 rounds, salt `flint-kms:<userId>`; the core keeps only an argon2 hash of the password).
 *   Sent once, in the handshake, to enroll a new device; the KMS keeps its SHA-256.
 *
 * The KMS enrolls an unknown device when the person has none yet (first use), when the password
 * credential matches, or when an enrolled device approved its hash (`KmsClient.approveDevice`).
 * Browser-safe: WebCrypto only.
 * @module
 */
import { randomBytes, sha256Hex, toBase64Url, utf8 } from '@flint/crypto';

export interface KmsDeviceCredential {
  /** The device secret (base64url, 32 bytes). */
  device: string;
  /** The password credential, to enroll this device with the password (first sign-in on it). */
  password?: string;
  /** The person's recovery key, or a one-time enrollment code from the KMS's operator (normalized: `normalizeRecoveryKey`), to enroll this device. */
  recovery?: string;
  /**
   * Proof from the org's identity provider, where the KMS requires it: the ID token of this
   * browser's sign-in and the secret whose SHA-256 was its nonce (`idpNonce`). Sent in each handshake.
   */
  idp?: { token: string; secret: string };
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** A new recovery key: 24 random base32 characters (120 bits), shown to the person once (`formatRecoveryKey`). */
export function newRecoveryKey(): string {
  return Array.from(randomBytes(24), (b) => BASE32[b & 31]!).join('');
}

/** A recovery key or enrollment code as typed (any case, spaces or dashes): the KMS's form, or undefined when it cannot be one. */
export function normalizeRecoveryKey(typed: string): string | undefined {
  const key = typed.toUpperCase().replace(/[\s-]+/g, '');
  return /^[A-Z2-7]{24}$/.test(key) ? key : undefined;
}

/** Groups of four, for reading aloud and copying down. */
export function formatRecoveryKey(key: string): string {
  return key.replace(/(.{4})(?=.)/g, '$1-');
}

/** The nonce a sign-in asks the provider to sign into its ID token: base64url(SHA-256(secret)); the secret stays on this device. */
export async function idpNonce(secret: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', utf8.encode(secret) as Uint8Array<ArrayBuffer>);
  return toBase64Url(new Uint8Array(digest));
}

/** PBKDF2 rounds of the password credential (OWASP 2023 for PBKDF2-HMAC-SHA256). */
export const PASSWORD_CREDENTIAL_ROUNDS = 600_000;

/** A new device secret: 32 random bytes, base64url. */
export function newDeviceSecret(): string {
  return toBase64Url(randomBytes(32));
}

/** The person's password credential, derived on the client at sign-in (never sent to the core). */
export async function passwordCredential(password: string, userId: string): Promise<string> {
  const base = await globalThis.crypto.subtle.importKey('raw', utf8.encode(password) as Uint8Array<ArrayBuffer>, 'PBKDF2', false, ['deriveBits']);
  const bits = await globalThis.crypto.subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt: utf8.encode(`flint-kms:${userId}`) as Uint8Array<ArrayBuffer>, iterations: PASSWORD_CREDENTIAL_ROUNDS },
    base,
    256,
  );
  return toBase64Url(new Uint8Array(bits));
}

/**
 * A device secret derived from a bearer token (a bot's token, or a person's token used through the
 * `/v1` gateway): the same token always gives the same device. HKDF-SHA256, salt
 * `flint-kms-token-device`, info the user id.
 */
export async function tokenDeviceSecret(token: string, userId: string): Promise<string> {
  const base = await globalThis.crypto.subtle.importKey('raw', utf8.encode(token) as Uint8Array<ArrayBuffer>, 'HKDF', false, ['deriveBits']);
  const bits = await globalThis.crypto.subtle.deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: utf8.encode('flint-kms-token-device') as Uint8Array<ArrayBuffer>, info: utf8.encode(userId) as Uint8Array<ArrayBuffer> },
    base,
    256,
  );
  return toBase64Url(new Uint8Array(bits));
}

/** What an enrolled device sends to approve another (`KmsClient.approveDevice`): the secret's SHA-256 hex, as the KMS stores it. */
export function deviceCredentialHash(secret: string): Promise<string> {
  return sha256Hex(secret);
}

/**
 * The code a new browser shows while it waits for approval: 12 random base32 characters (60 bits),
 * typed by the person into their enrolled browser. The core carries only a MAC under it
 * (`deviceRequestMac`), and a request lives 10 minutes: too short to search 2^60 codes for one
 * whose MAC would fit a device of the core's own.
 */
export function newApprovalCode(): string {
  return Array.from(randomBytes(12), (b) => BASE32[b & 31]!).join('');
}

/** An approval code as typed (any case, spaces or dashes), or undefined when it cannot be one. */
export function normalizeApprovalCode(typed: string): string | undefined {
  const code = typed.toUpperCase().replace(/[\s-]+/g, '');
  return /^[A-Z2-7]{12}$/.test(code) ? code : undefined;
}

/** base64url HMAC-SHA256 of the device's credential hash under the approval code. */
export async function deviceRequestMac(code: string, credentialHash: string): Promise<string> {
  const key = await globalThis.crypto.subtle.importKey('raw', utf8.encode(code) as Uint8Array<ArrayBuffer>, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return toBase64Url(new Uint8Array(await globalThis.crypto.subtle.sign('HMAC', key, utf8.encode(credentialHash) as Uint8Array<ArrayBuffer>)));
}
