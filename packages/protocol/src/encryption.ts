/**
 * The KMS relay in the core, as Webex does it (SPEC SEC-2; DESIGN §3): clients discover the KMS
 * and send it messages through the core, which never reads them (they are encrypted to the KMS);
 * each answer comes back to the asking device as an `encryption.kms_message` event.
 * @module
 */
import { Type } from 'typebox';
import { defineMethod } from './method.ts';

export const KmsDiscovery = Type.Object({
  kmsCluster: Type.String(),
  /** The KMS's static public key: a JWK serialized as a JSON string, as Webex sends it. */
  rsaPublicKey: Type.String(),
  /** The CA certificates (base64 DER) that sign the KMS's certificate. */
  caroots: Type.Optional(Type.Array(Type.String())),
});

export const discoverKms = defineMethod({
  id: 'encryption.kmsInfo',
  verb: 'GET',
  path: '/encryption/api/v1/kms/:personId',
  summary: 'Where the KMS is, and its static public key.',
  tag: 'encryption',
  auth: 'person',
  params: Type.Object({ personId: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
  response: KmsDiscovery,
  status: 200,
});

/** At most this many KMS messages in one relay request. */
export const KMS_RELAY_MAX_MESSAGES = 100;

export const relayKmsMessages = defineMethod({
  id: 'encryption.kmsMessages',
  verb: 'POST',
  path: '/encryption/api/v1/kms/messages',
  summary: 'Relay KMS messages (JWE, opaque to the core). Answers 202; the replies arrive as an encryption.kms_message event on the device named by X-Flint-Device-Id (or on every device).',
  tag: 'encryption',
  auth: 'person',
  body: Type.Object(
    {
      destination: Type.String({ minLength: 1, maxLength: 300 }),
      kmsMessages: Type.Array(Type.String({ minLength: 1, maxLength: 64 * 1024 }), { minItems: 1, maxItems: KMS_RELAY_MAX_MESSAGES }),
    },
    { additionalProperties: false },
  ),
  response: Type.Object({}),
  status: 202,
});
