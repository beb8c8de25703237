/**
 * The event stream client: connects to /api/events, sends the last event id it holds, and
 * reconnects with back-off after any drop, so the application sees every event once, in order.
 * Works with the browser's WebSocket, or any constructor of the same shape (the `ws` package in Node 20).
 * @module
 */
import { EVENTS_PATH, type ServerFrame, type StoredEvent } from '@flint/protocol';

/** The part of the WebSocket API this client uses. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

export interface EventStreamOptions {
  baseUrl: string;
  /** The current access token (read at every (re)connect, so a refreshed token is used); undefined to rely on the cookie. */
  token: () => string | undefined;
  WebSocket?: WebSocketConstructor;
  deviceId?: string;
  /** Resume after this id (e.g. kept from an earlier run); by default the stream starts at "now". */
  lastEventId?: number;
  onEvent: (event: StoredEvent) => void;
  /** Live-only frames: typing, presence. */
  onSignal?: (frame: Extract<ServerFrame, { type: 'typing' | 'presence' }>) => void;
  /** The server could not replay the gap: refetch state. */
  onReset?: () => void;
  onStateChange?: (state: 'connecting' | 'open' | 'closed') => void;
  /** Longest wait between reconnection attempts. */
  maxBackoffMs?: number;
}

export class EventStream {
  lastEventId: number | undefined;
  private socket: WebSocketLike | undefined;
  private stopped = false;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readyWaiters: (() => void)[] = [];
  private isReady = false;

  constructor(private readonly options: EventStreamOptions) {
    this.lastEventId = options.lastEventId;
  }

  /** Connects; resolves once the server has said `ready` (replay may still be streaming). */
  start(): Promise<void> {
    this.stopped = false;
    this.open();
    return this.ready();
  }

  ready(): Promise<void> {
    if (this.isReady) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  send(frame: { type: 'presence.subscribe'; personIds: string[] } | { type: 'ping' }): void {
    this.socket?.send(JSON.stringify(frame));
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.socket?.close(1000, 'bye');
    this.socket = undefined;
    this.options.onStateChange?.('closed');
  }

  /** Drops the connection as a network failure would (tests, and "reconnect now" in apps). */
  drop(): void {
    this.socket?.close(4000, 'dropped by client');
  }

  private open(): void {
    const Ctor = this.options.WebSocket ?? (globalThis as unknown as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (Ctor === undefined) throw new TypeError('no WebSocket implementation: pass options.WebSocket');
    this.isReady = false;
    this.options.onStateChange?.('connecting');
    const url = this.options.baseUrl.replace(/^http/, 'ws').replace(/\/$/, '') + EVENTS_PATH;
    const socket = new Ctor(url);
    this.socket = socket;
    socket.onopen = () => {
      const token = this.options.token();
      socket.send(
        JSON.stringify({
          type: 'hello',
          ...(token !== undefined ? { token } : {}),
          ...(this.lastEventId !== undefined ? { lastEventId: this.lastEventId } : {}),
          ...(this.options.deviceId !== undefined ? { deviceId: this.options.deviceId } : {}),
        }),
      );
    };
    socket.onmessage = (ev) => this.onFrame(JSON.parse(String(ev.data)) as ServerFrame);
    socket.onerror = () => undefined;
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.isReady = false;
      if (this.stopped) return;
      this.options.onStateChange?.('closed');
      const delay = Math.min(this.options.maxBackoffMs ?? 5000, 100 * 2 ** this.attempt) * (0.5 + Math.random() / 2);
      this.attempt += 1;
      this.timer = setTimeout(() => this.open(), delay);
    };
  }

  private onFrame(frame: ServerFrame): void {
    switch (frame.type) {
      case 'ready':
        this.attempt = 0;
        this.lastEventId = frame.lastEventId;
        this.isReady = true;
        this.options.onStateChange?.('open');
        for (const w of this.readyWaiters.splice(0)) w();
        return;
      case 'event':
        // A replay after a reconnect can overlap what was already delivered: keep each id once.
        if (this.lastEventId !== undefined && frame.event.id <= this.lastEventId) return;
        this.lastEventId = frame.event.id;
        this.options.onEvent(frame.event);
        return;
      case 'reset':
        this.lastEventId = frame.lastEventId;
        this.options.onReset?.();
        return;
      case 'typing':
      case 'presence':
        this.options.onSignal?.(frame);
        return;
      case 'pong':
      case 'error':
        return;
    }
  }
}
