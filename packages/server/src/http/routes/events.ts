/**
 * The event stream: a WebSocket at /api/events (SPEC MS-7, DESIGN §3 and invariant 5).
 * The client's first frame is `hello` with its token (or the web session cookie rides on the
 * upgrade request) and the last event id it holds; the server answers `ready`, replays the gap
 * from the database, then streams. Heartbeats both ways detect dead connections.
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import { EVENTS_PATH, HEARTBEAT_MS, WHITEBOARD_LIMITS, type ClientFrame, type ServerFrame } from '@flint/protocol';
import type { Actor, Core } from '../../core.ts';
import { ApiError } from '../../errors.ts';
import { EventConnection } from '../../events/connection.ts';
import { prunedThrough } from '../../events/retention.ts';
import { authenticateBearer, authenticateCookie, isSessionLive } from '../../identity/sessions.ts';
import { assertStreamScope } from '../../identity/scopes.ts';
import { canSee, findPerson } from '../../identity/people.ts';
import { SESSION_COOKIE } from './auth.ts';
import { originAllowed } from '../origin.ts';

const HELLO_TIMEOUT_MS = 10_000;
const MAX_FRAME_BYTES = 64 * 1024;

function send(socket: WebSocket, frame: ServerFrame): void {
  if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(frame));
}

export function eventRoutes(app: FastifyInstance, core: Core): void {
  app.get(EVENTS_PATH, { websocket: true, schema: { hide: true } }, (socket, req) => {
    let conn: EventConnection | undefined;
    let alive = true;
    let busy = false;
    // The cookie counts only on an upgrade from Flint's own origin (http/origin.ts); a bearer
    // token in `hello` cannot be sent by a page that does not hold it, so it needs no such check.
    const cookie = req.cookies[SESSION_COOKIE];
    const cookieFromOwnOrigin = originAllowed(req, core.config.publicUrl);
    // ws closes a frame over its maxPayload with 1009 itself; the documented close for an
    // oversized frame is 4400 (docs/limits.md), so that close is renamed on its way out.
    const wsClose = socket.close.bind(socket);
    socket.close = (code?: number, reason?: string | Buffer) => (code === 1009 ? wsClose(4400, 'Frames are JSON text of at most 64 KiB.') : wsClose(code, reason));
    const helloTimer = setTimeout(() => socket.close(4001, 'expected a hello frame'), HELLO_TIMEOUT_MS);
    const heartbeat = setInterval(() => {
      if (!alive) {
        socket.terminate();
        return;
      }
      alive = false;
      socket.ping();
      // A session revoked on another instance, or a person deactivated there, ends here too.
      if (conn !== undefined) {
        const c = conn;
        void isSessionLive(core.db, c.sessionId).then((ok) => {
          if (!ok) c.end('session ended');
        });
      }
    }, HEARTBEAT_MS);
    socket.on('pong', () => (alive = true));

    const fail = (code: number, error: ApiError) => {
      send(socket, { type: 'error', code: error.code, message: error.message });
      socket.close(code, error.code);
    };

    const hello = async (frame: Extract<ClientFrame, { type: 'hello' }>) => {
      let actor: Actor;
      try {
        if (typeof frame.token === 'string') actor = await authenticateBearer(core, frame.token);
        else if (cookie !== undefined && !cookieFromOwnOrigin) {
          fail(4403, ApiError.forbidden('The session cookie is accepted only from this server’s own origin.'));
          return;
        } else if (cookie !== undefined) actor = await authenticateCookie(core, cookie, req.ip);
        else throw ApiError.unauthorized();
        assertStreamScope(actor);
      } catch (error) {
        fail(4401, ApiError.from(error));
        return;
      }
      clearTimeout(helloTimer);
      // Every event below the horizon is final: a new device starts there.
      const head = (await core.events.positions.horizon()) - 1;
      const asked = frame.lastEventId;
      let start = head;
      if (typeof asked === 'number' && Number.isSafeInteger(asked) && asked >= 0) {
        // Events after `asked` may have been pruned: the device must refetch, then go on from now.
        if (asked < (await prunedThrough(core.db))) send(socket, { type: 'reset', lastEventId: head });
        else if (asked <= head) start = asked;
        // A client ahead of the server's log knows of events that are gone (a restored database): start over.
        else send(socket, { type: 'reset', lastEventId: head });
      }
      const deviceId = typeof frame.deviceId === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(frame.deviceId) ? frame.deviceId : null;
      const id = randomUUID();
      conn = new EventConnection(id, actor.personId, actor.sessionId, deviceId, socket, core.db, core.events.positions, start, (error) => {
        req.log.error({ err: error }, 'event stream catch-up failed');
        socket.close(1011, 'internal error; reconnect');
      });
      send(socket, { type: 'ready', lastEventId: start, connectionId: id });
      connActor = actor;
      // The hub starts the connection's catch-up once it tracks the person's memberships.
      await core.events.hub.add(conn);
    };
    let connActor: Actor | undefined;

    socket.on('message', (raw: Buffer, isBinary: boolean) => {
      alive = true;
      if (isBinary || raw.byteLength > MAX_FRAME_BYTES) {
        fail(4400, ApiError.badRequest('Frames are JSON text of at most 64 KiB.'));
        return;
      }
      let frame: ClientFrame;
      try {
        frame = JSON.parse(raw.toString('utf8')) as ClientFrame;
      } catch {
        fail(4400, new ApiError('malformed_json', 'A frame is not valid JSON.'));
        return;
      }
      if (conn === undefined) {
        if (frame.type !== 'hello' || busy) {
          fail(4400, ApiError.badRequest('The first frame must be hello.'));
          return;
        }
        busy = true;
        hello(frame).catch((error: unknown) => fail(1011, ApiError.from(error)));
        return;
      }
      switch (frame.type) {
        case 'ping':
          send(socket, { type: 'pong' });
          return;
        case 'presence.subscribe': {
          const ids = Array.isArray(frame.personIds) ? frame.personIds.filter((x) => typeof x === 'string').slice(0, 500) : [];
          const c = conn;
          const actor = connActor;
          void (async () => {
            for (const id of ids) {
              const person = await findPerson(core.db, id);
              if (person !== undefined && actor !== undefined && canSee(actor, person)) c.presenceSubscriptions.add(id);
            }
          })();
          return;
        }
        case 'whiteboard.watch': {
          // Only a set of ids: whether the person is a member is checked when each update is sent.
          const ids = Array.isArray(frame.boardIds) ? frame.boardIds.filter((x): x is string => typeof x === 'string' && x.length <= 64) : [];
          conn.watchedBoards = new Set(ids.slice(0, WHITEBOARD_LIMITS.watchedPerConnection));
          return;
        }
        case 'hello':
          fail(4400, ApiError.badRequest('hello was sent already.'));
          return;
        default:
          send(socket, { type: 'error', code: 'bad_request', message: 'Unknown frame type.' });
      }
    });

    socket.on('close', () => {
      clearTimeout(helloTimer);
      clearInterval(heartbeat);
      if (conn !== undefined) core.events.hub.remove(conn);
    });
  });
}
