/**
 * The Mercury-style WebSocket behind the official SDK's `listen()` (SPEC PL-2; reference §8.5).
 * The client authorizes with its bearer token in the first message; the gateway then opens the
 * caller's own native event stream (`/api/events`, as the caller, through the SDK) and pushes each
 * event it sees as a `conversation.activity` — ids, verbs and tags only, never content. Mercury's
 * framing: `mercury.buffer_state` once authorized, `pong` for each `ping` (same id), a
 * `sequenceNumber` on every push; the client's acks need no answer, but move the device's cursor:
 * a socket that reconnects to the same device resumes its native stream after the last event the
 * device acknowledged (listen/cursors.ts), so a bot gets what it missed while it was cut off.
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { Person, StoredEvent } from '@flint/protocol';
import { createSession, type Events, type Session } from '@flint/sdk';
import type { Caller } from '../callers.ts';
import type { Gateway } from '../context.ts';
import { originOf } from '../request.ts';
import { activityOf, type PersonLookup } from './activities.ts';
import { openInputs } from '../routes/attachment-actions.ts';
import { deviceIdFrom, MERCURY_PREFIX } from './catalog.ts';
import { StreamPosition } from './cursors.ts';

/** Time a client has to send its authorization after connecting (Mercury allows 30 s). */
const AUTH_TIMEOUT_MS = 30_000;
/** A client frame larger than this is refused (frames are small JSON: authorization, ping, ack). */
const MAX_FRAME_CHARS = 16 * 1024;

interface ClientFrame {
  id?: unknown;
  type?: unknown;
  data?: { token?: unknown };
  messageId?: unknown;
}

function people(caller: Caller): PersonLookup {
  const cache = new Map<string, Promise<Person | undefined>>();
  return async (personId) => {
    let found = cache.get(personId);
    if (found === undefined) {
      found = caller.session.api.people.get(personId).catch(() => undefined);
      if (cache.size > 1000) cache.clear();
      cache.set(personId, found);
    }
    const p = await found;
    return p === undefined ? undefined : { emailAddress: p.emails[0] ?? '', displayName: p.displayName, ...(p.orgId !== undefined ? { orgId: p.orgId } : {}) };
  };
}

export function mercuryRoutes(app: FastifyInstance, gw: Gateway): void {
  app.get(`${MERCURY_PREFIX}/:deviceId`, { websocket: true, schema: { hide: true } }, (socket: WebSocket, req: FastifyRequest) => {
    let deviceId: string;
    try {
      deviceId = deviceIdFrom((req.params as { deviceId: string }).deviceId);
    } catch {
      socket.close(4404, 'unknown device');
      return;
    }
    const origin = originOf(req);
    let stream: Events | undefined;
    let listener: Session | undefined;
    let sequence = 1;
    let authorized = false;
    let closed = false;
    /** Sends a frame; answers its id (what the client's ack names). */
    const push = (data: Record<string, unknown>): string => {
      const id = randomUUID();
      if (closed || socket.readyState !== socket.OPEN) return id;
      socket.send(JSON.stringify({ id, sequenceNumber: sequence++, timestamp: Date.now(), trackingId: `FLINT_${randomUUID()}`, data }));
      return id;
    };
    let position: StreamPosition | undefined;
    let session = 0;
    const save = () => {
      const cursor = position?.cursor;
      if (cursor !== undefined) gw.cursors.save(deviceId, session, cursor);
    };
    const timer = setTimeout(() => socket.close(1008, 'Authentication did not happen within the timeout window of 30000 seconds.'), AUTH_TIMEOUT_MS);
    // Events are turned into activities one after the other, so they go out in order.
    let queue: Promise<void> = Promise.resolve();

    const authorize = async (frame: ClientFrame) => {
      const bearer = typeof frame.data?.token === 'string' ? /^Bearer\s+(\S{10,512})$/i.exec(frame.data.token)?.[1] : undefined;
      if (bearer === undefined) return socket.close(1008, 'Authentication failed');
      let caller: Caller;
      try {
        caller = await gw.callers.get(bearer);
      } catch {
        return socket.close(1008, 'Authentication failed');
      }
      if (closed) return;
      // The activities are messages: an integration needs spark:messages_read (and the core's stream, spark:kms).
      if (caller.scopes !== null && !caller.scopes.includes('spark:messages_read')) return socket.close(1008, 'Authentication failed');
      const lookup = people(caller);
      // This socket takes the device over: it resumes where the device's last socket left off.
      const claimed = gw.cursors.claim(deviceId, caller.me.id);
      session = claimed.session;
      const at = new StreamPosition(claimed.resumeAfter);
      position = at;
      const onEvent = (event: StoredEvent) => {
        at.arrived(event.id);
        queue = queue
          .then(async () => {
            const activity = await activityOf(event, origin, lookup, (action) => openInputs(caller, action));
            if (activity === undefined) at.skipped(event.id);
            else at.pushed(event.id, push({ eventType: 'conversation.activity', activity }));
          })
          .catch((error: unknown) => {
            // It will not become a frame: count it as delivered rather than stall the cursor behind it.
            at.skipped(event.id);
            gw.log.warn({ err: (error as Error).message }, 'mercury: an event could not be turned into an activity');
          })
          .then(save);
      };
      const onReset = () => {
        gw.log.warn({}, 'mercury: the native stream could not replay what the device missed (beyond retention)');
        if (stream?.lastEventId !== undefined) at.reset(stream.lastEventId);
        save();
      };
      // A session of the caller's own for this device: its event stream resumes where the device left off.
      listener = createSession({
        baseUrl: gw.core.url(),
        auth: { token: bearer },
        device: { id: `mercury-${deviceId}` },
        clientVersion: 'flint-gateway/0.1',
        ...(gw.core.fetch ? { fetch: gw.core.fetch } : {}),
        ...(gw.core.WebSocket ? { WebSocket: gw.core.WebSocket } : {}),
        ...(gw.core.kmsTransport !== undefined ? { kms: { transport: gw.core.kmsTransport } } : {}),
      });
      stream = listener.events;
      stream.on(onEvent);
      stream.onReset(onReset);
      try {
        await stream.start(claimed.resumeAfter !== undefined ? { lastEventId: claimed.resumeAfter } : {});
      } catch {
        return socket.close(1011, 'the event stream could not be opened');
      }
      if (closed) {
        listener.close();
        return;
      }
      at.opened(stream.lastEventId);
      save();
      authorized = true;
      clearTimeout(timer);
      push({ eventType: 'mercury.buffer_state', buffer_state: { conversation: 'UNKNOWN', locus: 'UNKNOWN' } });
    };

    socket.on('message', (raw: Buffer, isBinary: boolean) => {
      const text = isBinary ? '' : raw.toString('utf8');
      if (text.length === 0 || text.length > MAX_FRAME_CHARS) return socket.close(1009, 'frame too large or not text');
      let frame: ClientFrame;
      try {
        frame = JSON.parse(text) as ClientFrame;
      } catch {
        return socket.close(1003, 'not JSON');
      }
      if (frame.type === 'authorization' && !authorized) {
        void authorize(frame);
        return;
      }
      if (frame.type === 'ping') {
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify({ id: frame.id, type: 'pong' }));
        return;
      }
      if (frame.type === 'ack' && typeof frame.messageId === 'string' && position?.acked(frame.messageId) === true) {
        save();
        return;
      }
      // Anything else needs no answer.
    });
    socket.on('close', () => {
      closed = true;
      clearTimeout(timer);
      listener?.close();
    });
    socket.on('error', () => undefined);
  });
}
