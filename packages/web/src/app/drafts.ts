/**
 * Drafts kept per space across reloads (SPEC MS-1), never in plaintext: each is sealed with the
 * space's current key (JWE, as a message would be) before it reaches localStorage, so the browser's
 * disk holds only ciphertext, and only someone who can get that key from the KMS can open it.
 * @module
 */
import type { Session } from '@flint/sdk';

const PREFIX = 'flint.draft.';

interface StoredDraft {
  keyUrl: string;
  sealed: string;
}

export async function saveDraft(session: Session, roomId: string, keyUrl: string | undefined, text: string): Promise<void> {
  try {
    if (text.trim() === '' || keyUrl === undefined) {
      localStorage.removeItem(PREFIX + roomId);
      return;
    }
    const draft: StoredDraft = { keyUrl, sealed: await session.messages.sealText(keyUrl, text) };
    localStorage.setItem(PREFIX + roomId, JSON.stringify(draft));
  } catch {
    // Storage full or unavailable: the draft lives in the page only.
  }
}

export async function loadDraft(session: Session, roomId: string): Promise<string> {
  try {
    const raw = localStorage.getItem(PREFIX + roomId);
    if (raw === null) return '';
    const draft = JSON.parse(raw) as StoredDraft;
    return await session.messages.openText(draft.keyUrl, draft.sealed);
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
