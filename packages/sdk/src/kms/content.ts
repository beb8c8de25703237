/**
 * Content sealed as Webex clients seal it: JWE compact `{"alg":"dir","enc":"A256GCM"}` under a
 * KMS key, the key's URI carried beside the ciphertext (`encryptionKeyUrl`), never inside it.
 * @module
 */
import { decryptContent, encryptContent, JoseError } from '@flint/crypto';
import { FlintError } from '../errors.ts';
import type { KmsClient, KmsKey } from './client.ts';

export interface SealedText {
  ciphertext: string;
  encryptionKeyUrl: string;
}

export async function sealText(key: KmsKey, plaintext: string): Promise<SealedText> {
  return { ciphertext: await encryptContent(key.key, plaintext), encryptionKeyUrl: key.uri };
}

/** Fetches the key by its URI (403 from the KMS becomes a FlintError) and opens the text. */
export async function openText(kms: KmsClient, sealed: SealedText): Promise<string> {
  return openWithKey(await kms.retrieveKey(sealed.encryptionKeyUrl), sealed.ciphertext);
}

/** Opens text sealed with a key already held; a wrong key or tampered text is a FlintError. */
export async function openWithKey(key: KmsKey, ciphertext: string): Promise<string> {
  try {
    return await decryptContent(key.key, ciphertext);
  } catch (error) {
    if (error instanceof JoseError) throw FlintError.decrypt('The content does not decrypt with its key.', error);
    throw error;
  }
}
