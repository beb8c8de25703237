/**
 * Drafts kept per space across reloads (SPEC MS-1), never in plaintext: each is sealed with the
 * space's current key (JWE, as a message would be) before it reaches localStorage, so the browser's
 * disk holds only ciphertext, and only someone who can get that key from the KMS can open it.
 * @module
 */
import { openWithKey, sealText, type SecureClient } from '@flint/sdk';

const PREFIX = 'flint.draft.';

interface StoredDraft {
  keyUrl: string;
  sealed: string;
}

export async function saveDraft(secure: SecureClient, roomId: string, keyUrl: string | undefined, text: string): Promise<void> {
  try {
    if (text.trim() === '' || keyUrl === undefined) {
      localStorage.removeItem(PREFIX + roomId);
      return;
    }
    const key = await secure.keys.key(keyUrl);
    const draft: StoredDraft = { keyUrl, sealed: (await sealText(key, text)).ciphertext };
    localStorage.setItem(PREFIX + roomId, JSON.stringify(draft));
  } catch {
    // Storage full or unavailable: the draft lives in the page only.
  }
}

export async function loadDraft(secure: SecureClient, roomId: string): Promise<string> {
  try {
    const raw = localStorage.getItem(PREFIX + roomId);
    if (raw === null) return '';
    const draft = JSON.parse(raw) as StoredDraft;
    return await openWithKey(await secure.keys.key(draft.keyUrl), draft.sealed);
  } catch {
    return '';
  }
}

/** On sign-out: the next person on this browser has no use for them. */
export function clearDrafts(): void {
  try {
    for (const key of Object.keys(localStorage)) if (key.startsWith(PREFIX)) localStorage.removeItem(key);
  } catch {
    // Nothing stored.
  }
}
