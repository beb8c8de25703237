/**
 * Graceful shutdown of the listener: requests in flight finish (Fastify waits for them), but a
 * connection that carries no request must not hold the close up. Node's `closeIdleConnections`
 * (what `forceCloseConnections: 'idle'` calls, once) misses two kinds: a socket a client opened
 * and has not sent a byte on yet (clients pre-connect, and an aborted upload can leave one), and
 * a keep-alive connection that falls idle after its last answer while the close is waiting. Both
 * would otherwise hold the process until the keep-alive or headers timeout (about 70 s).
 * @module
 */
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';

export function closeQuietConnections(app: FastifyInstance): void {
  const sockets = new Set<Socket>();
  app.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  app.addHook('preClose', (done) => {
    const sweep = () => {
      app.server.closeIdleConnections();
      for (const socket of sockets) if (socket.bytesRead === 0) socket.destroy();
    };
    sweep();
    const timer = setInterval(sweep, 100);
    timer.unref();
    app.server.once('close', () => clearInterval(timer));
    done();
  });
}
