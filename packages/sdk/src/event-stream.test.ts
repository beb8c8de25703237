/**
 * The event stream's own liveness check (DESIGN §2 invariant 5, SPEC MS-7): a connection whose
 * network dies silently — no close, no reset, the bytes just stop — is noticed by the client,
 * abandoned and replaced, and the replacement gets what was sent meanwhile; `reconnectNow()`
 * skips the back-off. The server is a real Flint; between it and the client a TCP relay that can
 * black-hole its connections (stop forwarding both ways, close nothing), as a lost Wi-Fi does.
 * Runs on SQLite, or on PostgreSQL when FLINT_TEST_DATABASE_URL is set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { StoredEvent } from '@flint/protocol';
import { NodeWebSocket, startFlint, type TestFlint } from '@flint/testkit';
import type { FlintClient } from './client.ts';
import { EventStream, type EventStreamOptions, type WebSocketConstructor } from './event-stream.ts';

/** A WebSocket constructor that counts the connections it opens. */
function counting(): { Ctor: WebSocketConstructor; count: () => number } {
  let n = 0;
  const Ctor = class extends NodeWebSocket {
    constructor(url: string) {
      super(url);
      n += 1;
    }
  };
  return { Ctor, count: () => n };
}

/** A TCP relay to `port`; while `blackHole` is on, bytes are neither forwarded nor answered. */
class Relay {
  blackHole = false;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(target: number) {
    this.server = createServer((client) => {
      const upstream = connect(target, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('error', () => undefined);
        s.on('close', () => this.sockets.delete(s));
      }
      client.on('data', (chunk) => void (this.blackHole || upstream.write(chunk)));
      upstream.on('data', (chunk) => void (this.blackHole || client.write(chunk)));
      client.on('end', () => upstream.end());
      upstream.on('end', () => client.end());
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    if (typeof address === 'object' && address !== null) this.port = address.port;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

function until(check: () => boolean, what: string, ms = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = setInterval(() => {
      if (check()) {
        clearInterval(tick);
        resolve();
      } else if (Date.now() - started > ms) {
        clearInterval(tick);
        reject(new Error(`timed out waiting for ${what}`));
      }
    }, 20);
  });
}

function streamOf(client: FlintClient, options: Omit<EventStreamOptions, 'baseUrl' | 'token'> & { baseUrl?: string }): EventStream {
  return new EventStream({ baseUrl: client.transport.baseUrl, token: () => client.transport.accessToken, ...options });
}

describe('event stream liveness (SDK)', () => {
  let flint: TestFlint;
  let relay: Relay;
  let ada: FlintClient;
  let bob: FlintClient;
  let roomId: string;

  before(async () => {
    flint = await startFlint({ env: { FLINT_SIGNUP: 'open' } });
    relay = new Relay(Number(new URL(flint.url).port));
    await relay.listen();
    ada = await flint.signup({ email: 'ada@example.com' });
    bob = await flint.signup({ email: 'bob@example.com' });
    const room = await ada.rooms.create({ title: 'ciphertext:liveness' });
    roomId = room.id;
    await ada.memberships.create({ roomId, personId: bob.session!.personId });
  });

  after(async () => {
    await relay?.close();
    await flint?.stop();
  });

  it('MS-7: a connection that goes silent is abandoned and replaced, and nothing sent meanwhile is lost', async () => {
    const events: StoredEvent[] = [];
    const states: string[] = [];
    const sockets = counting();
    // Through the relay: the client's view of the server.
    const stream = streamOf(bob, { baseUrl: `http://127.0.0.1:${relay.port}`, WebSocket: sockets.Ctor, heartbeatMs: 250, onEvent: (e) => events.push(e), onStateChange: (s) => states.push(s) });
    await stream.start();
    try {
      const first = await ada.messages.create({ roomId, text: 'ciphertext:before' });
      await until(() => events.some((e) => (e.data as { id?: string }).id === first.id), 'the first message');

      // The network dies silently: the server's frames never arrive, the socket never closes.
      relay.blackHole = true;
      states.length = 0;
      const missed = await ada.messages.create({ roomId, text: 'ciphertext:while silent' });
      await until(() => states.includes('closed'), 'the client to give the silent connection up');
      const before = sockets.count();
      // Attempts made while the network is still gone never open; they are replaced in turn.
      await until(() => sockets.count() > before + 1, 'a second attempt while the network is gone');
      assert.ok(!events.some((e) => (e.data as { id?: string }).id === missed.id), 'nothing crossed the black hole');

      relay.blackHole = false;
      await until(() => events.some((e) => (e.data as { id?: string }).id === missed.id), 'the missed message after reconnecting');
      const after = await ada.messages.create({ roomId, text: 'ciphertext:after' });
      await until(() => events.some((e) => (e.data as { id?: string }).id === after.id), 'live again');
      const ids = events.map((e) => e.id);
      assert.equal(new Set(ids).size, ids.length, 'no event twice');
      assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'in order');
    } finally {
      stream.stop();
    }
  });

  it('MS-7: reconnectNow() replaces a dropped connection at once instead of after the back-off', async () => {
    const sockets = counting();
    const events: StoredEvent[] = [];
    let reconnected = -1;
    let dropping = false;
    const stream: EventStream = streamOf(bob, {
      WebSocket: sockets.Ctor,
      maxBackoffMs: 60_000,
      onEvent: (e) => events.push(e),
      onStateChange: (s) => {
        // Called once the stream waits to retry: reconnectNow() must have opened a socket on return.
        if (s === 'closed' && dropping) {
          dropping = false;
          const before = sockets.count();
          stream.reconnectNow();
          reconnected = sockets.count() - before;
        }
      },
    });
    await stream.start();
    try {
      dropping = true;
      stream.drop();
      assert.equal(reconnected, 1, 'a new connection was opened by reconnectNow() itself');
      await stream.ready();
      const m = await ada.messages.create({ roomId, text: 'ciphertext:after reconnectNow' });
      await until(() => events.some((e) => (e.data as { id?: string }).id === m.id), 'an event on the new connection');
      // The back-off timer was cancelled: no second connection is opened behind it.
      await new Promise((r) => setTimeout(r, 400));
      assert.equal(sockets.count(), 2);
    } finally {
      stream.stop();
    }
  });
});
