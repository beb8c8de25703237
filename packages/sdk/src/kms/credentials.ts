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
