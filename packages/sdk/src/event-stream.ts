/**
 * The event stream client: connects to /api/events, sends the last event id it holds, and
 * reconnects with back-off after any drop, so the application sees every event once, in order.
 * Works with the browser's WebSocket, or any constructor of the same shape (the `ws` package in Node 20).
 *
 * A connection can die without a close ever arriving: a network that goes away silently (Wi-Fi
 * lost, a laptop asleep, a NAT that forgot the flow) leaves the socket "open" until TCP gives up,
 * which takes minutes. So the client watches the connection itself: after `heartbeatMs` without a
 * frame it sends a `ping` (the server answers `pong`), and after twice that without any frame it
 * abandons the socket and reconnects. Abandoning never waits for the closing handshake (it cannot
 * finish on a dead network). `reconnectNow()` skips the back-off when the application knows the
 * network is back (a browser's `online` event).
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
  /** Live-only sealed whiteboard updates of the boards this connection watches. */
  onWhiteboard?: (frame: Extract<ServerFrame, { type: 'whiteboard.update' }>) => void;
  /** The server could not replay the gap: refetch state. */
  onReset?: () => void;
  onStateChange?: (state: 'connecting' | 'open' | 'closed') => void;
  /** Longest wait between reconnection attempts. */
  maxBackoffMs?: number;
  /**
   * Silence after which the client pings the server; after twice this without a frame the
   * connection is presumed dead and replaced. Default 20 s; 0 turns the check off.
   */
  heartbeatMs?: number;
}

const DEFAULT_HEARTBEAT_MS = 20_000;
/** WebSocket.OPEN, the same in browsers and in `ws`. */
const OPEN = 1;

export class EventStream {
  lastEventId: number | undefined;
  private socket: WebSocketLike | undefined;
  private stopped = false;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readyWaiters: (() => void)[] = [];
  private isReady = false;
  private watchdog: ReturnType<typeof setInterval> | undefined;
  private lastFrameAt = 0;
  private pinged = false;

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

  send(frame: { type: 'presence.subscribe'; personIds: string[] } | { type: 'whiteboard.watch'; boardIds: string[] } | { type: 'ping' }): void {
    this.socket?.send(JSON.stringify(frame));
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.stopWatchdog();
    this.socket?.close(1000, 'bye');
    this.socket = undefined;
    this.options.onStateChange?.('closed');
  }

  /**
   * Gives up the current connection at once, as a network failure would, and reconnects after the
   * back-off (tests; an application that learns the network is gone, e.g. the browser's `offline`).
   */
  drop(): void {
    this.abandon(4000, 'dropped by client');
  }

  /** Reconnects at once if the stream is waiting to retry (the network is back): no back-off. */
  reconnectNow(): void {
    if (this.stopped || this.socket !== undefined) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.attempt = 0;
    this.open();
  }

  /** Forgets the socket without waiting for its closing handshake, then goes on as after a close. */
  private abandon(code: number, reason: string): void {
    const socket = this.socket;
    if (socket === undefined) return;
    socket.onopen = null;
    socket.onmessage = null;
    socket.onclose = null;
    try {
      socket.close(code, reason);
    } catch {
      // Already closing, or never opened: nothing to say to the server.
    }
    this.lost(socket);
  }

  private lost(socket: WebSocketLike): void {
    if (this.socket !== socket) return;
    this.socket = undefined;
    this.isReady = false;
    this.stopWatchdog();
    if (this.stopped) return;
    const delay = Math.min(this.options.maxBackoffMs ?? 5000, 100 * 2 ** this.attempt) * (0.5 + Math.random() / 2);
    this.attempt += 1;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.open();
    }, delay);
    // Last, so a listener may call reconnectNow() (which cancels the timer just set).
    this.options.onStateChange?.('closed');
  }

  /** Pings after `heartbeatMs` of silence; abandons the socket after twice that. */
  private startWatchdog(socket: WebSocketLike): void {
    const every = this.options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    if (every <= 0) return;
    this.stopWatchdog();
    this.lastFrameAt = Date.now();
    this.pinged = false;
    this.watchdog = setInterval(() => {
      if (this.socket !== socket) return;
      const silent = Date.now() - this.lastFrameAt;
      // Not open after a whole period: the connection attempt itself is stuck.
      if (silent >= 2 * every || (silent >= every && socket.readyState !== OPEN)) this.abandon(4000, 'no answer to ping');
      else if (silent >= every && !this.pinged) {
        this.pinged = true;
        try {
          socket.send(JSON.stringify({ type: 'ping' }));
        } catch {
          this.abandon(4000, 'send failed');
        }
      }
    }, Math.max(10, Math.floor(every / 4)));
  }

  private stopWatchdog(): void {
    if (this.watchdog !== undefined) clearInterval(this.watchdog);
    this.watchdog = undefined;
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
    socket.onmessage = (ev) => {
      this.lastFrameAt = Date.now();
      this.pinged = false;
      this.onFrame(JSON.parse(String(ev.data)) as ServerFrame);
    };
    socket.onerror = () => undefined;
    socket.onclose = () => this.lost(socket);
    // From the first moment: a connection that never opens (a dead network, a black hole) is
    // replaced too, not left to the operating system's connect timeout.
    this.startWatchdog(socket);
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
      case 'whiteboard.update':
        this.options.onWhiteboard?.(frame);
        return;
      case 'pong':
      case 'error':
        return;
    }
  }
}
