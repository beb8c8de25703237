/**
 * The core's client of Janus's VideoRoom plugin over Janus's HTTP API (REST plus long-poll): one
 * Janus session for this instance, one plugin handle for managing rooms, one handle per publishing
 * participant and one per subscription. Synchronous plugin requests (create, destroy) answer at
 * once; asynchronous ones (join, publish, start) answer `ack` and their result arrives on the
 * long-poll with the same transaction id. Every request carries the API secret and room requests
 * the admin key `flint serve` generated, so nothing else on the machine drives this Janus.
 * Written by hand (about 200 lines) rather than with `janode`: janode speaks only Janus's WebSocket
 * transport, and the HTTP transport is the one media.md tried here.
 * @module
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from '../infra/logger.ts';
import { ApiError } from '../errors.ts';
import type { MeetingMedia } from './media.ts';

export interface JanusOptions {
  /** The HTTP API's base, e.g. http://127.0.0.1:8088/janus. */
  url: string;
  apiSecret: string;
  adminKey: string;
  log: Logger;
  /** How long an asynchronous request may wait for its event. */
  timeoutMs?: number;
}

interface JanusMessage {
  janus: string;
  transaction?: string;
  sender?: number;
  session_id?: number;
  data?: { id?: number };
  error?: { code: number; reason: string };
  plugindata?: { plugin: string; data: Record<string, unknown> };
  jsep?: { type: string; sdp: string };
  reason?: string;
}

interface Pending {
  resolve(message: JanusMessage): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

const PLUGIN = 'janus.plugin.videoroom';

function failure(message: JanusMessage): string | undefined {
  if (message.janus === 'error') return `${message.error?.code ?? ''} ${message.error?.reason ?? 'error'}`;
  const data = message.plugindata?.data;
  if (data !== undefined && typeof data['error_code'] === 'number') return `${data['error_code']} ${typeof data['error'] === 'string' ? data['error'] : 'error'}`;
  return undefined;
}

export class JanusVideoRoom implements MeetingMedia {
  private session = 0;
  private manager = 0;
  private readonly pending = new Map<string, Pending>();
  /** participantId → its publisher handle; handle → participantId (for hang-ups). */
  private readonly publishers = new Map<string, number>();
  private readonly publisherOf = new Map<number, string>();
  /** subscription handle → the participant it was made for. */
  private readonly subscriptions = new Map<number, string>();
  private readonly hangupListeners: ((participantId: string) => void)[] = [];
  private closed = false;
  private poll: AbortController | undefined;
  private keepalive: NodeJS.Timeout | undefined;

  private constructor(private readonly options: JanusOptions) {}

  /** Opens the session and starts the long-poll (Janus must be answering already). */
  static async connect(options: JanusOptions): Promise<JanusVideoRoom> {
    const janus = new JanusVideoRoom(options);
    const created = await janus.post('', { janus: 'create' });
    janus.session = created.data!.id!;
    janus.manager = await janus.attach();
    janus.loop();
    // Janus ends a session after 60 s without a request; the long-poll counts, this is the spare.
    janus.keepalive = setInterval(() => void janus.post(`/${janus.session}`, { janus: 'keepalive' }).catch(() => undefined), 25_000);
    janus.keepalive.unref();
    return janus;
  }

  private async post(path: string, body: Record<string, unknown>): Promise<JanusMessage> {
    const transaction = randomBytes(9).toString('base64url');
    const res = await fetch(this.options.url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...body, transaction, apisecret: this.options.apiSecret }),
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 15_000),
    });
    const message = (await res.json()) as JanusMessage;
    const problem = failure(message);
    if (problem !== undefined) throw new Error(`janus: ${problem}`);
    return { ...message, transaction };
  }

  private async attach(): Promise<number> {
    const attached = await this.post(`/${this.session}`, { janus: 'attach', plugin: PLUGIN });
    return attached.data!.id!;
  }

  private async detach(handle: number): Promise<void> {
    await this.post(`/${this.session}/${handle}`, { janus: 'detach' }).catch(() => undefined);
  }

  /** A synchronous plugin request: its answer is the HTTP answer. */
  private async request(handle: number, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const answer = await this.post(`/${this.session}/${handle}`, { janus: 'message', body });
    return answer.plugindata?.data ?? {};
  }

  /** An asynchronous plugin request: `ack` now, its event later on the long-poll. */
  private async message(handle: number, body: Record<string, unknown>, jsep?: { type: string; sdp: string }): Promise<JanusMessage> {
    const transaction = randomBytes(9).toString('base64url');
    const event = new Promise<JanusMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(transaction);
        reject(new Error(`janus: no answer to ${String(body['request'])}`));
      }, this.options.timeoutMs ?? 15_000);
      this.pending.set(transaction, { resolve, reject, timer });
    });
    try {
      const res = await fetch(`${this.options.url}/${this.session}/${handle}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ janus: 'message', body, ...(jsep ? { jsep } : {}), transaction, apisecret: this.options.apiSecret }),
      });
      const ack = (await res.json()) as JanusMessage;
      const problem = failure(ack);
      if (problem !== undefined) throw new Error(`janus: ${problem}`);
    } catch (error) {
      const waiting = this.pending.get(transaction);
      if (waiting) {
        clearTimeout(waiting.timer);
        this.pending.delete(transaction);
      }
      throw error;
    }
    const answer = await event;
    const problem = failure(answer);
    if (problem !== undefined) throw new Error(`janus: ${problem}`);
    return answer;
  }

  private loop(): void {
    void (async () => {
      while (!this.closed) {
        this.poll = new AbortController();
        try {
          const res = await fetch(`${this.options.url}/${this.session}?maxev=10&rid=${Date.now()}&apisecret=${encodeURIComponent(this.options.apiSecret)}`, { signal: this.poll.signal });
          const body = (await res.json()) as JanusMessage | JanusMessage[];
          for (const message of Array.isArray(body) ? body : [body]) this.dispatch(message);
        } catch (error) {
          if (this.closed) return;
          this.options.log.warn({ err: (error as Error).message }, 'janus long-poll failed; retrying');
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
    })();
  }

  private dispatch(message: JanusMessage): void {
    if (message.transaction !== undefined && message.janus !== 'ack') {
      const waiting = this.pending.get(message.transaction);
      if (waiting) {
        clearTimeout(waiting.timer);
        this.pending.delete(message.transaction);
        waiting.resolve(message);
        return;
      }
    }
    if (message.janus === 'hangup' && message.sender !== undefined) {
      const participantId = this.publisherOf.get(message.sender);
      if (participantId !== undefined) for (const listener of this.hangupListeners) listener(participantId);
    }
  }

  async ensureRoom(room: number): Promise<void> {
    const exists = await this.request(this.manager, { request: 'exists', room });
    if (exists['exists'] === true) return;
    // bitrate 0: no cap; the clients' own bandwidth estimation decides. is_private: not listed.
    await this.request(this.manager, { request: 'create', room, admin_key: this.options.adminKey, publishers: 100, bitrate: 0, is_private: true, audiocodec: 'opus', videocodec: 'vp8', permanent: false });
  }

  async destroyRoom(room: number): Promise<void> {
    await this.request(this.manager, { request: 'destroy', room }).catch((error: unknown) => this.options.log.warn({ err: (error as Error).message, room }, 'janus room not destroyed'));
  }

  async publish(room: number, feed: number, participantId: string, offer: string): Promise<string> {
    if (this.publishers.has(participantId)) throw ApiError.conflict('This participant publishes already.');
    const handle = await this.attach();
    this.publishers.set(participantId, handle);
    this.publisherOf.set(handle, participantId);
    try {
      await this.message(handle, { request: 'join', ptype: 'publisher', room, id: feed, display: participantId });
      // e2ee: the frames are encrypted end to end; Janus forwards them as they are.
      const answer = await this.message(handle, { request: 'publish', e2ee: true }, { type: 'offer', sdp: offer });
      if (answer.jsep?.type !== 'answer') throw new Error('janus: no SDP answer to the offer');
      return answer.jsep.sdp;
    } catch (error) {
      this.publishers.delete(participantId);
      this.publisherOf.delete(handle);
      await this.detach(handle);
      throw mediaError(error);
    }
  }

  async subscribe(room: number, feed: number, participantId: string): Promise<{ subscriptionId: string; offer: string }> {
    const handle = await this.attach();
    try {
      const attached = await this.message(handle, { request: 'join', ptype: 'subscriber', room, streams: [{ feed }] });
      if (attached.jsep?.type !== 'offer') throw new Error('janus: no SDP offer for the subscription');
      this.subscriptions.set(handle, participantId);
      return { subscriptionId: String(handle), offer: attached.jsep.sdp };
    } catch (error) {
      await this.detach(handle);
      throw mediaError(error);
    }
  }

  async answer(subscriptionId: string, participantId: string, answer: string): Promise<void> {
    const handle = Number(subscriptionId);
    if (!Number.isSafeInteger(handle) || this.subscriptions.get(handle) !== participantId) throw ApiError.notFound('subscription');
    try {
      await this.message(handle, { request: 'start' }, { type: 'answer', sdp: answer });
    } catch (error) {
      throw mediaError(error);
    }
  }

  async drop(participantId: string): Promise<void> {
    const handles: number[] = [];
    const publisher = this.publishers.get(participantId);
    if (publisher !== undefined) {
      handles.push(publisher);
      this.publishers.delete(participantId);
      this.publisherOf.delete(publisher);
    }
    for (const [handle, owner] of this.subscriptions) {
      if (owner === participantId) {
        handles.push(handle);
        this.subscriptions.delete(handle);
      }
    }
    await Promise.all(handles.map((h) => this.detach(h)));
  }

  onHangup(listener: (participantId: string) => void): void {
    this.hangupListeners.push(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.keepalive);
    this.poll?.abort();
    for (const waiting of this.pending.values()) {
      clearTimeout(waiting.timer);
      waiting.reject(new Error('janus: closed'));
    }
    this.pending.clear();
    await this.post(`/${this.session}`, { janus: 'destroy' }).catch(() => undefined);
  }
}

/** A media server's refusal of what a client sent (a malformed SDP…) is the client's 400, not our 500. */
function mediaError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return ApiError.badRequest(`The media server refused the request: ${message.replace(/^janus: /, '')}`);
}
