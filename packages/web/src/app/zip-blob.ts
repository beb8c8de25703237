/**
 * A zip built in the tab with fflate's streaming `Zip`, collected into a Blob: the one collector
 * behind one's own data export and the compliance console's export.
 * @module
 */
import { Zip } from 'fflate';

export interface ZipBlob {
  zip: Zip;
  /** The error the zip stream reported, if any (checked between entries). */
  failed(): Error | undefined;
  /** Ends the zip and answers it as a Blob, or throws the stream's error. */
  finish(): Promise<Blob>;
}

export function zipToBlob(): ZipBlob {
  const chunks: Uint8Array[] = [];
  let failed: Error | undefined;
  let ended: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (ended = resolve));
  const zip = new Zip((error, data, final) => {
    if (error !== null) {
      failed = error;
      ended();
      return;
    }
    chunks.push(data);
    if (final) ended();
  });
  return {
    zip,
    failed: () => failed,
    async finish() {
      zip.end();
      await finished;
      if (failed !== undefined) throw failed;
      return new Blob(chunks as BlobPart[], { type: 'application/zip' });
    },
  };
}
