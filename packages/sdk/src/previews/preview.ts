/**
 * Previews made on the client (SPEC FL-2): a small image of a file — a thumbnail of a picture, the
 * first page of a PDF — made where the plaintext is, then encrypted and uploaded like any file
 * (`uploadPreview`), its key sealed inside the file's reference. The core never sees either.
 *
 * This module is the browser-safe part: the interface, the limits and which types have previews.
 * The makers live in their own entry points so the SDK's main entry never loads Node-only code:
 *   `@flint/sdk/previews/node`    — sharp (images) and pdf.js on @napi-rs/canvas (PDFs)
 *   `@flint/sdk/previews/browser` — createImageBitmap + canvas (images) and pdf.js (PDFs)
 * @module
 */

/** A preview image, ready to encrypt and upload. */
export interface PreviewImage {
  data: Uint8Array;
  type: 'image/webp' | 'image/jpeg' | 'image/png';
  width: number;
  height: number;
}

export interface PreviewSource {
  /** The file's plaintext. */
  data: Uint8Array | Blob;
  /** Its type, as the reference will carry it. */
  type: string;
}

/** Makes previews; answers undefined for a type it does not preview (or a source over the limits). */
export interface PreviewMaker {
  make(source: PreviewSource): Promise<PreviewImage | undefined>;
}

/** Documented in docs/limits.md. */
export const PREVIEW_LIMITS = {
  /** The preview fits in a square of this many pixels. */
  maxEdge: 320,
  /** Larger sources get no preview (decoding them would cost the sender too much). */
  maxSourceBytes: 64 * 1024 * 1024,
  /** Images with more pixels than this are not decoded (decompression bombs). */
  maxSourcePixels: 100_000_000,
  /** A preview larger than this is dropped (the server also refuses a larger preview blob). */
  maxPreviewBytes: 512 * 1024,
} as const;

const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif']);

/** What kind of preview a file type gets, if any. */
export function previewKind(type: string): 'image' | 'pdf' | undefined {
  const t = type.split(';')[0]!.trim().toLowerCase();
  if (IMAGE_TYPES.has(t)) return 'image';
  if (t === 'application/pdf') return 'pdf';
  return undefined;
}

/** The size that fits `width`×`height` inside the preview square, never enlarging. */
export function fitPreview(width: number, height: number, maxEdge: number = PREVIEW_LIMITS.maxEdge): { width: number; height: number } {
  const scale = Math.min(1, maxEdge / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}
