/**
 * A TCP proxy on loopback in front of a server, to cut a client's network mid-stream: `drop()`
 * destroys every connection (the client sees its sockets die, as on a network failure) and
 * `hold()` keeps new connections waiting, unanswered, until `release()` — so a client that
 * reconnects at once still stays cut off for as long as a test needs. `down()` and `up()` play a
 * server restart: while down, the port refuses connections (as a stopped PostgreSQL or Redis does),
 * so services can be "restarted" in front of the machine's real ones, which other tests share.
 * @module
 */
import { connect, createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TcpProxy {
  /** `http://127.0.0.1:<port>`: use it as the server's URL. */
  url: string;
  /** Destroys every open connection, both sides. */
  drop(): void;
  /** New connections wait (accepted, not forwarded) until `release()`. */
  hold(): void;
  release(): void;
  /** Stops listening and destroys every connection: new connections are refused until `up()`. */
  down(): Promise<void>;
  /** Listens again, on the same port. */
  up(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let held: (() => void)[] | undefined;
  const forward = (client: Socket) => {
    if (client.destroyed) return;
    const upstream = connect(target.port, target.host);
    open.add(upstream);
    const close = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    client.pipe(upstream);
    upstream.pipe(client);
  };
  const server = createServer((client) => {
    open.add(client);
    client.on('close', () => open.delete(client)).on('error', () => client.destroy());
    // Paused until forwarded: what the client sends meanwhile waits in the socket.
    client.pause();
    if (held !== undefined) held.push(() => forward(client));
    else forward(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const drop = () => {
    for (const socket of [...open]) socket.destroy();
    open.clear();
  };
  return {
    url: `http://127.0.0.1:${port}`,
    drop,
    hold() {
      held ??= [];
    },
    release() {
      const waiting = held ?? [];
      held = undefined;
      for (const go of waiting) go();
    },
    async down() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      drop();
      await closed;
    },
    async up() {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => {
          server.off('error', reject);
          resolve();
        });
      });
    },
    async stop() {
      if (!server.listening) return;
      drop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
