/**
 * The operations of the KMS protocol (reference §7), as a table: each operation of
 * `@flint/protocol`'s `KMS_OPERATIONS` (method + URI shape, request and answer schemas) has one
 * handler here, typed by its schemas. `operate` finds the operation a request names, validates the
 * request against its schema, and runs the handler; the handler answers the operation's fields and
 * the audit records of what it did.
 * @module
 */
import { kms as protocol, type KmsOperation, type KmsOperationName, type KmsRequestOf, type KmsResponseOf } from '@flint/protocol';
import { Value } from 'typebox/value';
import type { Caller, KmsContext } from './context.ts';
import { KmsError } from './errors.ts';
import type { AuditAction, AuditRecord } from './audit.ts';
import { deleteEphemeralKey, type EphemeralKey } from './ephemeral-keys.ts';
import { parseUri, objectUri } from './uris.ts';
import { bindKey, createKeys, retrieveKey } from './keys.ts';
import { createResource, retrieveResource, retrieveResourceKeys } from './resources.ts';
import { addAuthorizations, listAuthorizations, removeAuthorization } from './authorizations.ts';
import { approveDevice, listCredentials, removeCredential, setPasswordCredential, setRecoveryKey } from './credentials.ts';
import { bindResource } from './bindings.ts';
import { createHold, deleteHold, retentionOf } from './retention.ts';
import { appendMailPart, sendMail } from './mail.ts';

const OPERATIONS = protocol.KMS_OPERATIONS;

/** What the request was about, filled in as soon as it is known, so failures are audited precisely. */
export interface Trace {
  action: AuditAction;
  target?: string | undefined;
  caller?: Partial<Caller> | undefined;
}

/** A request to one operation, validated against its schema. */
interface Input<O extends KmsOperation> {
  kms: KmsContext;
  caller: Caller;
  ephemeral: EphemeralKey;
  body: KmsRequestOf<O>;
  /** The addressed object's canonical URI (`<cluster>/<collection>/<id>`), for URIs with an id. */
  target: string | undefined;
  query: URLSearchParams;
  trace: Trace;
}

/** A handler's answer: the operation's own fields (status and requestId are added for it) and what to audit. */
interface Result<O extends KmsOperation> {
  payload: Omit<KmsResponseOf<O>, 'status' | 'requestId'>;
  records: AuditRecord[];
}

interface Handler<O extends KmsOperation> {
  /** Audited for this operation, also when it fails (ping is not audited). */
  action?: AuditAction;
  run(input: Input<O>): Promise<Result<O>>;
}

type Handlers = { [N in KmsOperationName]: Handler<(typeof OPERATIONS)[N]> };

const HANDLERS: Handlers = {
  ping: { run: async () => ({ payload: {}, records: [] }) },

  closeChannel: {
    action: 'ecdhe.delete',
    async run({ kms, ephemeral, target }) {
      if (target !== ephemeral.uri) throw KmsError.forbidden('Only the channel itself can be closed.');
      await deleteEphemeralKey(kms, target);
      return { payload: {}, records: [{ action: 'ecdhe.delete', target, status: 204 }] };
    },
  },

  createKeys: {
    action: 'key.create',
    async run({ kms, caller, body }) {
      const keys = await createKeys(kms, caller, body.count ?? 1);
      return { payload: { keys }, records: keys.map((k) => ({ action: 'key.create', target: k.uri, status: 201 })) };
    },
  },

  retrieveKey: {
    action: 'key.retrieve',
    async run({ kms, caller, target }) {
      const { key, officer } = await retrieveKey(kms, caller, target!);
      return { payload: { key }, records: [{ action: 'key.retrieve', target, status: 200, ...(officer ? { detail: 'compliance officer' } : {}) }] };
    },
  },

  bindKey: {
    action: 'key.bind',
    async run({ kms, caller, target, body }) {
      const resourceUri = canonicalResource(kms, body.resourceUri);
      const key = await bindKey(kms, caller, target!, resourceUri);
      return { payload: { key }, records: [{ action: 'key.bind', target, status: 200, detail: resourceUri }] };
    },
  },

  createResource: {
    action: 'resource.create',
    async run({ kms, caller, body, trace }) {
      const { resource, authorizations, keyUris } = await createResource(kms, caller, body);
      trace.target = resource.uri;
      return {
        payload: { resource },
        records: [
          { action: 'resource.create', target: resource.uri, status: 201 },
          ...authorizations.map((a): AuditRecord => ({ action: 'authorization.create', target: a.resourceUri, status: 201, detail: a.authId })),
          ...keyUris.map((k): AuditRecord => ({ action: 'key.bind', target: k, status: 201, detail: resource.uri })),
        ],
      };
    },
  },

  retrieveResource: {
    action: 'resource.retrieve',
    async run({ kms, caller, target }) {
      const resource = await retrieveResource(kms, caller, target!);
      return { payload: { resource }, records: [{ action: 'resource.retrieve', target, status: 200 }] };
    },
  },

  bindResource: {
    action: 'resource.bind',
    async run({ kms, caller, target, body }) {
      const boundTo = await bindResource(kms, caller, target!, body.boundTo);
      return { payload: { resource: { uri: target!, boundTo } }, records: [{ action: 'resource.bind', target, status: 200, detail: JSON.stringify(boundTo) }] };
    },
  },

  retrieveResourceKeys: {
    action: 'key.retrieve',
    async run({ kms, caller, target, body, query }) {
      const resourceUri = target!;
      const { keys, officer } = await retrieveResourceKeys(kms, caller, resourceUri, {
        boundAfter: query.get('boundAfter') ?? body.boundAfter ?? null,
        boundBefore: query.get('boundBefore') ?? body.boundBefore ?? null,
        count: query.get('count') ?? body.count,
      });
      return { payload: { keys }, records: keys.map((k) => ({ action: 'key.retrieve', target: k.uri, status: 200, detail: officer ? `${resourceUri} (compliance officer)` : resourceUri })) };
    },
  },

  listAuthorizations: {
    action: 'authorization.list',
    async run({ kms, caller, target, query }) {
      const authorizations = await listAuthorizations(kms, caller, target!, query.get('authId'));
      return { payload: { authorizations }, records: [{ action: 'authorization.list', target, status: 200 }] };
    },
  },

  removeResourceAuthorization: {
    action: 'authorization.delete',
    async run({ kms, caller, target, body, query }) {
      const authId = query.get('authId') ?? body.authId;
      if (authId === undefined) throw KmsError.badRequest('authId is required');
      return removed(await removeAuthorization(kms, caller, { resourceUri: target!, authId }));
    },
  },

  createAuthorizations: {
    action: 'authorization.create',
    async run({ kms, caller, body, trace }) {
      trace.target = body.resourceUri;
      const { resourceUri, all, created } = await addAuthorizations(kms, caller, body);
      return { payload: { authorizations: all }, records: created.map((a) => ({ action: 'authorization.create', target: resourceUri, status: 201, detail: a.authId })) };
    },
  },

  removeAuthorization: {
    action: 'authorization.delete',
    async run({ kms, caller, target }) {
      return removed(await removeAuthorization(kms, caller, { uri: target! }));
    },
  },

  // Flint's extension: one's device credentials (credentials.ts).
  approveDevice: {
    action: 'device.approve',
    async run({ kms, caller, body }) {
      const device = await approveDevice(kms, caller, body);
      return { payload: { device }, records: [{ action: 'device.approve', target: device.id, status: 201 }] };
    },
  },

  listDevices: {
    action: 'device.list',
    async run({ kms, caller }) {
      return { payload: { devices: await listCredentials(kms, caller) }, records: [] };
    },
  },

  removeDevice: {
    action: 'device.delete',
    async run({ kms, caller, target, trace }) {
      const id = target!.slice(target!.lastIndexOf('/') + 1);
      trace.target = id;
      const device = await removeCredential(kms, caller, id);
      return { payload: { device }, records: [{ action: 'device.delete', target: device.id, status: 200 }] };
    },
  },

  setPassword: {
    action: 'password.update',
    async run({ kms, caller, body }) {
      await setPasswordCredential(kms, caller, body);
      return { payload: {}, records: [{ action: 'password.update', target: caller.userId, status: 200 }] };
    },
  },

  setRecovery: {
    action: 'recovery.update',
    async run({ kms, caller, body }) {
      await setRecoveryKey(kms, caller, body);
      return { payload: {}, records: [{ action: 'recovery.update', target: caller.userId, status: 200 }] };
    },
  },

  // Flint's extension: legal holds and the KMS's own retention rule (retention.ts).
  createHold: {
    action: 'hold.create',
    async run({ kms, caller, body }) {
      const hold = await createHold(kms, caller, { roomId: body.roomId, userId: body.userId });
      return { payload: { hold }, records: [{ action: 'hold.create', target: hold.uri, status: 201, detail: hold.roomId !== undefined ? `room ${hold.roomId}` : `person ${hold.userId ?? ''}` }] };
    },
  },

  deleteHold: {
    action: 'hold.delete',
    async run({ kms, caller, target }) {
      const hold = await deleteHold(kms, caller, target!);
      return { payload: { hold }, records: [{ action: 'hold.delete', target: hold.uri, status: 200 }] };
    },
  },

  retrieveRetention: {
    async run({ kms, caller }) {
      return { payload: { retention: { messageDays: await retentionOf(kms.db, caller.orgId) } }, records: [] };
    },
  },

  // Voicemail to e-mail (mail.ts): the audio in parts, then the send, to the requester's own address.
  appendMail: {
    action: 'mail.append',
    async run({ kms, caller, target, body }) {
      const mail = await appendMailPart(kms, caller, target, body);
      return { payload: { mail }, records: [{ action: 'mail.append', target, status: 200, detail: `part ${body.index}` }] };
    },
  },

  sendMail: {
    action: 'mail.send',
    async run({ kms, caller, target, body }) {
      const mail = await sendMail(kms, caller, target, body);
      return { payload: { mail }, records: [{ action: 'mail.send', target, status: 201, detail: body.kind }] };
    },
  },
};

/** Operation names by `<method> <URI shape>`: the dispatch key of a request. */
const BY_ROUTE = new Map(Object.entries(OPERATIONS).map(([name, o]) => [`${o.method} ${o.path}`, name as KmsOperationName]));

/** Runs the operation the request names; answers its status, its fields and the audit records. */
export async function operate(kms: KmsContext, caller: Caller, body: Record<string, unknown>, ephemeral: EphemeralKey, trace: Trace): Promise<{ status: number; payload: object; records: AuditRecord[] }> {
  const method = body['method'];
  const { segments, query } = parseUri(kms, body['uri']);
  const path = protocol.kmsPathOf(segments);
  const name = path === undefined ? undefined : BY_ROUTE.get(`${String(method)} ${path}`);
  if (name === undefined) throw KmsError.badRequest(`unsupported operation: ${typeof method === 'string' ? method.slice(0, 16) : '?'} ${segments.slice(0, 1).join('/')}`);
  const operation: KmsOperation = OPERATIONS[name];
  // The handlers are typed per operation; the table's union is narrowed here, where the request has
  // just been checked against this very operation's schema.
  const handler = HANDLERS[name] as unknown as Handler<KmsOperation>;
  if (handler.action !== undefined) trace.action = handler.action;
  const target = segments.length >= 2 ? objectUri(kms, segments[0]!, segments[1]!) : undefined;
  trace.target = target;
  checkRequest(operation, body);
  const { payload, records } = await handler.run({ kms, caller, ephemeral, body, target, query, trace });
  return { status: operation.status, payload, records };
}

/** Validates a request against its operation's schema; the first problem becomes a 400 naming the field. */
export function checkRequest(operation: KmsOperation, body: unknown): void {
  if (Value.Check(operation.request, body)) return;
  const first = Value.Errors(operation.request, body)[0];
  const field = first === undefined || first.instancePath === '' ? 'the request' : first.instancePath.slice(1).replaceAll('/', '.');
  throw KmsError.badRequest(`${field}: ${first?.message ?? 'does not match the operation'}`);
}

function removed(authorization: { uri: string; authId: string; resourceUri: string; createDate: string }): Result<typeof OPERATIONS.removeAuthorization> {
  // The draft names the member `authorization`; the Webex SDK reads an array `authorizations`.
  return {
    payload: { authorization, authorizations: [authorization] },
    records: [{ action: 'authorization.delete', target: authorization.resourceUri, status: 200, detail: authorization.authId }],
  };
}

function canonicalResource(kms: KmsContext, raw: string): string {
  const { segments } = parseUri(kms, raw);
  if (segments.length !== 2 || segments[0] !== 'resources') throw KmsError.badRequest('resourceUri must name a resource');
  return objectUri(kms, 'resources', segments[1]!);
}
