/**
 * Fan-out between server instances. After a transaction that appended events commits, the
 * instance publishes a nudge; every instance (itself included) hands it to its local hub, which
 * reads the new events from the log and writes them to the connected devices of the recipients. In-process by default; Redis pub/sub when
 * REDIS_URL is set, so several instances behind a load balancer deliver to everyone.
 * @module
 */
import type { Redis } from 'ioredis';

/**
 * "The log has events below `upTo`": a hint, not the events. The log is the one source of each
 * event and of its order, so a lost or late nudge delays delivery until the next one, and never
 * reorders or loses anything.
 */
export interface EventBatch {
  kind: 'event';
  upTo: number;
}

/** Live-only signals: not stored, no ids. */
export interface LiveSignal {
  kind: 'typing' | 'presence' | 'whiteboard';
  personIds: string[];
  payload: Record<string, unknown>;
  /** The instance that sent it, for presence bookkeeping. */
  origin: string;
}

export type BusMessage = EventBatch | LiveSignal;

export interface EventBus {
  publish(message: BusMessage): Promise<void>;
  subscribe(handler: (message: BusMessage) => void): void;
  close(): Promise<void>;
}

export class InProcessBus implements EventBus {
  private handlers: ((message: BusMessage) => void)[] = [];
  publish(message: BusMessage): Promise<void> {
    // Deliver on the next turn, as Redis would: the request that published answers first, rather
    // than after writing to every connection (5,000 sockets for a large space).
    setImmediate(() => {
      for (const h of this.handlers) h(message);
    });
    return Promise.resolve();
  }
  subscribe(handler: (message: BusMessage) => void): void {
    this.handlers.push(handler);
  }
  close(): Promise<void> {
    this.handlers = [];
    return Promise.resolve();
  }
}

export class RedisBus implements EventBus {
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly channel: string;
  private handlers: ((message: BusMessage) => void)[] = [];

  private constructor(RedisClient: typeof Redis, url: string, prefix: string) {
    this.pub = new RedisClient(url, { lazyConnect: true, maxRetriesPerRequest: 3 });
    this.sub = new RedisClient(url, { lazyConnect: true });
    this.channel = `${prefix}events`;
  }

  static async connect(url: string, prefix: string): Promise<RedisBus> {
    // ioredis is loaded only when Redis is configured (server.ts), not by every server at start-up.
    const bus = new RedisBus((await import('ioredis')).Redis, url, prefix);
    // ioredis reconnects by itself; without a listener an 'error' event would crash the process.
    for (const client of [bus.pub, bus.sub]) client.on('error', () => undefined);
    await Promise.all([bus.pub.connect(), bus.sub.connect()]);
    bus.sub.on('message', (_channel: string, text: string) => {
      const message = JSON.parse(text) as BusMessage;
      for (const h of bus.handlers) h(message);
    });
    await bus.sub.subscribe(bus.channel);
    return bus;
  }

  async publish(message: BusMessage): Promise<void> {
    await this.pub.publish(this.channel, JSON.stringify(message));
  }

  subscribe(handler: (message: BusMessage) => void): void {
    this.handlers.push(handler);
  }

  async close(): Promise<void> {
    this.handlers = [];
    await Promise.allSettled([this.sub.quit(), this.pub.quit()]);
  }
}
