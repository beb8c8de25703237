/**
 * A file's reference (SPEC FL-1, FL-2, SEC-1): everything needed to fetch and open the file — its
 * blob, key, hash, size, type and name, and its preview's blob, key, hash, type and dimensions — as
 * a small JSON object sealed with the space key (JWE `dir`, like message text). The core stores it
 * beside the message and cannot read it.
 * @module
 */
import { decryptContent, encryptContent, fromBase64Url, JoseError, toBase64Url } from '@flint/crypto';
import { FlintError } from '../errors.ts';

/** The space key a reference is sealed with; a `KmsKey` is one. */
export interface SpaceKey {
  uri: string;
  key: Uint8Array;
}

/** A preview (thumbnail) of a file: its own encrypted blob, opened with its own key. */
export interface Preview {
  blobId: string;
  key: Uint8Array;
  /** SHA-256 of the preview image. */
  sha256: Uint8Array;
  size: number;
  /** The image's type (image/webp, image/jpeg or image/png). */
  type: string;
  width: number;
  height: number;
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
  preview?: Preview;
}

interface WirePreview {
  blobId: string;
  key: string;
  sha256: string;
  size: number;
  type: string;
  width: number;
  height: number;
}

interface WireReference {
  v: 1;
  blobId: string;
  key: string;
  sha256: string;
  size: number;
  type: string;
  name: string;
  preview?: WirePreview;
}

export async function sealReference(spaceKey: SpaceKey, ref: FileReference): Promise<string> {
  const wire: WireReference = { v: 1, blobId: ref.blobId, key: toBase64Url(ref.key), sha256: toBase64Url(ref.sha256), size: ref.size, type: ref.type, name: ref.name };
  if (ref.preview !== undefined) {
    const p = ref.preview;
    wire.preview = { blobId: p.blobId, key: toBase64Url(p.key), sha256: toBase64Url(p.sha256), size: p.size, type: p.type, width: p.width, height: p.height };
  }
  return encryptContent(spaceKey.key, JSON.stringify(wire));
}

export async function openReference(spaceKey: SpaceKey, sealed: string): Promise<FileReference> {
  let wire: WireReference;
  try {
    wire = JSON.parse(await decryptContent(spaceKey.key, sealed)) as WireReference;
  } catch (error) {
    if (error instanceof JoseError || error instanceof SyntaxError) throw FlintError.decrypt('The file reference does not open with its key.', error);
    throw error;
  }
  if (wire.v !== 1 || typeof wire.blobId !== 'string' || typeof wire.size !== 'number') throw FlintError.decrypt('Not a file reference.');
  const ref: FileReference = { v: 1, blobId: wire.blobId, key: fromBase64Url(wire.key), sha256: fromBase64Url(wire.sha256), size: wire.size, type: wire.type, name: wire.name };
  const p = wire.preview;
  if (p !== undefined && typeof p.blobId === 'string' && typeof p.size === 'number') {
    ref.preview = { blobId: p.blobId, key: fromBase64Url(p.key), sha256: fromBase64Url(p.sha256), size: p.size, type: p.type, width: p.width, height: p.height };
  }
  return ref;
}
