/**
 * Approving a new browser from an enrolled one (issue 14, issue 18: people who sign in only by
 * single sign-on have no password to enroll a second browser with). The new browser posts the
 * SHA-256 of its KMS device secret and a MAC of it under a short code it shows on its screen; the
 * person's enrolled browser lists the pending requests, the person types the code shown on the new
 * browser, and the enrolled browser checks the MAC before it approves the hash at the KMS. The core
 * only carries the request: it never sees the code, so a request it slipped in (its own device's
 * hash) fails the check (docs/threat-model.md, "Approving a new browser").
 * @module
 */
import { Type, type Static } from 'typebox';
import { Id, IdParams, Timestamp } from './common.ts';
import { defineMethod } from './method.ts';

export const DEVICE_REQUEST_LIMITS = {
  /** Pending requests one person may have at once (the oldest is dropped beyond). */
  pendingPerPerson: 5,
  /** A request waits this long for an answer. */
  ttlMs: 10 * 60_000,
} as const;

export const DeviceRequestStatus = Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('refused')]);
export type DeviceRequestStatus = Static<typeof DeviceRequestStatus>;

export const DeviceRequest = Type.Object({
  id: Id,
  /** SHA-256 hex of the new browser's KMS device secret: what the KMS enrolls on approval. */
  credentialHash: Type.String(),
  /** base64url HMAC-SHA256 of `credentialHash` under the code the new browser shows. */
  mac: Type.String(),
  status: DeviceRequestStatus,
  created: Timestamp,
  expires: Timestamp,
  /** The new browser, as the core saw its request (shown to help the person recognise it; the code is the check). */
  userAgent: Type.Optional(Type.String()),
  address: Type.Optional(Type.String()),
});
export type DeviceRequest = Static<typeof DeviceRequest>;

export const createDeviceRequest = defineMethod({
  id: 'deviceRequests.create',
  verb: 'POST',
  path: '/api/kms/device-requests',
  summary: 'A browser not yet enrolled at the KMS asks the person’s enrolled devices to approve it.',
  tag: 'people',
  auth: 'person',
  body: Type.Object(
    {
      credentialHash: Type.String({ pattern: '^[0-9a-f]{64}$' }),
      mac: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }),
    },
    { additionalProperties: false },
  ),
  response: DeviceRequest,
  status: 201,
});

export const listDeviceRequests = defineMethod({
  id: 'deviceRequests.list',
  verb: 'GET',
  path: '/api/kms/device-requests',
  summary: 'One’s own pending requests to approve a new browser.',
  tag: 'people',
  auth: 'person',
  response: Type.Object({ items: Type.Array(DeviceRequest) }),
  status: 200,
});

export const getDeviceRequest = defineMethod({
  id: 'deviceRequests.get',
  verb: 'GET',
  path: '/api/kms/device-requests/:id',
  summary: 'One of one’s own requests (the new browser waits on its status).',
  tag: 'people',
  auth: 'person',
  params: IdParams,
  response: DeviceRequest,
  status: 200,
});

export const answerDeviceRequest = defineMethod({
  id: 'deviceRequests.answer',
  verb: 'PUT',
  path: '/api/kms/device-requests/:id',
  summary: 'The enrolled browser’s answer, after it approved the device at the KMS (or refused it).',
  tag: 'people',
  auth: 'person',
  params: IdParams,
  body: Type.Object({ status: Type.Union([Type.Literal('approved'), Type.Literal('refused')]) }, { additionalProperties: false }),
  response: DeviceRequest,
  status: 200,
});
