/**
 * One KMS message in, one out. Unwraps the envelope (RSA-OAEP for the handshake, `dir` under an
 * ephemeral key for everything else), authenticates the bearer inside it, runs the operation and
 * wraps the answer: signed with the static key when there is no usable ephemeral key, otherwise
 * encrypted under it. Never throws: every failure becomes a protocol error response.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { compactKind, decryptDir, decryptRsaOaep, encryptDir, JoseError, protectedHeader, signJws } from '@flint/crypto';
import type { Caller, KmsContext, RequestOrigin } from './context.ts';
import { KmsError } from './errors.ts';
import { audit, type AuditAction, type AuditRecord } from './audit.ts';
import { createEphemeralKey } from './handshake.ts';
import { deleteEphemeralKey, findEphemeralKey, type EphemeralKey } from './ephemeral-keys.ts';
import { parseUri, objectUri } from './uris.ts';
import { bindKey, createKeys, retrieveKey } from './keys.ts';
import { createResource, retrieveResource, retrieveResourceKeys } from './resources.ts';
import { addAuthorizations, listAuthorizations, removeAuthorization } from './authorizations.ts';
import { approveDevice, authenticateDevice, listCredentials, removeCredential, setPasswordCredential } from './credentials.ts';
import { bindResource } from './bindings.ts';

export const MAX_MESSAGE_CHARS = 256 * 1024;

type Body = Record<string, unknown>;

interface Outcome {
  status: number;
  payload: Body;
  records: AuditRecord[];
}

/** What the request was about, filled in as soon as it is known, so failures are audited precisely. */
interface Trace {
  action: AuditAction;
  target?: string | undefined;
  caller?: Partial<Caller> | undefined;
}

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
  const caller: Caller = { userId: principal.userId, orgId: principal.orgId, clientId, requestId, origin: trace.caller?.origin };
  trace.caller = caller;
  // An ephemeral key is one user's channel; another user's token must not ride on it.
  if (channelOwner !== undefined && caller.userId !== channelOwner) throw KmsError.unauthenticated('The bearer does not belong to the owner of this ephemeral key.');
  caller.credentialId = (await authenticateDevice(kms, caller, client?.credential)).id;
  return caller;
}

async function signed(kms: KmsContext, payload: Body): Promise<string> {
  return signJws(kms.staticKey.privateJwk, JSON.stringify(payload), kms.staticKey.kid);
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
  const body = parseBody((await decryptRsaOaep(kms.staticKey.privateJwk, wire)).plaintext);
  const requestId = requestIdOf(body);
  // From here on, failures carry the client's requestId, so node-kms and the SDK can match them.
  try {
    trace.caller = { requestId, origin: trace.caller?.origin };
    const caller = await authenticate(kms, body, requestId, trace);
    const { segments } = parseUri(kms, body['uri']);
    if (body['method'] !== 'create' || segments.length !== 1 || segments[0] !== 'ecdhe') throw KmsError.badRequest('the RSA-OAEP envelope carries only the ECDHE handshake');
    const key = await createEphemeralKey(kms, caller, body['jwk']);
    trace.target = key.uri;
    await record(kms, trace, 201);
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
      body = parseBody((await decryptDir(ephemeral.key, wire)).plaintext);
    } catch (error) {
      if (error instanceof JoseError) throw KmsError.badRequest('the message does not decrypt under its ephemeral key');
      throw error;
    }
    requestId = requestIdOf(body);
    trace.caller = { requestId, clientId: ephemeral.clientId, origin: trace.caller?.origin };
    const caller = await authenticate(kms, body, requestId, trace, ephemeral.userId);
    const outcome = await operate(kms, caller, body, ephemeral, trace);
    await audit(kms, caller, outcome.records);
    return await encryptDir(ephemeral.key, JSON.stringify({ status: outcome.status, requestId, ...outcome.payload }), ephemeral.uri);
  } catch (error) {
    const payload = errorPayload(error, requestId, kms, trace);
    await record(kms, trace, payload['status'] as number, payload['reason'] as string);
    kms.log.warn({ status: payload['status'], action: trace.action, requestId }, 'KMS request refused');
    return encryptDir(ephemeral.key, JSON.stringify(payload), ephemeral.uri);
  }
}

/** The operations of the protocol (reference §7), by method and URI shape. */
async function operate(kms: KmsContext, caller: Caller, body: Body, ephemeral: EphemeralKey, trace: Trace): Promise<Outcome> {
  const method = body['method'];
  const { segments, query } = parseUri(kms, body['uri']);
  const [collection, id, sub] = segments;
  const n = segments.length;

  if (method === 'update' && n === 1 && collection === 'ping') return { status: 200, payload: {}, records: [] };

  if (collection === 'ecdhe' && n === 2 && method === 'delete') {
    trace.action = 'ecdhe.delete';
    const uri = objectUri(kms, 'ecdhe', id!);
    trace.target = uri;
    if (uri !== ephemeral.uri) throw KmsError.forbidden('Only the channel itself can be closed.');
    await deleteEphemeralKey(kms, uri);
    return { status: 204, payload: {}, records: [{ action: 'ecdhe.delete', target: uri, status: 204 }] };
  }

  if (collection === 'keys') {
    if (n === 1 && method === 'create') {
      trace.action = 'key.create';
      const keys = await createKeys(kms, caller, body['count']);
      return { status: 201, payload: { keys }, records: keys.map((k) => ({ action: 'key.create', target: k.uri, status: 201 })) };
    }
    if (n === 2) {
      const uri = objectUri(kms, 'keys', id!);
      trace.target = uri;
      if (method === 'retrieve') {
        trace.action = 'key.retrieve';
        const key = await retrieveKey(kms, caller, uri);
        return { status: 200, payload: { key }, records: [{ action: 'key.retrieve', target: uri, status: 200 }] };
      }
      if (method === 'update') {
        trace.action = 'key.bind';
        const resourceUri = canonicalResource(kms, body['resourceUri']);
        const key = await bindKey(kms, caller, uri, resourceUri);
        return { status: 200, payload: { key }, records: [{ action: 'key.bind', target: uri, status: 200, detail: resourceUri }] };
      }
    }
  }

  if (collection === 'resources') {
    if (n === 1 && method === 'create') {
      trace.action = 'resource.create';
      const { resource, authorizations, keyUris } = await createResource(kms, caller, body);
      trace.target = resource.uri;
      return {
        status: 201,
        payload: { resource },
        records: [
          { action: 'resource.create', target: resource.uri, status: 201 },
          ...authorizations.map((a): AuditRecord => ({ action: 'authorization.create', target: a.resourceUri, status: 201, detail: a.authId })),
          ...keyUris.map((k): AuditRecord => ({ action: 'key.bind', target: k, status: 201, detail: resource.uri })),
        ],
      };
    }
    const resourceUri = id === undefined ? undefined : objectUri(kms, 'resources', id);
    trace.target = resourceUri;
    if (resourceUri !== undefined && n === 2 && method === 'update') {
      trace.action = 'resource.bind';
      const boundTo = await bindResource(kms, caller, resourceUri, body['boundTo']);
      return { status: 200, payload: { resource: { uri: resourceUri, boundTo } }, records: [{ action: 'resource.bind', target: resourceUri, status: 200, detail: JSON.stringify(boundTo) }] };
    }
    if (resourceUri !== undefined && n === 2 && method === 'retrieve') {
      trace.action = 'resource.retrieve';
      const resource = await retrieveResource(kms, caller, resourceUri);
      return { status: 200, payload: { resource }, records: [{ action: 'resource.retrieve', target: resourceUri, status: 200 }] };
    }
    if (resourceUri !== undefined && n === 3 && sub === 'keys' && method === 'retrieve') {
      trace.action = 'key.retrieve';
      const keys = await retrieveResourceKeys(kms, caller, resourceUri, { boundAfter: query.get('boundAfter') ?? str(body['boundAfter']), boundBefore: query.get('boundBefore') ?? str(body['boundBefore']), count: query.get('count') ?? body['count'] });
      return { status: 200, payload: { keys }, records: keys.map((k) => ({ action: 'key.retrieve', target: k.uri, status: 200, detail: resourceUri })) };
    }
    if (resourceUri !== undefined && n === 3 && sub === 'authorizations') {
      if (method === 'retrieve') {
        trace.action = 'authorization.list';
        const authorizations = await listAuthorizations(kms, caller, resourceUri, query.get('authId'));
        return { status: 200, payload: { authorizations }, records: [{ action: 'authorization.list', target: resourceUri, status: 200 }] };
      }
      if (method === 'delete') {
        trace.action = 'authorization.delete';
        const authId = query.get('authId') ?? str(body['authId']);
        if (authId === null) throw KmsError.badRequest('authId is required');
        const authorization = await removeAuthorization(kms, caller, { resourceUri, authId });
        return deleted(authorization);
      }
    }
  }

  if (collection === 'authorizations') {
    if (n === 1 && method === 'create') {
      trace.action = 'authorization.create';
      trace.target = typeof body['resourceUri'] === 'string' ? body['resourceUri'] : undefined;
      const { resourceUri, all, created } = await addAuthorizations(kms, caller, body);
      return { status: 201, payload: { authorizations: all }, records: created.map((a) => ({ action: 'authorization.create', target: resourceUri, status: 201, detail: a.authId })) };
    }
    if (n === 2 && method === 'delete') {
      trace.action = 'authorization.delete';
      const uri = objectUri(kms, 'authorizations', id!);
      trace.target = uri;
      return deleted(await removeAuthorization(kms, caller, { uri }));
    }
  }

  if (collection === 'devices' || collection === 'password') return credentialOperation(kms, caller, body, segments, trace);

  throw KmsError.badRequest(`unsupported operation: ${typeof method === 'string' ? method.slice(0, 16) : '?'} ${segments.slice(0, 1).join('/')}`);
}

/** Flint's extension: one's device credentials (credentials.ts). */
async function credentialOperation(kms: KmsContext, caller: Caller, body: Body, segments: string[], trace: Trace): Promise<Outcome> {
  const [collection, id] = segments;
  const method = body['method'];
  if (collection === 'devices' && segments.length === 1 && method === 'create') {
    trace.action = 'device.approve';
    const device = await approveDevice(kms, caller, body);
    return { status: 201, payload: { device }, records: [{ action: 'device.approve', target: device.id, status: 201 }] };
  }
  if (collection === 'devices' && segments.length === 1 && method === 'retrieve') {
    trace.action = 'device.list';
    return { status: 200, payload: { devices: await listCredentials(kms, caller) }, records: [] };
  }
  if (collection === 'devices' && segments.length === 2 && method === 'delete') {
    trace.action = 'device.delete';
    trace.target = id;
    const device = await removeCredential(kms, caller, id!);
    return { status: 200, payload: { device }, records: [{ action: 'device.delete', target: device.id, status: 200 }] };
  }
  if (collection === 'password' && segments.length === 1 && method === 'update') {
    trace.action = 'password.update';
    await setPasswordCredential(kms, caller, body);
    return { status: 200, payload: {}, records: [{ action: 'password.update', target: caller.userId, status: 200 }] };
  }
  throw KmsError.badRequest('unsupported device operation');
}

function deleted(authorization: { uri: string; authId: string; resourceUri: string }): Outcome {
  // The draft names the member `authorization`; the Webex SDK reads an array `authorizations`.
  return {
    status: 200,
    payload: { authorization, authorizations: [authorization] },
    records: [{ action: 'authorization.delete', target: authorization.resourceUri, status: 200, detail: authorization.authId }],
  };
}

function str(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function canonicalResource(kms: KmsContext, raw: unknown): string {
  const { segments } = parseUri(kms, raw);
  if (segments.length !== 2 || segments[0] !== 'resources') throw KmsError.badRequest('resourceUri must name a resource');
  return objectUri(kms, 'resources', segments[1]!);
}
