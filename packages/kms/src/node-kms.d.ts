/**
 * Types for Cisco's `node-kms` 0.4.1 (a dev dependency: the conformance client of our tests),
 * covering only the surface the tests use.
 */
declare module 'node-kms' {
  export interface KeyObjectLike {
    uri: string;
    jwk: Record<string, unknown>;
    userId?: string;
    clientId?: string;
    createDate?: Date;
    expirationDate?: Date;
    asKey(): Promise<{ toJSON(privateParts?: boolean): Record<string, unknown> }>;
  }
  export class Context {
    clientInfo: { clientId: string; credential: { userId?: string; bearer: string; device?: string; password?: string } };
    serverInfo: { key: Record<string, unknown> };
    ephemeralKey: KeyObjectLike | null;
    createECDHKey(): Promise<KeyObjectLike>;
    deriveEphemeralKey(remote: unknown): Promise<KeyObjectLike>;
  }
  export class Request {
    constructor(body: Record<string, unknown>);
    body: Record<string, unknown>;
    requestId: string;
    wrapped: string;
    wrap(ctx: Context, opts?: { serverKey?: boolean }): Promise<string>;
  }
  export class Response {
    constructor(wrapped: string);
    body: Record<string, unknown> & { status: number; requestId: string; reason?: string };
    status: number;
    unwrap(ctx: Context): Promise<Record<string, unknown>>;
  }
  const KMS: { Context: typeof Context; Request: typeof Request; Response: typeof Response };
  export default KMS;
}

declare module 'node-jose' {
  const jose: {
    JWK: { asKey(jwk: Record<string, unknown>): Promise<unknown> };
    JWE: {
      createEncrypt(opts: Record<string, unknown>, key: unknown): { final(data: string, enc: string): Promise<string> };
      createDecrypt(key: unknown): { decrypt(input: string): Promise<{ plaintext: Buffer; header: Record<string, unknown> }> };
    };
  };
  export default jose;
}
