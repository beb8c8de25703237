/**
 * One KMS message in, one out. Unwraps the envelope (RSA-OAEP for the handshake, `dir` under an
 * ephemeral key for everything else), authenticates the bearer inside it, runs the operation
 * (operations.ts, a table of the protocol's operations) and wraps the answer: signed with the
 * static key when there is no usable ephemeral key, otherwise encrypted under it. Never throws:
 * every failure becomes a protocol error response.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { compactKind, JoseError, protectedHeader } from '@flint/crypto';
import { decryptDir, encryptDir } from './envelopes.ts';
import type { Caller, KmsContext, RequestOrigin } from './context.ts';
import { kms as protocol } from '@flint/protocol';
import { KmsError } from './errors.ts';
import { audit } from './audit.ts';
import { createEphemeralKey } from './handshake.ts';
import { findEphemeralKey } from './ephemeral-keys.ts';
import { parseUri } from './uris.ts';
import { checkRequest, operate, type Trace } from './operations.ts';
import { authenticateDevice } from './credentials.ts';

export const MAX_MESSAGE_CHARS = protocol.KMS_MAX_MESSAGE_CHARS;

type Body = Record<string, unknown>;

function parseBody(plaintext: Uint8Array): Body {
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plaintext));
  } catch {
    throw KmsError.badRequest('the message body is not JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw KmsError.badRequest('the message body must be a JSON object');
  return body as Body;
}

function requestIdOf(body: Body): string {
  const id = body['requestId'];
  return typeof id === 'string' && id.length > 0 && id.length <= 256 ? id : randomUUID();
}

/**
 * The requester, from the bearer inside the message (the core's word: who, and that the session
 * lives) and a device credential of the same person (the KMS's own check, which the core cannot
 * forge: credentials.ts); the advisory `userId` beside them is ignored.
 */
async function authenticate(kms: KmsContext, body: Body, requestId: string, trace: Trace, channelOwner?: string): Promise<Caller> {
  const client = body['client'] as { clientId?: unknown; credential?: { bearer?: unknown } } | undefined;
  const clientId = typeof client?.clientId === 'string' ? client.clientId.slice(0, 512) : '';
  const bearer = client?.credential?.bearer;
  if (typeof bearer !== 'string' || bearer === '' || bearer.length > 4096) throw KmsError.unauthenticated();
  const principal = await kms.verifyBearer(bearer);
  if (principal === undefined) throw KmsError.unauthenticated();
  const caller: Caller = { userId: principal.userId, orgId: principal.orgId, email: principal.email, clientId, requestId, origin: trace.caller?.origin };
  trace.caller = caller;
  // An ephemeral key is one user's channel; another user's token must not ride on it.
  if (channelOwner !== undefined && caller.userId !== channelOwner) throw KmsError.unauthenticated('The bearer does not belong to the owner of this ephemeral key.');
  // The handshake is where a KMS session begins: the org's identity provider's proof, where the
  // KMS requires one, is checked there (the ephemeral key it yields then carries that session).
  caller.credentialId = (await authenticateDevice(kms, caller, client?.credential, { handshake: channelOwner === undefined })).id;
  return caller;
}

async function signed(kms: KmsContext, payload: Body): Promise<string> {
  return kms.staticKeyOps.signJws(JSON.stringify(payload));
}

function errorPayload(error: unknown, requestId: string, kms: KmsContext, trace: Trace): Body {
  if (error instanceof KmsError) return { status: error.status, reason: error.reason, requestId };
  // Logged without the message or any key material: the cause's class and message only.
  kms.log.error({ err: error instanceof Error ? { name: error.name, message: error.message } : String(error), requestId, action: trace.action }, 'KMS request failed');
  return { status: 500, reason: 'Internal KMS error.', requestId };
}

async function record(kms: KmsContext, trace: Trace, status: number, reason?: string): Promise<void> {
  try {
    await audit(kms, trace.caller, [{ action: trace.action, target: trace.target, status, detail: reason }]);
  } catch (error) {
    kms.log.error({ err: error instanceof Error ? error.message : String(error) }, 'KMS audit write failed');
  }
}

export async function handleMessage(kms: KmsContext, wire: unknown, origin?: RequestOrigin): Promise<string> {
  const trace: Trace = { action: 'request.rejected', caller: { origin } };
  let requestId: string = randomUUID();
  try {
    if (typeof wire !== 'string' || wire.length > MAX_MESSAGE_CHARS || compactKind(wire) !== 'jwe') throw KmsError.badRequest('a KMS message is a JWE compact string');
    const alg = protectedHeader(wire)['alg'];
    if (alg === 'RSA-OAEP') return await handshake(kms, wire, trace);
    if (alg === 'dir') return await ephemeralMessage(kms, wire, trace);
    throw KmsError.badRequest('unsupported JWE algorithm');
  } catch (error) {
    const payload = errorPayload(error instanceof JoseError ? KmsError.badRequest('malformed KMS message') : error, requestId, kms, trace);
    await record(kms, trace, payload['status'] as number, payload['reason'] as string);
    kms.log.warn({ status: payload['status'], action: trace.action, requestId }, 'KMS request refused');
    requestId = payload['requestId'] as string;
    return signed(kms, payload);
  }
}

async function handshake(kms: KmsContext, wire: string, trace: Trace): Promise<string> {
  trace.action = 'ecdhe.create';
  const body = parseBody(kms.staticKeyOps.decryptRsaOaep(wire).plaintext);
  const requestId = requestIdOf(body);
  // From here on, failures carry the client's requestId, so node-kms and the SDK can match them.
  try {
    trace.caller = { requestId, origin: trace.caller?.origin };
    const caller = await authenticate(kms, body, requestId, trace);
    const { segments } = parseUri(kms, body['uri']);
    if (body['method'] !== 'create' || segments.length !== 1 || segments[0] !== 'ecdhe') throw KmsError.badRequest('the RSA-OAEP envelope carries only the ECDHE handshake');
    checkRequest(protocol.KMS_HANDSHAKE, body);
    const key = await createEphemeralKey(kms, caller, body['jwk']);
    trace.target = key.uri;
    // Like every key access, the new channel is answered only once its record is committed.
    await audit(kms, caller, [{ action: 'ecdhe.create', target: key.uri, status: 201 }]);
    return await signed(kms, { status: 201, requestId, key });
  } catch (error) {
    const payload = errorPayload(error instanceof JoseError ? KmsError.badRequest('bad handshake') : error, requestId, kms, trace);
    await record(kms, trace, payload['status'] as number, payload['reason'] as string);
    kms.log.warn({ status: payload['status'], action: trace.action, requestId }, 'KMS handshake refused');
    return signed(kms, payload);
  }
}

async function ephemeralMessage(kms: KmsContext, wire: string, trace: Trace): Promise<string> {
  const kid = protectedHeader(wire)['kid'];
  const ephemeral = typeof kid === 'string' ? await findEphemeralKey(kms, kid) : undefined;
  if (ephemeral === undefined) throw KmsError.reset();
  let requestId: string = randomUUID();
  try {
    let body: Body;
    try {
      body = parseBody(decryptDir(ephemeral.key, wire).plaintext);
    } catch (error) {
      if (error instanceof JoseError) throw KmsError.badRequest('the message does not decrypt under its ephemeral key');
      throw error;
    }
    requestId = requestIdOf(body);
    trace.caller = { requestId, clientId: ephemeral.clientId, origin: trace.caller?.origin };
    const caller = await authenticate(kms, body, requestId, trace, ephemeral.userId);
    const outcome = await operate(kms, caller, body, ephemeral, trace);
    await audit(kms, caller, outcome.records);
    return encryptDir(ephemeral.key, JSON.stringify({ status: outcome.status, requestId, ...outcome.payload }), ephemeral.uri);
  } catch (error) {
    const payload = errorPayload(error, requestId, kms, trace);
    await record(kms, trace, payload['status'] as number, payload['reason'] as string);
    kms.log.warn({ status: payload['status'], action: trace.action, requestId }, 'KMS request refused');
    return encryptDir(ephemeral.key, JSON.stringify(payload), ephemeral.uri);
  }
}
