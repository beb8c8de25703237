/**
 * How KMS messages reach the KMS. The client only needs "send these JOSE strings, get JOSE
 * strings back": replies may come in any order and grouping (the client matches them by the
 * `requestId` inside), so the same client works over the synchronous `/kms/messages` endpoint
 * and over the core's asynchronous relay (POST 202 + `encryption.kms_message` events).
 * @module
 */
import { FlintError } from '../errors.ts';
import type { FetchLike } from '../transport.ts';

/**
 * Tells whether a reply answers the request being sent (the KMS client can open replies; a
 * transport cannot). Asynchronous transports, whose replies arrive apart from their requests,
 * use it to hand each reply to the caller it belongs to; synchronous ones may ignore it.
 */
export type KmsReplyMatcher = (reply: string) => Promise<boolean>;

/** Sends KMS messages and answers the replies (the one matching `isMine` among them, at least). */
export type KmsTransport = (kmsMessages: string[], isMine?: KmsReplyMatcher) => Promise<string[]>;

/** The synchronous path: `POST {baseUrl}/kms/messages` answering `{kmsMessages}` in order. */
export function httpKmsTransport(baseUrl: string, fetchImpl: FetchLike = globalThis.fetch.bind(globalThis)): KmsTransport {
  const url = `${baseUrl.replace(/\/+$/, '')}/kms/messages`;
  return async (kmsMessages) => {
    let res: Response | undefined;
    // One retry on a connection failure: a pooled keep-alive socket to a KMS that restarted fails
    // once before the pool notices. The KMS tolerates replays (a wasted unbound key at worst).
    for (let attempt = 0; res === undefined; attempt++) {
      try {
        res = await fetchImpl(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kmsMessages }) });
      } catch (error) {
        if (attempt === 0) continue;
        const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
        throw FlintError.network(`The KMS could not be reached: ${error instanceof Error ? error.message : String(error)}${cause}`, error);
      }
    }
    if (!res.ok) throw FlintError.refused(res.status, `The KMS endpoint answered HTTP ${res.status}.`, { code: res.status === 400 ? 'bad_request' : 'unavailable' });
    const body = (await res.json()) as { kmsMessages?: unknown };
    if (!Array.isArray(body.kmsMessages) || !body.kmsMessages.every((m) => typeof m === 'string')) {
      throw FlintError.refused(502, 'The KMS endpoint answered without kmsMessages.', { code: 'unavailable' });
    }
    return body.kmsMessages;
  };
}

/** Discovery from the KMS's own listener: `{kmsCluster, rsaPublicKey}` (the key as a JSON string). */
export async function fetchKmsInfo(baseUrl: string, fetchImpl: FetchLike = globalThis.fetch.bind(globalThis)): Promise<{ kmsCluster: string; rsaPublicKey: string }> {
  const res = await fetchImpl(`${baseUrl.replace(/\/+$/, '')}/kms/info`, { method: 'GET' });
  if (!res.ok) throw FlintError.refused(res.status, `KMS discovery answered HTTP ${res.status}.`, { code: 'unavailable' });
  return (await res.json()) as { kmsCluster: string; rsaPublicKey: string };
}
