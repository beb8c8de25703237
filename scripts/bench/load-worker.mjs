/* global Buffer, fetch, setTimeout, clearTimeout, setInterval -- Node globals (this worker runs on Node only) */
/**
 * One thread of the capacity part's load generator (scripts/bench/capacity.ts): it holds a share of
 * the members — Flint: a bare event-stream WebSocket each and the member's bearer token for
 * `POST /api/messages`; ejabberd: an XMPP connection each, joined to the room — sends the messages
 * the main thread schedules for its members, and receives. Per delivery it checks the message id
 * (reported with its arrival time, so the main thread matches it to a scheduled send) and the order
 * (Flint: event ids only grow on each socket; XMPP: no message twice), and it decrypts one delivery
 * in `sample` with node:crypto under the room key imported once (`createSecretKey`). It reports its
 * own event-loop utilisation and lag so a step where the generator, not the server, saturated is
 * refused. Plain JavaScript so worker start-up needs no TypeScript loader.
 */
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes } from 'node:crypto';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import WebSocket from 'ws';

const init = workerData;
const key = createSecretKey(Buffer.from(init.key));
const HEADER = Buffer.from(JSON.stringify({ alg: 'dir', enc: 'A256GCM' })).toString('base64url');
const now = () => performance.timeOrigin + performance.now();

/** JWE compact `dir`/`A256GCM`, as the SDK's sealText writes it. */
function seal(plaintext) {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(HEADER, 'ascii'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return `${HEADER}..${iv.toString('base64url')}.${body.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}`;
}

function open(compact) {
  const [header, , iv, body, tag] = compact.split('.');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(header, 'ascii'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
}

let lag = monitorEventLoopDelay({ resolution: 10 });
lag.enable();
let elu = performance.eventLoopUtilization();
const counters = () => ({ received: 0, orderErrors: 0, duplicates: 0, decrypted: 0, decryptErrors: 0, seqMismatches: 0, firstError: undefined });
let c = counters();
let ids = [];
let times = [];
let deliveryCount = 0;
const flush = () => {
  if (ids.length === 0) return;
  parentPort.postMessage({ t: 'arr', ids, times });
  ids = [];
  times = [];
};
setInterval(flush, 100).unref();

function delivered(id, ciphertext, at) {
  ids.push(id);
  times.push(at);
  c.received++;
  if (deliveryCount++ % init.sample !== 0) return;
  try {
    const plain = JSON.parse(open(ciphertext));
    c.decrypted++;
    // The id names the message the sender scheduled: the main thread checks seq ↔ id.
    parentPort.postMessage({ t: 'seq', id, seq: plain.seq });
  } catch (error) {
    c.decryptErrors++;
    c.firstError ??= `decrypt: ${String(error)}`;
  }
}

const members = [];

async function startFlint() {
  await Promise.all(
    init.members.map(async (m, k) => {
      // Spread the connections over the instances given (two instances: alternate).
      const base = init.urls[(m.index ?? k) % init.urls.length];
      const socket = new WebSocket(`${base.replace('http', 'ws')}/api/events`);
      await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no ready frame')), 60_000);
        socket.once('error', reject);
        socket.once('open', () => socket.send(JSON.stringify({ type: 'hello', token: m.token })));
        socket.once('message', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      let last = 0;
      const seen = new Set();
      socket.on('message', (data) => {
        const at = now();
        const frame = JSON.parse(data.toString('utf8'));
        if (frame.type !== 'event') return;
        const event = frame.event;
        if (event.id <= last) c.orderErrors++;
        last = Math.max(last, event.id);
        if (event.type !== 'message.created' || event.actorId === m.personId) return;
        const id = event.data.id;
        if (seen.has(id)) c.duplicates++;
        seen.add(id);
        if (seen.size > 20_000) seen.clear();
        delivered(id, event.data.text, at);
      });
      socket.on('error', (error) => (c.firstError ??= `socket: ${String(error)}`));
      members[k] = {
        send: async (seq, plaintext) => {
          const res = await fetch(`${base}/api/messages`, {
            method: 'POST',
            headers: { authorization: `Bearer ${m.token}`, 'content-type': 'application/json', accept: 'application/json' },
            body: JSON.stringify({ roomId: init.roomId, text: seal(plaintext), encryptionKeyUrl: init.keyUri }),
          });
          const body = await res.json();
          if (res.status !== 200) throw new Error(`POST /api/messages ${res.status}: ${JSON.stringify(body).slice(0, 200)}`);
          return body.id;
        },
        stop: () => socket.terminate(),
      };
    }),
  );
}

async function startXmpp() {
  const { client, xml } = await import('@xmpp/client');
  const echo = new Map();
  // A few connections at a time per worker (ejabberd under load times out a burst of SASL handshakes).
  let next = 0;
  const connectOne = async (m, k) => {
      const x = client({ service: `xmpp://127.0.0.1:${init.c2sPort}`, domain: init.domain, username: m.nick, password: init.password, resource: 'bench' });
      x.reconnect.stop();
      x.timeout = 20_000;
      x.on('error', (error) => (c.firstError ??= `xmpp ${m.nick}: ${String(error)}`));
      const seen = new Set();
      let joined;
      const joinedP = new Promise((resolve, reject) => (joined = { resolve, reject }));
      x.on('stanza', (stanza) => {
        const at = now();
        const from = stanza.attrs.from ?? '';
        const slash = from.indexOf('/');
        const fromNick = slash < 0 ? '' : from.slice(slash + 1);
        if (stanza.is('presence')) {
          if (fromNick !== m.nick) return;
          if (stanza.attrs.type === 'error') joined.reject(new Error(`join refused for ${m.nick}`));
          else joined.resolve();
          return;
        }
        if (!stanza.is('message') || stanza.attrs.type !== 'groupchat') return;
        const body = stanza.getChildText('body');
        if (body === null) return;
        const id = stanza.attrs.id ?? '';
        if (fromNick === m.nick) {
          echo.get(id)?.();
          echo.delete(id);
          return;
        }
        if (seen.has(id)) c.duplicates++;
        seen.add(id);
        if (seen.size > 20_000) seen.clear();
        delivered(id, body, at);
      });
      await x.start();
      await x.send(xml('presence', { to: `${init.room}/${m.nick}` }, xml('x', { xmlns: 'http://jabber.org/protocol/muc' }, xml('history', { maxstanzas: '0' }))));
      await joinedP;
      members[k] = {
        send: async (seq, plaintext) => {
          const id = `m${seq}`;
          const echoed = new Promise((resolve, reject) => {
            const timer = setTimeout(() => {
              echo.delete(id);
              reject(new Error(`no echo of ${id} within 30 s`));
            }, 30_000);
            echo.set(id, () => {
              clearTimeout(timer);
              resolve();
            });
          });
          await x.send(xml('message', { to: init.room, type: 'groupchat', id }, xml('body', {}, seal(plaintext))));
          await echoed;
          return id;
        },
        stop: () => x.stop().catch(() => undefined),
      };
  };
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (;;) {
        const k = next++;
        if (k >= init.members.length) return;
        for (let attempt = 1; ; attempt++) {
          try {
            await connectOne(init.members[k], k);
            break;
          } catch (error) {
            if (attempt >= 3) throw error;
          }
        }
      }
    }),
  );
}

parentPort.on('message', (msg) => {
  if (msg.t === 'send') {
    const member = members[msg.member];
    member.send(msg.seq, msg.plaintext).then(
      (id) => parentPort.postMessage({ t: 'sent', seq: msg.seq, id, at: now() }),
      (error) => parentPort.postMessage({ t: 'sendError', seq: msg.seq, error: String(error) }),
    );
  } else if (msg.t === 'reset') {
    flush();
    c = counters();
    lag.disable();
    lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    elu = performance.eventLoopUtilization();
    parentPort.postMessage({ t: 'reset' });
  } else if (msg.t === 'stats') {
    flush();
    const used = performance.eventLoopUtilization(elu);
    parentPort.postMessage({ t: 'stats', ...c, elu: used.utilization, lagP99Ms: lag.count > 0 ? lag.percentile(99) / 1e6 : 0 });
  } else if (msg.t === 'stop') {
    flush();
    Promise.allSettled(members.map((m) => m.stop())).then(() => process.exit(0));
  }
});

(init.kind === 'flint' ? startFlint() : startXmpp()).then(
  () => parentPort.postMessage({ t: 'ready' }),
  (error) => parentPort.postMessage({ t: 'failed', error: String(error) }),
);
