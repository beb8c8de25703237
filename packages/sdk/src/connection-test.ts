/**
 * The connection test (SPEC AD-3): measures what a person's network gives them towards the server —
 * HTTPS reachability and round-trip time, a WebSocket (the event stream's transport) echo, and
 * download and upload speed with bounded sizes. Media reachability (TURN/UDP) is not measured:
 * Flint has no media path yet.
 * @module
 */
import { serviceHealth } from '@flint/protocol';
import type { FlintClient } from './client.ts';
import type { WebSocketConstructor, WebSocketLike } from './event-stream.ts';
import { FlintError } from './errors.ts';

export type ConnectionTestStep = 'https' | 'websocket' | 'download' | 'upload';

export interface ConnectionStepResult {
  step: ConnectionTestStep;
  ok: boolean;
  /** Round-trip time (median of the samples) for `https` and `websocket`, in ms. */
  rttMs?: number;
  /** For transfers: bytes moved and throughput in megabits per second. */
  bytes?: number;
  mbps?: number;
  /** Why it failed (a short English reason; the app shows its own words for the step). */
  error?: string;
}

export interface ConnectionTestResult {
  steps: ConnectionStepResult[];
  /** Not measured yet: Flint has no media path. */
  media: 'not_built';
}

export interface ConnectionTestOptions {
  /** Round trips per timing step (at most 10). */
  samples?: number;
  /** Bytes of each transfer (at most CONNECTION_TEST_LIMITS.maxBytes). */
  transferBytes?: number;
  /** For runtimes without a global WebSocket (Node 20: the `ws` package). */
  WebSocket?: WebSocketConstructor;
  /** Whether the client rides on the browser's session cookie (the socket then sends no token). */
  cookie?: boolean;
  /** Called as each step finishes, for progress. */
  onStep?: (result: ConnectionStepResult) => void;
  timeoutMs?: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.floor(s.length / 2)]! * 10) / 10;
};
const mbps = (bytes: number, ms: number) => Math.round(((bytes * 8) / Math.max(ms, 0.1) / 1000) * 10) / 10;
const reason = (error: unknown) => (error instanceof FlintError ? `${error.kind}${error.status !== undefined ? ` ${error.status}` : ''}` : error instanceof Error ? error.message : String(error));

function socketRtt(client: FlintClient, options: ConnectionTestOptions, samples: number): Promise<number> {
  const Ctor = options.WebSocket ?? (globalThis as unknown as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (Ctor === undefined) return Promise.reject(new Error('no WebSocket implementation'));
  const url = client.transport.baseUrl.replace(/^http/, 'ws') + serviceHealth.CONNECTION_TEST_SOCKET_PATH;
  return new Promise((resolve, reject) => {
    const socket: WebSocketLike = new Ctor(url);
    const times: number[] = [];
    let sentAt = 0;
    let settled = false;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.close(1000);
      if (error !== undefined) reject(error);
      else resolve(median(times));
    };
    const timer = setTimeout(() => finish(new Error('timed out')), options.timeoutMs ?? 15_000);
    const ping = () => {
      sentAt = performance.now();
      socket.send(`ping ${times.length}`);
    };
    socket.onopen = () => {
      const token = options.cookie === true ? undefined : client.transport.accessToken;
      socket.send(JSON.stringify({ type: 'hello', ...(token !== undefined ? { token } : {}) }));
    };
    socket.onmessage = (ev) => {
      const data = String(ev.data);
      if (data.startsWith('{')) {
        ping();
        return;
      }
      times.push(performance.now() - sentAt);
      if (times.length >= samples) finish();
      else ping();
    };
    socket.onerror = () => undefined;
    socket.onclose = (ev) => finish(new Error(`closed (${ev.code}${ev.reason !== '' ? ` ${ev.reason}` : ''})`));
  });
}

/** Runs the steps one after the other; a failed step is reported and the next still runs. */
export async function runConnectionTest(client: FlintClient, options: ConnectionTestOptions = {}): Promise<ConnectionTestResult> {
  const samples = Math.min(Math.max(options.samples ?? 5, 1), 10);
  const bytes = Math.min(Math.max(options.transferBytes ?? 1024 * 1024, 1), serviceHealth.CONNECTION_TEST_LIMITS.maxBytes);
  const steps: ConnectionStepResult[] = [];
  const record = (r: ConnectionStepResult) => {
    steps.push(r);
    options.onStep?.(r);
  };

  try {
    const times: number[] = [];
    for (let i = 0; i < samples; i++) {
      const t = performance.now();
      await client.transport.call(serviceHealth.connectionPing, {});
      times.push(performance.now() - t);
    }
    record({ step: 'https', ok: true, rttMs: median(times) });
  } catch (error) {
    record({ step: 'https', ok: false, error: reason(error) });
  }

  try {
    record({ step: 'websocket', ok: true, rttMs: await socketRtt(client, options, samples) });
  } catch (error) {
    record({ step: 'websocket', ok: false, error: reason(error) });
  }

  try {
    const t = performance.now();
    const response = await client.transport.send(serviceHealth.connectionDownload, { query: { bytes } });
    const got = (await response.arrayBuffer()).byteLength;
    if (got !== bytes) throw new Error(`received ${got} of ${bytes} bytes`);
    record({ step: 'download', ok: true, bytes: got, mbps: mbps(got, performance.now() - t) });
  } catch (error) {
    record({ step: 'download', ok: false, error: reason(error) });
  }

  try {
    const data = new Uint8Array(bytes);
    // Incompressible, like the download (getRandomValues fills at most 64 KiB per call).
    for (let i = 0; i < bytes; i += 65_536) crypto.getRandomValues(data.subarray(i, Math.min(i + 65_536, bytes)));
    const t = performance.now();
    const answer = await client.transport.call(serviceHealth.connectionUpload, {}, { data, contentType: 'application/octet-stream' });
    if (answer.bytes !== bytes) throw new Error(`the server received ${answer.bytes} of ${bytes} bytes`);
    record({ step: 'upload', ok: true, bytes, mbps: mbps(bytes, performance.now() - t) });
  } catch (error) {
    record({ step: 'upload', ok: false, error: reason(error) });
  }

  return { steps, media: 'not_built' };
}
