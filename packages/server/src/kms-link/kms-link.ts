/**
 * The core's link to the KMS. The core never imports the KMS (DESIGN §1: separate trust domains);
 * it only forwards KMS protocol messages, which are encrypted end to end between the client and
 * the KMS, and reads the KMS's public discovery data. The composition root supplies the link: an
 * in-process one under `flint serve`, or HTTP to a KMS elsewhere (FLINT_KMS_URL).
 * @module
 */
import { kms } from '@flint/protocol';

export interface KmsDiscoveryInfo {
  kmsCluster: string;
  rsaPublicKey: string;
  caroots?: string[];
}

export interface KmsLink {
  info(): Promise<KmsDiscoveryInfo>;
  /**
   * Answers each message in order. `requesterAddress`: the address the core received the client's
   * request from, passed beside the opaque messages for the KMS's audit log (SEC-6 "from where").
   */
  send(messages: readonly string[], requesterAddress?: string): Promise<string[]>;
  /** Resolves when the KMS answers now (the status page, SPEC AD-3); without it, `info()` is the check. */
  health?(): Promise<void>;
}

export function httpKmsLink(baseUrl: string, fetchFn: typeof fetch = fetch): KmsLink {
  const base = baseUrl.replace(/\/$/, '');
  let cached: KmsDiscoveryInfo | undefined;
  return {
    async info() {
      if (cached) return cached;
      const r = await fetchFn(`${base}/kms/info`);
      if (!r.ok) throw new Error(`KMS discovery answered ${r.status}`);
      const body = (await r.json()) as KmsDiscoveryInfo;
      cached = { kmsCluster: body.kmsCluster, rsaPublicKey: body.rsaPublicKey, ...(body.caroots ? { caroots: body.caroots } : {}) };
      return cached;
    },
    async health() {
      // Not cached, unlike info(): the status page wants the KMS's answer now.
      const r = await fetchFn(`${base}/kms/health`, { signal: AbortSignal.timeout(5_000) });
      if (!r.ok) throw new Error(`KMS health answered ${r.status}`);
    },
    async send(messages, requesterAddress) {
      const batch: kms.KmsMessagesBatch = { kmsMessages: [...messages], ...(requesterAddress !== undefined ? { requesterAddress } : {}) };
      const r = await fetchFn(`${base}${kms.KMS_MESSAGES_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(batch) });
      if (!r.ok) throw new Error(`KMS answered ${r.status}`);
      return ((await r.json()) as kms.KmsMessagesReplies).kmsMessages;
    },
  };
}
