/**
 * The KMS side of the outbound link: a KMS behind the customer's firewall opens a WebSocket to the
 * core, proves itself with the shared link secret, and answers the KMS messages the core relays
 * down it. It reconnects by itself; nothing needs to reach the KMS from outside.
 * @module
 */
import WebSocket from 'ws';
import type { Kms } from '@flint/kms';

export interface ConnectorOptions {
  coreUrl: string;
  secret: string;
  log: (line: string) => void;
}

export interface Connector {
  /** Resolves once the core has accepted the link (the first time). */
  ready: Promise<void>;
  close(): void;
}

export function connectKmsToCore(kms: Kms, options: ConnectorOptions): Connector {
  const url = `${options.coreUrl.replace(/^http/, 'ws').replace(/\/+$/, '')}/api/kms/link`;
  let stopped = false;
  let socket: WebSocket | undefined;
  let attempt = 0;
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));

  const open = () => {
    if (stopped) return;
    const ws = new WebSocket(url);
    socket = ws;
    ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', secret: options.secret, info: kms.info() })));
    ws.on('message', (raw: Buffer) => {
      const frame = JSON.parse(raw.toString('utf8')) as { type: string; id?: string; kmsMessages?: unknown[]; requesterAddress?: unknown };
      if (frame.type === 'ready') {
        attempt = 0;
        options.log(`linked to ${options.coreUrl}`);
        markReady();
        return;
      }
      if (frame.type === 'request' && typeof frame.id === 'string' && Array.isArray(frame.kmsMessages)) {
        const id = frame.id;
        const origin = typeof frame.requesterAddress === 'string' && frame.requesterAddress.length <= 64 ? { address: frame.requesterAddress, source: 'core-reported' as const } : undefined;
        void kms.handle(frame.kmsMessages, origin).then((kmsMessages) => ws.send(JSON.stringify({ type: 'response', id, kmsMessages })));
      }
    });
    ws.on('error', () => undefined);
    ws.on('close', (code) => {
      if (socket !== ws || stopped) return;
      if (code === 4401) options.log('the core refused the link secret');
      const delay = Math.min(30_000, 250 * 2 ** attempt);
      attempt += 1;
      setTimeout(open, delay);
    });
  };
  open();
  return {
    ready,
    close: () => {
      stopped = true;
      socket?.close(1000, 'bye');
    },
  };
}
