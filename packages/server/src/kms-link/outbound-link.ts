/**
 * A KMS that connects *out* to the core: the customer's KMS sits behind its firewall and opens a
 * WebSocket to the core (`/api/kms/link`), authenticated by a shared link secret. The core then
 * relays KMS messages down that socket instead of calling the KMS. The messages stay opaque: they
 * are encrypted between the client and the KMS.
 * @module
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { WebSocket } from 'ws';
import type { KmsDiscoveryInfo, KmsLink } from './kms-link.ts';

const REQUEST_TIMEOUT_MS = 10_000;

type LinkFrame =
  | { type: 'hello'; secret: string; info: KmsDiscoveryInfo }
  | { type: 'response'; id: string; kmsMessages: string[] };

export class OutboundKmsLink implements KmsLink {
  private socket: WebSocket | undefined;
  private current: KmsDiscoveryInfo | undefined;
  private readonly waiting = new Map<string, { resolve: (m: string[]) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();

  constructor(private readonly secret: string) {}

  get connected(): boolean {
    return this.socket !== undefined;
  }

  health(): Promise<void> {
    return this.socket !== undefined ? Promise.resolve() : Promise.reject(new Error('no KMS is connected'));
  }

  info(): Promise<KmsDiscoveryInfo> {
    if (this.current === undefined) return Promise.reject(new Error('no KMS is connected'));
    return Promise.resolve(this.current);
  }

  send(messages: readonly string[], requesterAddress?: string): Promise<string[]> {
    const socket = this.socket;
    if (socket === undefined) return Promise.reject(new Error('no KMS is connected'));
    const id = randomUUID();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error('the KMS did not answer in time'));
      }, REQUEST_TIMEOUT_MS);
      this.waiting.set(id, { resolve, reject, timer });
      socket.send(JSON.stringify({ type: 'request', id, kmsMessages: messages, ...(requesterAddress !== undefined ? { requesterAddress } : {}) }));
    });
  }

  /** Takes a KMS's connection; answers false (and the caller closes it) when its secret is wrong. */
  accept(socket: WebSocket): void {
    let helloDone = false;
    const helloTimer = setTimeout(() => socket.close(4001, 'expected hello'), 10_000);
    socket.on('message', (raw: Buffer) => {
      let frame: LinkFrame;
      try {
        frame = JSON.parse(raw.toString('utf8')) as LinkFrame;
      } catch {
        socket.close(4400, 'malformed frame');
        return;
      }
      if (!helloDone) {
        clearTimeout(helloTimer);
        if (frame.type !== 'hello' || !this.secretMatches(frame.secret) || typeof frame.info?.rsaPublicKey !== 'string') {
          socket.close(4401, 'wrong link secret');
          return;
        }
        helloDone = true;
        // The newest KMS connection wins; an older one (a reconnect that crossed) is closed.
        this.socket?.close(4009, 'replaced by a newer link');
        this.socket = socket;
        this.current = { kmsCluster: frame.info.kmsCluster, rsaPublicKey: frame.info.rsaPublicKey, ...(frame.info.caroots ? { caroots: frame.info.caroots } : {}) };
        socket.send(JSON.stringify({ type: 'ready' }));
        return;
      }
      if (frame.type === 'response') {
        const w = this.waiting.get(frame.id);
        if (w === undefined) return;
        this.waiting.delete(frame.id);
        clearTimeout(w.timer);
        w.resolve(frame.kmsMessages);
      }
    });
    socket.on('close', () => {
      clearTimeout(helloTimer);
      if (this.socket !== socket) return;
      this.socket = undefined;
      for (const [id, w] of this.waiting) {
        clearTimeout(w.timer);
        w.reject(new Error('the KMS link closed'));
        this.waiting.delete(id);
      }
    });
  }

  private secretMatches(given: unknown): boolean {
    if (typeof given !== 'string') return false;
    const a = Buffer.from(given);
    const b = Buffer.from(this.secret);
    return a.length === b.length && timingSafeEqual(a, b);
  }
}
