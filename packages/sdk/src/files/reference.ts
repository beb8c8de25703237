/**
 * A file's reference (SPEC FL-1, SEC-1): everything needed to fetch and open the file — its blob,
 * key, hash, size, type and name — as a small JSON object sealed with the space key (JWE `dir`,
 * like message text). The core stores it beside the message and cannot read it.
 * @module
 */
import { decryptContent, encryptContent, fromBase64Url, JoseError, toBase64Url } from '@flint/crypto';
import { FlintError } from '../errors.ts';

/** The space key a reference is sealed with; a `KmsKey` is one. */
export interface SpaceKey {
  uri: string;
  key: Uint8Array;
}

export interface FileReference {
  v: 1;
  blobId: string;
  /** The per-file AES-256 key. */
  key: Uint8Array;
  /** SHA-256 of the plaintext. */
  sha256: Uint8Array;
  /** Plaintext bytes. */
  size: number;
  type: string;
  name: string;
}

interface WireReference {
  v: 1;
  blobId: string;
  key: string;
  sha256: string;
  size: number;
  type: string;
  name: string;
}

export async function sealReference(spaceKey: SpaceKey, ref: FileReference): Promise<string> {
  const wire: WireReference = { v: 1, blobId: ref.blobId, key: toBase64Url(ref.key), sha256: toBase64Url(ref.sha256), size: ref.size, type: ref.type, name: ref.name };
  return encryptContent(spaceKey.key, JSON.stringify(wire));
}

export async function openReference(spaceKey: SpaceKey, sealed: string): Promise<FileReference> {
  let wire: WireReference;
  try {
    wire = JSON.parse(await decryptContent(spaceKey.key, sealed)) as WireReference;
  } catch (error) {
    if (error instanceof JoseError || error instanceof SyntaxError) throw new FlintError(0, 'bad_request', 'The file reference does not open with its key.', undefined, undefined);
    throw error;
  }
  if (wire.v !== 1 || typeof wire.blobId !== 'string' || typeof wire.size !== 'number') throw new FlintError(0, 'bad_request', 'Not a file reference.', undefined, undefined);
  return { v: 1, blobId: wire.blobId, key: fromBase64Url(wire.key), sha256: fromBase64Url(wire.sha256), size: wire.size, type: wire.type, name: wire.name };
}
