/**
 * A TCP proxy on loopback in front of a server, to cut a client's network mid-stream: `drop()`
 * destroys every connection (the client sees its sockets die, as on a network failure) and
 * `hold()` keeps new connections waiting, unanswered, until `release()` — so a client that
 * reconnects at once still stays cut off for as long as a test needs.
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
  const drop = () => {
    for (const socket of [...open]) socket.destroy();
    open.clear();
  };
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    drop,
    hold() {
      held ??= [];
    },
    release() {
      const waiting = held ?? [];
      held = undefined;
      for (const go of waiting) go();
    },
    async stop() {
      drop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
