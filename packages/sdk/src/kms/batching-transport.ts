/**
 * Batching, as the Webex SDK's KMS batcher does: requests made in the same turn of the event loop
 * travel together in one `kmsMessages` array, so a client opening a page of 50 messages under 50
 * keys makes one round trip, not 50. For transports that answer each batch in order (the
 * synchronous `/kms/messages` endpoint); every caller gets the whole batch's replies and keeps its
 * own (the KMS client matches replies by requestId).
 * @module
 */
import type { KmsReplyMatcher, KmsTransport } from './transport.ts';

export interface BatchingOptions {
  /** Most messages in one batch (the core's relay takes up to 100). */
  maxBatch?: number;
  /** How long to wait for more requests before sending (encryption is asynchronous, so requests made together reach the transport a little apart). */
  waitMs?: number;
}

interface Waiting {
  messages: string[];
  isMine: KmsReplyMatcher | undefined;
  resolve: (replies: string[]) => void;
  reject: (error: unknown) => void;
}

export function batchingKmsTransport(inner: KmsTransport, options: BatchingOptions = {}): KmsTransport {
  const maxBatch = options.maxBatch ?? 50;
  const waitMs = options.waitMs ?? 2;
  let queue: Waiting[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;

  const flush = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    const batch = queue;
    queue = [];
    if (batch.length === 0) return;
    const messages = batch.flatMap((w) => w.messages);
    const anyMine: KmsReplyMatcher = async (reply) => {
      for (const w of batch) if (w.isMine !== undefined && (await w.isMine(reply))) return true;
      return false;
    };
    inner(messages, anyMine).then(
      (replies) => {
        for (const w of batch) w.resolve(replies);
      },
      (error: unknown) => {
        for (const w of batch) w.reject(error);
      },
    );
  };

  return (messages, isMine) =>
    new Promise<string[]>((resolve, reject) => {
      const size = queue.reduce((n, w) => n + w.messages.length, 0);
      if (size + messages.length > maxBatch) flush();
      queue.push({ messages, isMine, resolve, reject });
      if (queue.reduce((n, w) => n + w.messages.length, 0) >= maxBatch) flush();
      else timer ??= setTimeout(flush, waitMs);
    });
}
