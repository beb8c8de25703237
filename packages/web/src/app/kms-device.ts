/**
 * This browser profile's KMS device (docs/threat-model.md, issue 14). The KMS wants, beside the
 * bearer the core vouches for, a device credential the core never sees: 32 random bytes made here
 * and kept in localStorage (per person), so a reload keeps working without the password. A browser
 * that has none yet makes one and enrolls it with the password credential, derived from the
 * password at sign-in (PBKDF2 in WebCrypto) and never sent to the core.
 * @module
 */
import { idpNonce, newDeviceSecret, passwordCredential, type KmsDeviceCredential } from '@flint/sdk';
import { sso } from '@flint/protocol';

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

/** This browser's device secret for the person (made by `kmsDevice`), if any. */
export function kmsDeviceSecret(personId: string): string | undefined {
  return stored(personId);
}

const IDP_PENDING = 'flint.kms.idp.pending';
const IDP_PROOF = 'flint.kms.idp';

/**
 * The nonce of a single sign-on started here: SHA-256 of a secret kept in this browser. The
 * provider signs the nonce into its ID token, the core hands the token back to this browser
 * (`takeSsoProof`), and the KMS, where it requires the org's provider's proof, checks the secret
 * against the nonce — the core, which saw the token, never saw the secret.
 */
export async function ssoNonce(): Promise<string> {
  const secret = newDeviceSecret();
  try {
    localStorage.setItem(IDP_PENDING, secret);
  } catch {
    // No storage: the sign-in works, without a proof for the KMS.
  }
  return idpNonce(secret);
}

/** After the SSO callback (`#/sso-proof/<ID token>`): keeps the token with its secret, and takes it out of the address bar and history. */
export function takeSsoProof(): void {
  const hash = window.location.hash;
  if (!hash.startsWith(sso.SSO_PROOF_FRAGMENT)) return;
  const token = hash.slice(sso.SSO_PROOF_FRAGMENT.length);
  window.history.replaceState(null, '', `${window.location.pathname}${window.location.search}#/`);
  try {
    const secret = localStorage.getItem(IDP_PENDING);
    localStorage.removeItem(IDP_PENDING);
    if (secret !== null && /^[A-Za-z0-9_.-]+$/.test(token)) localStorage.setItem(IDP_PROOF, JSON.stringify({ token, secret }));
  } catch {
    // No storage: no proof.
  }
}

function ssoProof(): { token: string; secret: string } | undefined {
  try {
    const raw = localStorage.getItem(IDP_PROOF);
    if (raw === null) return undefined;
    const value = JSON.parse(raw) as { token?: unknown; secret?: unknown };
    return typeof value.token === 'string' && typeof value.secret === 'string' ? { token: value.token, secret: value.secret } : undefined;
  } catch {
    return undefined;
  }
}

/** At sign-out: the provider's proof goes with the session. */
export function forgetSsoProof(): void {
  try {
    localStorage.removeItem(IDP_PROOF);
  } catch {
    // Nothing kept.
  }
}

/**
 * The device credential of this browser for `personId`, made and kept on first use; with the
 * password (at sign-in or sign-up), its password credential too, so the KMS enrolls the device;
 * with a recovery key or enrollment code, that; and the org's provider's proof of the last single
 * sign-on here, if any (the KMS requires it where the org's KMS trusts its provider).
 */
export async function kmsDevice(personId: string, password?: string, recovery?: string): Promise<KmsDeviceCredential> {
  let device = stored(personId);
  if (device === undefined) {
    device = newDeviceSecret();
    try {
      localStorage.setItem(KEY_PREFIX + personId, device);
    } catch {
      // Storage refused (private mode): the device lasts as long as the tab; the next one signs in with the password.
    }
  }
  const idp = ssoProof();
  return {
    device,
    ...(password !== undefined ? { password: await passwordCredential(password, personId) } : {}),
    ...(recovery !== undefined ? { recovery } : {}),
    ...(idp !== undefined ? { idp } : {}),
  };
}
