/**
 * This browser profile's KMS device (docs/threat-model.md, issue 14). The KMS wants, beside the
 * bearer the core vouches for, a device credential the core never sees: 32 random bytes made here
 * and kept in localStorage (per person), so a reload keeps working without the password. A browser
 * that has none yet makes one and enrolls it with the password credential, derived from the
 * password at sign-in (PBKDF2 in WebCrypto) and never sent to the core.
 * @module
 */
import { newDeviceSecret, passwordCredential, type KmsDeviceCredential } from '@flint/sdk';

const KEY_PREFIX = 'flint.kms.device.';

function stored(personId: string): string | undefined {
  try {
    return localStorage.getItem(KEY_PREFIX + personId) ?? undefined;
  } catch {
    return undefined;
  }
}

/** Whether this browser already holds a KMS device for the person (made at an earlier sign-in, so presumably enrolled). */
export function hasKmsDevice(personId: string): boolean {
  return stored(personId) !== undefined;
}

/**
 * The device credential of this browser for `personId`, made and kept on first use; with the
 * password (at sign-in or sign-up), its password credential too, so the KMS enrolls the device.
 */
export async function kmsDevice(personId: string, password?: string): Promise<KmsDeviceCredential> {
  let device = stored(personId);
  if (device === undefined) {
    device = newDeviceSecret();
    try {
      localStorage.setItem(KEY_PREFIX + personId, device);
    } catch {
      // Storage refused (private mode): the device lasts as long as the tab; the next one signs in with the password.
    }
  }
  return password === undefined ? { device } : { device, password: await passwordCredential(password, personId) };
}
