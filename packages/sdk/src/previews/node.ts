/**
 * The Node preview maker (SPEC FL-2): images through sharp (libvips: JPEG, PNG, WebP, GIF — the
 * first frame), the first page of a PDF through pdf.js rendered on @napi-rs/canvas. Both ship
 * prebuilt binaries inside their npm packages. Output: WebP at most 320×320. Node only — import it
 * as `@flint/sdk/previews/node`, never from the SDK's main entry.
 *
 * Office documents get no preview here: rendering them needs LibreOffice (`soffice --headless
 * --convert-to pdf`, a Debian package of several hundred MB, not an npm one), which a client SDK
 * should not require; see ARCHITECTURE.md.
 * @module
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { createCanvas } from '@napi-rs/canvas';
import { fitPreview, PREVIEW_LIMITS, previewKind, type PreviewImage, type PreviewMaker, type PreviewSource } from './preview.ts';

const WEBP_QUALITY = 70;

async function bytesOf(data: Uint8Array | Blob): Promise<Uint8Array> {
  return data instanceof Uint8Array ? data : new Uint8Array(await data.arrayBuffer());
}

async function imagePreview(input: Uint8Array): Promise<PreviewImage> {
  // rotate(): apply the EXIF orientation, then strip metadata (sharp keeps none unless asked).
  const { data, info } = await sharp(input, { limitInputPixels: PREVIEW_LIMITS.maxSourcePixels, animated: false })
    .rotate()
    .resize(PREVIEW_LIMITS.maxEdge, PREVIEW_LIMITS.maxEdge, { fit: 'inside', withoutEnlargement: true })
    .webp({ quality: WEBP_QUALITY })
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), type: 'image/webp', width: info.width, height: info.height };
}

/** pdf.js's standard fonts folder, so text in the 14 standard fonts renders without embedded fonts. */
function standardFontsDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('pdfjs-dist/package.json')), 'standard_fonts') + '/';
}

async function pdfPreview(input: Uint8Array): Promise<PreviewImage> {
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  // pdf.js takes ownership of the buffer it is given: hand it a copy.
  const task = pdfjs.getDocument({ data: input.slice(), isEvalSupported: false, standardFontDataUrl: standardFontsDir(), verbosity: 0 });
  const doc = await task.promise;
  try {
    const page = await doc.getPage(1);
    const unit = page.getViewport({ scale: 1 });
    const size = fitPreview(unit.width, unit.height);
    const viewport = page.getViewport({ scale: size.width / unit.width });
    const canvas = createCanvas(Math.ceil(viewport.width), Math.ceil(viewport.height));
    const context = canvas.getContext('2d');
    // Pages are transparent; a preview shows paper.
    context.fillStyle = '#ffffff';
    context.fillRect(0, 0, canvas.width, canvas.height);
    await page.render({ canvas: canvas as unknown as HTMLCanvasElement, canvasContext: context as unknown as CanvasRenderingContext2D, viewport }).promise;
    page.cleanup();
    return await imagePreview(new Uint8Array(await canvas.encode('png')));
  } finally {
    await doc.destroy();
  }
}

/** A preview maker for Node: WebP thumbnails of JPEG, PNG, WebP and GIF images and of a PDF's first page. */
export function createNodePreviewMaker(): PreviewMaker {
  return {
    async make(source: PreviewSource): Promise<PreviewImage | undefined> {
      const kind = previewKind(source.type);
      const size = source.data instanceof Uint8Array ? source.data.length : source.data.size;
      if (kind === undefined || size > PREVIEW_LIMITS.maxSourceBytes) return undefined;
      const input = await bytesOf(source.data);
      const preview = kind === 'image' ? await imagePreview(input) : await pdfPreview(input);
      return preview.data.length <= PREVIEW_LIMITS.maxPreviewBytes ? preview : undefined;
    },
  };
}
