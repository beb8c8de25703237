/**
 * Cisco's own client library, node-kms, driven over HTTP against `/kms/messages`: the conformance
 * client of the KMS tests (reference kms-protocol.md §11). Test support only; nothing in the KMS
 * imports it.
 * @module
 */
import { randomBytes } from 'node:crypto';
import KMS, { type Context } from 'node-kms';

export interface NodeKmsOptions {
  baseUrl: string;
  userId: string;
  bearer: string;
  clientId?: string;
  /**
   * The device credential carried in `client.credential.device` beside the bearer (node-kms sends
   * its context's `clientInfo` as it is). Default: a fresh one (a new device).
   */
  device?: string;
  /** The password credential, to enroll a new device with it. */
  password?: string;
}

export type KmsBody = Record<string, unknown> & { status: number; requestId: string; reason?: string };

export class NodeKmsClient {
  readonly ctx: Context;
  private constructor(
    private readonly baseUrl: string,
    readonly kmsCluster: string,
    ctx: Context,
  ) {
    this.ctx = ctx;
  }

  /** Discovers the KMS (cluster and static key) and prepares a context; no handshake yet. */
  static async discover(options: NodeKmsOptions): Promise<NodeKmsClient> {
    const info = (await (await fetch(`${options.baseUrl}/kms/info`)).json()) as { kmsCluster: string; rsaPublicKey: string };
    const ctx = new KMS.Context();
    const credential = { userId: options.userId, bearer: options.bearer, device: options.device ?? randomBytes(32).toString('base64url'), ...(options.password !== undefined ? { password: options.password } : {}) };
    ctx.clientInfo = { clientId: options.clientId ?? `https://devices.example.test/${options.userId}`, credential };
    ctx.serverInfo = { key: JSON.parse(info.rsaPublicKey) as Record<string, unknown> };
    return new NodeKmsClient(options.baseUrl, info.kmsCluster, ctx);
  }

  static async connect(options: NodeKmsOptions): Promise<NodeKmsClient> {
    const client = await NodeKmsClient.discover(options);
    const answer = await client.handshake();
    if (answer.status !== 201) throw new Error(`handshake failed: ${answer.status} ${answer.reason ?? ''}`);
    return client;
  }

  /** The same context (same ephemeral key) talking to another KMS node or a restarted one. */
  at(baseUrl: string): NodeKmsClient {
    return new NodeKmsClient(baseUrl, this.kmsCluster, this.ctx);
  }

  async post(messages: string[]): Promise<string[]> {
    const res = await fetch(`${this.baseUrl}/kms/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kmsMessages: messages }) });
    if (res.status !== 200) throw new Error(`POST /kms/messages answered ${res.status}: ${await res.text()}`);
    return ((await res.json()) as { kmsMessages: string[] }).kmsMessages;
  }

  /** The ECDHE handshake as node-kms performs it; on success the context holds K_ephemeral. */
  async handshake(): Promise<KmsBody> {
    this.ctx.ephemeralKey = await this.ctx.createECDHKey();
    const jwk = (await this.ctx.ephemeralKey.asKey()).toJSON();
    const req = new KMS.Request({ uri: `${this.kmsCluster}/ecdhe`, method: 'create', jwk });
    await req.wrap(this.ctx, { serverKey: true });
    const [wire] = await this.post([req.wrapped]);
    const res = new KMS.Response(wire!);
    await res.unwrap(this.ctx);
    if (res.body.status === 201) this.ctx.ephemeralKey = await this.ctx.deriveEphemeralKey(res.body['key']);
    return res.body;
  }

  /** Wraps a request under the ephemeral key, sends it and unwraps the answer (JWE or JWS). */
  async request(body: Record<string, unknown>): Promise<KmsBody & { sentRequestId: string }> {
    const req = new KMS.Request(body);
    await req.wrap(this.ctx);
    const [wire] = await this.post([req.wrapped]);
    return { ...(await this.unwrap(wire!)), sentRequestId: req.requestId };
  }

  async wrap(body: Record<string, unknown>): Promise<string> {
    const req = new KMS.Request(body);
    return req.wrap(this.ctx);
  }

  async unwrap(wire: string): Promise<KmsBody> {
    const res = new KMS.Response(wire);
    await res.unwrap(this.ctx);
    return res.body;
  }
}
