/**
 * The browser preview maker (SPEC FL-2): images decoded by the browser (`createImageBitmap`,
 * honouring EXIF orientation) and drawn small on a canvas; the first page of a PDF rendered by
 * pdf.js. Output: WebP where the browser encodes it (Chrome, Firefox), else JPEG; at most 320×320.
 * Import it as `@flint/sdk/previews/browser`.
 * @example
 * // In a Vite app: the worker file is served as an asset.
 * import workerSrc from 'pdfjs-dist/build/pdf.worker.min.mjs?url';
 * const previews = createBrowserPreviewMaker({ pdfWorkerSrc: workerSrc });
 * await uploadFile(client, key, roomId, file, { name: file.name, type: file.type, previewMaker: previews });
 * @module
 */
import { fitPreview, PREVIEW_LIMITS, previewKind, type PreviewImage, type PreviewMaker, type PreviewSource } from './preview.ts';

export interface BrowserPreviewOptions {
  /**
   * URL of pdf.js's worker script (`pdfjs-dist/build/pdf.worker.min.mjs`, the same version as the
   * SDK's pdfjs-dist). Without it PDFs get no preview; images still do.
   */
  pdfWorkerSrc?: string;
}

type Canvas = OffscreenCanvas | HTMLCanvasElement;

function makeCanvas(width: number, height: number): Canvas {
  if (typeof OffscreenCanvas !== 'undefined') return new OffscreenCanvas(width, height);
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  return canvas;
}

function context2d(canvas: Canvas): OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D {
  // Each branch calls its own class's getContext: a call on the union needed an assertion that the
  // linter judged necessary on one machine and unnecessary on another.
  const context: OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D | null =
    'convertToBlob' in canvas ? canvas.getContext('2d') : canvas.getContext('2d');
  if (context === null) throw new Error('no 2D canvas context');
  return context;
}

async function toBlob(canvas: Canvas, type: string, quality: number): Promise<Blob> {
  // Tested by feature, not instanceof HTMLCanvasElement: a worker has OffscreenCanvas and no DOM classes.
  if ('convertToBlob' in canvas) return canvas.convertToBlob({ type, quality });
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b !== null ? resolve(b) : reject(new Error('canvas did not encode'))), type, quality));
}

/** WebP if the browser can encode it (it silently falls back to PNG otherwise), else JPEG. */
async function encode(canvas: Canvas): Promise<PreviewImage> {
  let blob = await toBlob(canvas, 'image/webp', 0.7);
  if (blob.type !== 'image/webp') blob = await toBlob(canvas, 'image/jpeg', 0.8);
  return { data: new Uint8Array(await blob.arrayBuffer()), type: blob.type === 'image/webp' ? 'image/webp' : 'image/jpeg', width: canvas.width, height: canvas.height };
}

async function imagePreview(blob: Blob): Promise<PreviewImage | undefined> {
  const bitmap = await createImageBitmap(blob, { imageOrientation: 'from-image' });
  try {
    if (bitmap.width * bitmap.height > PREVIEW_LIMITS.maxSourcePixels) return undefined;
    const size = fitPreview(bitmap.width, bitmap.height);
    const canvas = makeCanvas(size.width, size.height);
    const context = context2d(canvas);
    context.imageSmoothingQuality = 'high';
    context.drawImage(bitmap, 0, 0, size.width, size.height);
    return await encode(canvas);
  } finally {
    bitmap.close();
  }
}

async function pdfPreview(data: Uint8Array, workerSrc: string): Promise<PreviewImage> {
  const pdfjs = await import('pdfjs-dist');
  pdfjs.GlobalWorkerOptions.workerSrc = workerSrc;
  const doc = await pdfjs.getDocument({ data, isEvalSupported: false }).promise;
  try {
    const page = await doc.getPage(1);
    const unit = page.getViewport({ scale: 1 });
    const size = fitPreview(unit.width, unit.height);
    const viewport = page.getViewport({ scale: size.width / unit.width });
    const canvas = document.createElement('canvas');
    canvas.width = Math.ceil(viewport.width);
    canvas.height = Math.ceil(viewport.height);
    const context = context2d(canvas) as CanvasRenderingContext2D;
    context.fillStyle = '#ffffff';
    context.fillRect(0, 0, canvas.width, canvas.height);
    await page.render({ canvas, canvasContext: context, viewport }).promise;
    page.cleanup();
    return await encode(canvas);
  } finally {
    await doc.destroy();
  }
}

/** A preview maker for browsers: thumbnails of JPEG, PNG, WebP and GIF images, and of a PDF's first page. */
export function createBrowserPreviewMaker(options: BrowserPreviewOptions = {}): PreviewMaker {
  return {
    async make(source: PreviewSource): Promise<PreviewImage | undefined> {
      const kind = previewKind(source.type);
      const blob = source.data instanceof Blob ? source.data : new Blob([source.data as Uint8Array<ArrayBuffer>], { type: source.type });
      if (kind === undefined || blob.size > PREVIEW_LIMITS.maxSourceBytes) return undefined;
      let preview: PreviewImage | undefined;
      if (kind === 'image') preview = await imagePreview(blob);
      else if (options.pdfWorkerSrc !== undefined) preview = await pdfPreview(new Uint8Array(await blob.arrayBuffer()), options.pdfWorkerSrc);
      return preview !== undefined && preview.data.length <= PREVIEW_LIMITS.maxPreviewBytes ? preview : undefined;
    },
  };
}
