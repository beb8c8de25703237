/**
 * Sample documents for preview tests (SPEC FL-2), made on the spot: a one-page PDF written out by
 * hand (so no PDF library is needed) with a black band across the top left of the page and a line
 * of text, and images from sharp.
 * @module
 */

/** A valid one-page US Letter PDF: a black rectangle over the top-left quarter's upper band, and `text` in Helvetica. */
export function samplePdf(text: string): Uint8Array {
  const content = `0 0 0 rg 0 692 306 100 re f\nBT /F1 24 Tf 72 400 Td (${text.replace(/[()\\]/g, '')}) Tj ET\n`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${content.length} >>\nstream\n${content}endstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let pdf = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(pdf.length);
    pdf += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = pdf.length;
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) pdf += `${String(o).padStart(10, '0')} 00000 n \n`;
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return new TextEncoder().encode(pdf);
}

/** A `width`×`height` image of one colour with a white square in its top-left corner, in the given format. */
export async function sampleImage(format: 'jpeg' | 'png' | 'webp' | 'gif', width: number, height: number, rgb: { r: number; g: number; b: number }): Promise<Uint8Array> {
  const square = Math.round(Math.min(width, height) / 4);
  // Loaded on first use: samplePdf and most test files need no image library.
  const { default: sharp } = await import('sharp');
  const white = await sharp({ create: { width: square, height: square, channels: 3, background: { r: 255, g: 255, b: 255 } } }).png().toBuffer();
  const image = sharp({ create: { width, height, channels: 3, background: rgb } }).composite([{ input: white, left: 0, top: 0 }]);
  return new Uint8Array(await image.toFormat(format).toBuffer());
}
