/**
 * An event-stream client for tests: collects what arrives and waits for what is expected.
 * @module
 */
import WebSocket from 'ws';
import type { ServerFrame, StoredEvent } from '@flint/protocol';
import type { EventStream, FlintClient, WebSocketConstructor } from '@flint/sdk';

export interface Collector {
  stream: EventStream;
  events: StoredEvent[];
  signals: Extract<ServerFrame, { type: 'typing' | 'presence' }>[];
  /** Resolves with the first event (already received or to come) that matches; rejects after `ms`. */
  waitFor(match: (e: StoredEvent) => boolean, ms?: number): Promise<StoredEvent>;
  /** Resolves once `count` events match. */
  waitForCount(match: (e: StoredEvent) => boolean, count: number, ms?: number): Promise<StoredEvent[]>;
  waitForSignal(match: (s: Extract<ServerFrame, { type: 'typing' | 'presence' }>) => boolean, ms?: number): Promise<void>;
  stop(): void;
}

export const NodeWebSocket = WebSocket as unknown as WebSocketConstructor;

export async function collect(client: FlintClient, options: { deviceId?: string; lastEventId?: number; baseUrl?: string } = {}): Promise<Collector> {
  const events: StoredEvent[] = [];
  const signals: Collector['signals'] = [];
  const listeners = new Set<() => void>();
  const changed = () => {
    for (const l of [...listeners]) l();
  };
  const stream = client.events({
    WebSocket: NodeWebSocket,
    ...(options.deviceId !== undefined ? { deviceId: options.deviceId } : {}),
    ...(options.lastEventId !== undefined ? { lastEventId: options.lastEventId } : {}),
    onEvent: (e) => {
      events.push(e);
      changed();
    },
    onSignal: (s) => {
      signals.push(s);
      changed();
    },
  });
  await stream.start();
  const waitUntil = <T>(check: () => T | undefined, ms: number, what: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const first = check();
      if (first !== undefined) {
        resolve(first);
        return;
      }
      const listener = () => {
        const found = check();
        if (found !== undefined) {
          clearTimeout(timer);
          listeners.delete(listener);
          resolve(found);
        }
      };
      const timer = setTimeout(() => {
        listeners.delete(listener);
        reject(new Error(`timed out after ${ms} ms waiting for ${what}; have ${events.map((e) => `${e.id}:${e.type}`).join(', ')}`));
      }, ms);
      listeners.add(listener);
    });
  return {
    stream,
    events,
    signals,
    waitFor: (match, ms = 5000) => waitUntil(() => events.find(match), ms, 'an event'),
    waitForCount: (match, count, ms = 10_000) =>
      waitUntil(() => {
        const found = events.filter(match);
        return found.length >= count ? found : undefined;
      }, ms, `${count} events`),
    waitForSignal: (match, ms = 5000) => waitUntil(() => (signals.some(match) ? true : undefined), ms, 'a signal').then(() => undefined),
    stop: () => stream.stop(),
  };
}
