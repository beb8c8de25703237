/**
 * The Cisco KMS protocol's messages (shared/reference, KMS protocol §7): the JSON inside each JWE a
 * client and the KMS exchange, as schemas both sides use: the KMS validates requests against them
 * and dispatches through its table of `KMS_OPERATIONS`; the SDK builds requests and reads answers
 * with their types. Requests are open (no `additionalProperties: false`): the Webex SDK and
 * node-kms send fields beyond these, which the KMS ignores.
 * @module
 */
import { Type, type Static, type TSchema } from 'typebox';

export const KMS_METHODS = ['create', 'retrieve', 'update', 'delete'] as const;
export type KmsMethod = (typeof KMS_METHODS)[number];

/** At most this many characters in one KMS message (a JWE compact string). */
export const KMS_MAX_MESSAGE_CHARS = 256 * 1024;
/** At most this many KMS messages in one batch to the KMS's own endpoint. */
export const KMS_MAX_MESSAGES_PER_BATCH = 100;

/**
 * The KMS's own HTTP endpoint, `POST /kms/messages` (the synchronous path the core's HTTP link, the
 * gateway and tests use): a batch of messages in, their replies out in the same order.
 */
export const KMS_MESSAGES_PATH = '/kms/messages';
export const KmsMessagesBatch = Type.Object(
  {
    // The Webex SDK also names the cluster it means; there is one cluster per KMS, so it is only checked for type.
    destination: Type.Optional(Type.String({ maxLength: 2048 })),
    // Flint's relay names the address it received the client's request from (the core's word, audited as such).
    requesterAddress: Type.Optional(Type.String({ maxLength: 64 })),
    kmsMessages: Type.Array(Type.String({ maxLength: KMS_MAX_MESSAGE_CHARS }), { minItems: 1, maxItems: KMS_MAX_MESSAGES_PER_BATCH }),
  },
  { additionalProperties: false },
);
export const KmsMessagesReplies = Type.Object({ kmsMessages: Type.Array(Type.String()) });

/** At most this many keys per `create /keys`. */
export const KMS_MAX_KEYS_PER_REQUEST = 100;
/** At most this many key URIs bound by one `create /resources`. */
export const KMS_MAX_KEY_URIS = 100;

/** The requester: its device and its `spark:kms` bearer (the KMS identifies the user from the bearer alone; `userId` is advisory). */
export const KmsClientInfo = Type.Object({
  clientId: Type.Optional(Type.String()),
  credential: Type.Object({
    bearer: Type.String(),
    userId: Type.Optional(Type.String()),
    /** The device credential (32 bytes, base64url), which the core cannot mint (issue 14, finding 1). */
    device: Type.Optional(Type.String()),
    /** The password credential (derived from the password on the client), to enroll a new device. */
    password: Type.Optional(Type.String()),
    /** The person's recovery key, or a one-time enrollment code from the KMS's operator, to enroll a new device. */
    recovery: Type.Optional(Type.String()),
    /**
     * Proof from the org's identity provider, where the KMS trusts it: the ID token the provider
     * signed at sign-in, and the secret whose SHA-256 is the token's nonce (kept by the device, so
     * the core, which relays the token, cannot present it: credentials.ts, idp.ts).
     */
    idp: Type.Optional(Type.Object({ token: Type.String(), secret: Type.String() })),
  }),
});

/** What every request carries beside its operation's fields. */
const envelope = {
  /** The object or collection: absolute (`kms://host/keys/…`) or relative to the cluster (`/keys`). */
  uri: Type.String(),
  /** Echoed in the answer, so replies can be matched to requests whatever order they come back in. */
  requestId: Type.Optional(Type.String()),
  client: KmsClientInfo,
};

const request = <M extends KmsMethod, F extends Record<string, TSchema>>(method: M, fields: F) => Type.Object({ ...envelope, method: Type.Literal(method), ...fields });

const principals = {
  /** The draft's name for the principals: user ids, or resource URIs (KROs authorizing KROs). */
  authIds: Type.Optional(Type.Array(Type.String())),
  /** The Webex SDK's name for the same list. */
  userIds: Type.Optional(Type.Array(Type.String())),
};

// ---- the objects answers carry

export const KmsEcPublicJwk = Type.Object({ kty: Type.Literal('EC'), crv: Type.Literal('P-256'), x: Type.String(), y: Type.String() });

/** A content key: 32 bytes as an `oct` JWK whose `kid` is the key's URI. */
export const KmsKeyObject = Type.Object({
  uri: Type.String(),
  jwk: Type.Object({ kty: Type.Literal('oct'), kid: Type.String(), k: Type.String() }),
  userId: Type.String(),
  clientId: Type.String(),
  createDate: Type.String(),
  expirationDate: Type.String(),
  resourceUri: Type.Optional(Type.String()),
  bindDate: Type.Optional(Type.String()),
});

/** The KMS's half of an ECDHE handshake: the channel's URI and the KMS's public key. */
export const KmsEphemeralKeyObject = Type.Object({
  uri: Type.String(),
  jwk: KmsEcPublicJwk,
  userId: Type.String(),
  clientId: Type.String(),
  createDate: Type.String(),
  expirationDate: Type.String(),
});

/** A resource (KRO): the object a space's keys are bound to, and whose authorizations say who gets them. */
/** The room (and team) a resource protects, once bound (issue 14, finding 2). */
export const KmsResourceBinding = Type.Object({ roomId: Type.String(), teamId: Type.Optional(Type.String()) });
export const KmsResourceObject = Type.Object({
  uri: Type.String(),
  keyUris: Type.Array(Type.String()),
  authorizationUris: Type.Array(Type.String()),
  boundTo: Type.Optional(KmsResourceBinding),
});
/** One of a person's credentials at the KMS (never its hash). */
export const KmsCredentialObject = Type.Object({
  id: Type.String(),
  kind: Type.Union([Type.Literal('device'), Type.Literal('password'), Type.Literal('recovery'), Type.Literal('enrollment')]),
  label: Type.Union([Type.String(), Type.Null()]),
  enrolledVia: Type.String(),
  createDate: Type.String(),
});

/**
 * A legal hold as the KMS keeps it (Flint's extension, SPEC CP-4): while it exists, the KMS's own
 * retention rule deletes no key of the room (or of any resource the person is or was authorized on).
 */
export const KmsHoldObject = Type.Object({
  uri: Type.String(),
  roomId: Type.Optional(Type.String()),
  userId: Type.Optional(Type.String()),
  createdBy: Type.String(),
  createDate: Type.String(),
});
/** The KMS's own retention rule for the caller's organization, as its operator set it; null: keys are kept. */
export const KmsRetentionObject = Type.Object({ messageDays: Type.Union([Type.Integer(), Type.Null()]) });

export const KmsAuthorizationObject = Type.Object({ uri: Type.String(), authId: Type.String(), resourceUri: Type.String(), createDate: Type.String() });

// ---- answers

const answer = <F extends Record<string, TSchema>>(fields: F) => Type.Object({ status: Type.Integer(), requestId: Type.String(), ...fields });

/** A refusal: the HTTP-like status and a reason for people (never key material). */
export const KmsErrorResponse = answer({ reason: Type.String() });
export const KmsEmptyResponse = answer({});
export const KmsEphemeralKeyResponse = answer({ key: KmsEphemeralKeyObject });
export const KmsKeysResponse = answer({ keys: Type.Array(KmsKeyObject) });
export const KmsKeyResponse = answer({ key: KmsKeyObject });
export const KmsResourceResponse = answer({ resource: KmsResourceObject });
export const KmsResourceBoundResponse = answer({ resource: Type.Object({ uri: Type.String(), boundTo: KmsResourceBinding }) });
export const KmsDeviceResponse = answer({ device: KmsCredentialObject });
export const KmsDevicesResponse = answer({ devices: Type.Array(KmsCredentialObject) });
export const KmsHoldResponse = answer({ hold: KmsHoldObject });
/** A mail the security realm's relay is putting together (voicemail to e-mail, SPEC CL-3): parts received so far, whether sent. */
export const KmsMailObject = Type.Object({ uri: Type.String(), parts: Type.Integer({ minimum: 0 }), sent: Type.Boolean() });
export const KmsMailResponse = answer({ mail: KmsMailObject });
export const KmsRetentionResponse = answer({ retention: KmsRetentionObject });
export const KmsAuthorizationsResponse = answer({ authorizations: Type.Array(KmsAuthorizationObject) });
/** The draft names the removed authorization `authorization`; the Webex SDK reads an array `authorizations`: both are sent. */
export const KmsAuthorizationRemovedResponse = answer({ authorization: KmsAuthorizationObject, authorizations: Type.Array(KmsAuthorizationObject) });

// ---- requests

/** The handshake (`create <cluster>/ecdhe`, in an RSA-OAEP envelope to the KMS's static key): the client's public key. */
export const KmsEcdheCreateRequest = request('create', { jwk: Type.Unknown() });
export const KmsEcdheDeleteRequest = request('delete', {});
export const KmsPingRequest = request('update', {});
export const KmsCreateKeysRequest = request('create', { count: Type.Optional(Type.Integer({ minimum: 1, maximum: KMS_MAX_KEYS_PER_REQUEST })) });
export const KmsRetrieveRequest = request('retrieve', {});
export const KmsBindKeyRequest = request('update', { resourceUri: Type.String() });
export const KmsCreateResourceRequest = request('create', { ...principals, keyUris: Type.Optional(Type.Array(Type.String(), { maxItems: KMS_MAX_KEY_URIS })) });
/** A resource's bound keys; the filters may also ride in the URI's query, which wins. */
export const KmsRetrieveResourceKeysRequest = request('retrieve', {
  boundAfter: Type.Optional(Type.String()),
  boundBefore: Type.Optional(Type.String()),
  count: Type.Optional(Type.Union([Type.Integer(), Type.String()])),
});
/** `boundTo` is checked by the KMS itself (bindings.ts), which names the field that is wrong. */
export const KmsBindResourceRequest = request('update', { boundTo: Type.Unknown() });
export const KmsApproveDeviceRequest = request('create', { credentialHash: Type.String(), label: Type.Optional(Type.String()) });
export const KmsDeleteRequest = request('delete', {});
/** A hold names a room or a person (by id): exactly one. */
export const KmsCreateHoldRequest = request('create', { roomId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })), userId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) });
export const KmsSetPasswordRequest = request('update', { password: Type.String() });
/** The person's recovery key (replacing any earlier one), set by one of their enrolled devices. */
export const KmsSetRecoveryRequest = request('update', { recovery: Type.String() });
export const KmsCreateAuthorizationsRequest = request('create', { resourceUri: Type.String(), ...principals });
/**
 * Voicemail to e-mail (Flint's extension; docs/voicemail.md): the callee's device hands the audio it
 * decrypted to the realm's mail relay in parts (each KMS message the core relays is at most 64 KiB),
 * under an id it chose, then asks for it to be sent — to the caller's own address, as the realm
 * knows it. The parts ride inside the channel's encryption, so the relaying core sees ciphertext.
 */
export const KMS_MAIL_LIMITS = {
  /** Base64 characters of audio per part. */
  partChars: 40_000,
  /** The audio of one mail, in bytes (the largest voicemail's plaintext is smaller than its ciphertext). */
  mailBytes: 1536 * 1024,
  /** Parts not sent within this long are dropped. */
  pendingMs: 60 * 60 * 1000,
} as const;
export const KmsAppendMailRequest = request('update', {
  index: Type.Integer({ minimum: 0, maximum: Math.ceil((KMS_MAIL_LIMITS.mailBytes * 4) / 3 / KMS_MAIL_LIMITS.partChars) }),
  data: Type.String({ minLength: 1, maxLength: KMS_MAIL_LIMITS.partChars, pattern: '^[A-Za-z0-9_-]+$' }),
});
export const KmsSendMailRequest = request('create', {
  kind: Type.Literal('voicemail'),
  /** How many parts the audio is in (all of them must be there). */
  parts: Type.Integer({ minimum: 1 }),
  /** SHA-256 of the whole audio, base64url: checked before anything is sent. */
  sha256: Type.String({ minLength: 43, maxLength: 43 }),
  type: Type.String({ minLength: 1, maxLength: 100, pattern: '^audio/[A-Za-z0-9.+-]+(;[ ]?[A-Za-z0-9=.,+-]+)*$' }),
  callerName: Type.String({ maxLength: 200 }),
  durationMs: Type.Integer({ minimum: 0 }),
  /** When it was left (ISO 8601), for the mail's text. */
  created: Type.String({ maxLength: 40 }),
});
/** Removing a resource's authorization: `authId` in the URI's query (which wins) or here. */
export const KmsDeleteAuthorizationRequest = request('delete', { authId: Type.Optional(Type.String()) });

/**
 * The shapes of the URIs operations address (after the cluster): `:id` stands for one object's id.
 * A request's operation is its method and its URI's shape.
 */
export type KmsPath =
  | 'ping'
  | 'ecdhe'
  | 'ecdhe/:id'
  | 'keys'
  | 'keys/:id'
  | 'resources'
  | 'resources/:id'
  | 'resources/:id/keys'
  | 'resources/:id/authorizations'
  | 'authorizations'
  | 'authorizations/:id'
  | 'devices'
  | 'devices/:id'
  | 'password'
  | 'recovery'
  | 'holds'
  | 'holds/:id'
  | 'retention'
  | 'mail/:id'
  | 'mail/:id/send';

export interface KmsOperation<Req extends TSchema = TSchema, Res extends TSchema = TSchema> {
  method: KmsMethod;
  path: KmsPath;
  request: Req;
  response: Res;
  /** The status of a success. */
  status: number;
}

const op = <Req extends TSchema, Res extends TSchema>(method: KmsMethod, path: KmsPath, req: Req, response: Res, status: number): KmsOperation<Req, Res> => ({ method, path, request: req, response, status });

/** Every operation of the protocol but the handshake (which travels in its own envelope: `KMS_HANDSHAKE`). */
export const KMS_OPERATIONS = {
  ping: op('update', 'ping', KmsPingRequest, KmsEmptyResponse, 200),
  closeChannel: op('delete', 'ecdhe/:id', KmsEcdheDeleteRequest, KmsEmptyResponse, 204),
  createKeys: op('create', 'keys', KmsCreateKeysRequest, KmsKeysResponse, 201),
  retrieveKey: op('retrieve', 'keys/:id', KmsRetrieveRequest, KmsKeyResponse, 200),
  bindKey: op('update', 'keys/:id', KmsBindKeyRequest, KmsKeyResponse, 200),
  createResource: op('create', 'resources', KmsCreateResourceRequest, KmsResourceResponse, 201),
  retrieveResource: op('retrieve', 'resources/:id', KmsRetrieveRequest, KmsResourceResponse, 200),
  bindResource: op('update', 'resources/:id', KmsBindResourceRequest, KmsResourceBoundResponse, 200),
  retrieveResourceKeys: op('retrieve', 'resources/:id/keys', KmsRetrieveResourceKeysRequest, KmsKeysResponse, 200),
  listAuthorizations: op('retrieve', 'resources/:id/authorizations', KmsRetrieveRequest, KmsAuthorizationsResponse, 200),
  removeResourceAuthorization: op('delete', 'resources/:id/authorizations', KmsDeleteAuthorizationRequest, KmsAuthorizationRemovedResponse, 200),
  createAuthorizations: op('create', 'authorizations', KmsCreateAuthorizationsRequest, KmsAuthorizationsResponse, 201),
  removeAuthorization: op('delete', 'authorizations/:id', KmsDeleteAuthorizationRequest, KmsAuthorizationRemovedResponse, 200),
  // Flint's extension: one's device credentials (issue 14, finding 1).
  approveDevice: op('create', 'devices', KmsApproveDeviceRequest, KmsDeviceResponse, 201),
  listDevices: op('retrieve', 'devices', KmsRetrieveRequest, KmsDevicesResponse, 200),
  removeDevice: op('delete', 'devices/:id', KmsDeleteRequest, KmsDeviceResponse, 200),
  setPassword: op('update', 'password', KmsSetPasswordRequest, KmsEmptyResponse, 200),
  setRecovery: op('update', 'recovery', KmsSetRecoveryRequest, KmsEmptyResponse, 200),
  // Flint's extension: legal holds the KMS's retention rule honours, and that rule (SPEC CP-4).
  createHold: op('create', 'holds', KmsCreateHoldRequest, KmsHoldResponse, 201),
  deleteHold: op('delete', 'holds/:id', KmsDeleteRequest, KmsHoldResponse, 200),
  retrieveRetention: op('retrieve', 'retention', KmsRetrieveRequest, KmsRetentionResponse, 200),
  // Flint's extension: the realm's mail relay for voicemail to e-mail (SPEC CL-3).
  appendMail: op('update', 'mail/:id', KmsAppendMailRequest, KmsMailResponse, 200),
  sendMail: op('create', 'mail/:id/send', KmsSendMailRequest, KmsMailResponse, 201),
} as const;
export type KmsOperationName = keyof typeof KMS_OPERATIONS;

export const KMS_HANDSHAKE = op('create', 'ecdhe', KmsEcdheCreateRequest, KmsEphemeralKeyResponse, 201);

/** The URI shape of parsed path segments (`['keys', 'abc']` → `keys/:id`), or undefined when no operation has that shape. */
export function kmsPathOf(segments: readonly string[]): KmsPath | undefined {
  const [collection, , sub] = segments;
  const shape = [collection, ...(segments.length > 1 ? [':id'] : []), ...(sub !== undefined ? [sub] : [])].join('/');
  return segments.length <= 3 && KMS_PATHS.has(shape) ? (shape as KmsPath) : undefined;
}
const KMS_PATHS = new Set<string>([...Object.values(KMS_OPERATIONS).map((o) => o.path), KMS_HANDSHAKE.path]);

export type KmsClientInfo = Static<typeof KmsClientInfo>;
export type KmsMessagesBatch = Static<typeof KmsMessagesBatch>;
export type KmsMessagesReplies = Static<typeof KmsMessagesReplies>;
export type KmsKeyObject = Static<typeof KmsKeyObject>;
export type KmsEphemeralKeyObject = Static<typeof KmsEphemeralKeyObject>;
export type KmsResourceObject = Static<typeof KmsResourceObject>;
export type KmsAuthorizationObject = Static<typeof KmsAuthorizationObject>;
export type KmsResourceBinding = Static<typeof KmsResourceBinding>;
export type KmsCredentialObject = Static<typeof KmsCredentialObject>;
export type KmsHoldObject = Static<typeof KmsHoldObject>;
export type KmsErrorResponse = Static<typeof KmsErrorResponse>;
/** The request an operation takes (what the client puts inside the JWE). */
export type KmsRequestOf<O extends KmsOperation> = Static<O['request']>;
/** The answer of an operation that succeeded. */
export type KmsResponseOf<O extends KmsOperation> = Static<O['response']>;
