/**
 * Large files in the tab (SPEC FL-1): uploads and downloads that never hold the file.
 *
 * Up: the SDK reads the picked File slice by slice, encrypts it chunk by chunk and sends the
 * ciphertext in 8 MiB requests (Chromium streams a fetch() request body over HTTP/2 only, so one
 * segment is buffered at a time), each through XMLHttpRequest for its progress. A dropped
 * connection or a restarting server is waited out: the SDK asks the core what it stored and goes
 * on from there.
 *
 * Down: the SDK fetches the ciphertext and decrypts it as it is read; a dropped connection is
 * resumed with a ranged request. The plaintext is handed, chunk by chunk and only when asked for,
 * to the service worker (build/service-worker.mjs), which answers a one-time download URL with it,
 * so the browser writes it straight to disk. Without a controlling service worker (a hard reload,
 * a browser without one) the file is gathered into a Blob as before.
 *
 * Not built: resuming after the page itself is reloaded (the file key and the picked File live
 * only in this tab).
 * @module
 */
import type { FetchLike, FileReference } from '@flint/sdk';
import type { Store } from './store.ts';

/** Ciphertext per upload request: S3's part size, so each request stores whole parts. */
export const UPLOAD_SEGMENT_BYTES = 8 * 1024 * 1024;
/** Failed tries in a row (without new bytes getting through) before a transfer gives up: about a minute. */
export const TRANSFER_ATTEMPTS = 40;

export interface TransferProgress {
  name: string;
  loaded: number;
  total: number;
}

/** A fetch through XMLHttpRequest (for upload progress), with the tab's current access token on each request. */
export function uploadFetch(store: Store, onProgress: (loaded: number, total: number) => void): FetchLike {
  return async (input, init) => {
    // A long upload outlives an access token: each request gets a fresh one.
    await store.session.freshToken();
    const headers = { ...((init.headers ?? {}) as Record<string, string>) };
    const token = store.session.client.transport.accessToken;
    if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
    let body: XMLHttpRequestBodyInit | null = null;
    // A streamed body (a preview's single request) is small; segments of a large file come as Blobs.
    if (init.body instanceof ReadableStream) body = await new Response(init.body).blob();
    else if (init.body !== undefined && init.body !== null) body = init.body;
    const signal = init.signal ?? undefined;
    return new Promise<Response>((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open(init.method ?? 'GET', input);
      for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
      xhr.responseType = 'arraybuffer';
      xhr.upload.onprogress = (e) => onProgress(e.loaded, e.total);
      xhr.onload = () => {
        const answer = new Headers();
        for (const line of xhr.getAllResponseHeaders().trim().split(/[\r\n]+/)) {
          const at = line.indexOf(':');
          if (at > 0) answer.append(line.slice(0, at).trim(), line.slice(at + 1).trim());
        }
        resolve(new Response(xhr.status === 204 ? null : (xhr.response as ArrayBuffer), { status: xhr.status, headers: answer }));
      };
      xhr.onerror = () => reject(new TypeError('network error'));
      xhr.onabort = () => reject(new DOMException('The upload was cancelled.', 'AbortError'));
      if (signal !== undefined) {
        if (signal.aborted) return reject(new DOMException('The upload was cancelled.', 'AbortError'));
        signal.addEventListener('abort', () => xhr.abort(), { once: true });
      }
      xhr.send(body);
    });
  };
}

/** The service worker that streams downloads, once it controls this tab. */
function streamingWorker(): ServiceWorker | undefined {
  return typeof navigator !== 'undefined' && 'serviceWorker' in navigator ? (navigator.serviceWorker.controller ?? undefined) : undefined;
}

/** Announces a download to the worker; answers whether it took it (an old worker ignores the message). */
function announce(worker: ServiceWorker, port: MessagePort, download: { id: string; name: string; size: number }, transfer: MessagePort): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), 3000);
    port.onmessage = (event: MessageEvent<{ type?: string }>) => {
      if (event.data.type !== 'ready') return;
      clearTimeout(timer);
      resolve(true);
    };
    worker.postMessage({ type: 'flint-download', ...download }, [transfer]);
  });
}

/**
 * Downloads, decrypts and saves a file to disk, streamed through the service worker when one
 * controls the tab. Resolves when the browser has every byte and the file checked out whole
 * (size and SHA-256); rejects when cancelled (`signal`) or when it cannot go on.
 */
export async function saveFileToDisk(store: Store, reference: FileReference, options: { signal: AbortSignal; onProgress: (loaded: number, total: number) => void }): Promise<void> {
  await store.session.freshToken();
  const worker = streamingWorker();
  const channel = new MessageChannel();
  const id = crypto.randomUUID();
  if (worker === undefined || !(await announce(worker, channel.port1, { id, name: reference.name, size: reference.size }, channel.port2))) {
    channel.port1.close();
    return saveThroughBlob(store, reference, options);
  }
  const stop = new AbortController();
  const signal = AbortSignal.any([options.signal, stop.signal]);
  const port = channel.port1;
  let download: Awaited<ReturnType<typeof store.session.sdk.files.download>>;
  try {
    download = await store.session.sdk.files.download(reference, { signal, attempts: TRANSFER_ATTEMPTS, onProgress: options.onProgress });
  } catch (error) {
    port.postMessage({ type: 'error', message: 'The download did not start.' });
    port.close();
    throw error;
  }
  const reader = download.stream.getReader();
  const done = new Promise<void>((resolve, reject) => {
    const fail = (error: unknown) => {
      port.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) });
      port.close();
      void reader.cancel().catch(() => undefined);
      reject(error instanceof Error ? error : new Error(String(error)));
    };
    options.signal.addEventListener('abort', () => fail(new DOMException('The download was cancelled.', 'AbortError')), { once: true });
    // A worker that lost the announcement (stopped and restarted meanwhile) answers the URL with a
    // 404 and never asks for a chunk: do not wait for it forever.
    let started = false;
    const unstarted = setTimeout(() => {
      if (!started) fail(new Error('The browser did not start the download.'));
    }, 30_000);
    port.onmessage = (event: MessageEvent<{ type?: string }>) => {
      started = true;
      clearTimeout(unstarted);
      if (event.data.type === 'cancel') {
        // Cancelled in the browser's own download list.
        stop.abort();
        fail(new DOMException('The download was cancelled.', 'AbortError'));
        return;
      }
      if (event.data.type !== 'pull') return;
      reader.read().then(
        async (r) => {
          if (r.done) {
            // The last chunk is released only after the whole file checked out.
            await download.verified;
            port.postMessage({ type: 'end' });
            port.close();
            resolve();
            return;
          }
          const bytes = r.value.byteOffset === 0 && r.value.byteLength === r.value.buffer.byteLength ? r.value : r.value.slice();
          port.postMessage({ type: 'chunk', bytes: bytes.buffer }, [bytes.buffer]);
        },
        (error: unknown) => {
          if (!options.signal.aborted) fail(error);
        },
      );
    };
  });
  // A navigation of a hidden frame to the one-time URL: the worker answers it as an attachment.
  const frame = document.createElement('iframe');
  frame.hidden = true;
  frame.title = reference.name;
  frame.src = `./download-stream/${id}`;
  document.body.append(frame);
  try {
    await done;
  } finally {
    // The browser has the last byte once the stream closed; the frame is no longer needed.
    setTimeout(() => frame.remove(), 1000);
  }
}

/** Without a streaming worker: the verified file gathered in a Blob, then saved. */
async function saveThroughBlob(store: Store, reference: FileReference, options: { signal: AbortSignal; onProgress: (loaded: number, total: number) => void }): Promise<void> {
  const download = await store.session.sdk.files.download(reference, { signal: options.signal, attempts: TRANSFER_ATTEMPTS, onProgress: options.onProgress });
  const blob = await new Response(download.stream).blob();
  await download.verified;
  const url = URL.createObjectURL(new Blob([blob], { type: reference.type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = reference.name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
