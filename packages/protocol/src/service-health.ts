/**
 * Service health (SPEC AD-3): the admins' status page (each part of the service checked live by
 * the server, with its state and latency), the plain monitoring endpoint, the connection test any
 * signed-in person runs from the web app (round trips, WebSocket echo, bounded upload and download),
 * and maintenance / incident notices that admins write for their org.
 * @module
 */
import { Type, type Static } from 'typebox';
import { Id, IdParams, Timestamp } from './common.ts';
import { defineMethod } from './method.ts';

/** The parts of the service the status page checks, in the order it shows them. */
export const HEALTH_COMPONENTS = ['core', 'kms', 'database', 'redis', 'blobs', 'jobs', 'sip', 'rtpengine'] as const;
export type HealthComponent = (typeof HEALTH_COMPONENTS)[number];

/** `not_configured`: an optional part (Redis, the SIP engine) this deployment does not use. */
export const HealthState = Type.Union([Type.Literal('ok'), Type.Literal('degraded'), Type.Literal('down'), Type.Literal('not_configured')]);
export type HealthState = Static<typeof HealthState>;

export const HealthCheck = Type.Object({
  component: Type.Enum(HEALTH_COMPONENTS),
  state: HealthState,
  /** How long the check took, in milliseconds (0 when not configured). */
  latencyMs: Type.Number({ minimum: 0 }),
  /** Why it is not ok (an error's kind, never a secret), or what it measured. */
  detail: Type.Optional(Type.String()),
  /** The job queue: jobs waiting or running. */
  backlog: Type.Optional(Type.Integer({ minimum: 0 })),
});
export type HealthCheck = Static<typeof HealthCheck>;

export const ServiceHealth = Type.Object({
  /** The worst state among the configured parts. */
  state: Type.Union([Type.Literal('ok'), Type.Literal('degraded'), Type.Literal('down')]),
  checkedAt: Timestamp,
  checks: Type.Array(HealthCheck),
});
export type ServiceHealth = Static<typeof ServiceHealth>;

/** Jobs waiting or running above which the queue is "degraded". */
export const JOB_BACKLOG_DEGRADED = 1000;

export const getServiceHealth = defineMethod({
  id: 'health.services',
  verb: 'GET',
  path: '/api/admin/health',
  summary: 'Admin: each part of the service (core, KMS link, database, Redis, blob store, job queue) checked now, with state and latency.',
  tag: 'admin',
  auth: 'admin',
  response: ServiceHealth,
  status: 200,
});

/** The plain monitoring endpoint (no sign-in; states only, no details): 200 when ok or degraded, 503 when a part is down. */
export const MONITORING_PATH = '/health/services';

// --- The connection test ---------------------------------------------------------------------

export const CONNECTION_TEST_LIMITS = {
  /** Largest download or upload of one request, in bytes. */
  maxBytes: 4 * 1024 * 1024,
  /** Requests of the test (pings, transfers, sockets) one person may make per minute. */
  requestsPerMinute: 60,
  /** Echoes one test socket answers before the server closes it. */
  socketEchoes: 20,
  /** Largest echo frame, in bytes. */
  socketFrameBytes: 256,
} as const;

/** The test's WebSocket: the client sends text frames, the server echoes each, then closes (1000) after `socketEchoes`. */
export const CONNECTION_TEST_SOCKET_PATH = '/api/connection-test/socket';

export const connectionPing = defineMethod({
  id: 'connectionTest.ping',
  verb: 'GET',
  path: '/api/connection-test/ping',
  summary: 'Connection test: an empty round trip (HTTPS reachability and round-trip time).',
  tag: 'system',
  auth: 'person',
  response: Type.Object({ serverTime: Timestamp }),
  status: 200,
});

export const DownloadQuery = Type.Object(
  { bytes: Type.Integer({ minimum: 1, maximum: CONNECTION_TEST_LIMITS.maxBytes }) },
  { additionalProperties: false },
);

export const connectionDownload = defineMethod({
  id: 'connectionTest.download',
  verb: 'GET',
  path: '/api/connection-test/download',
  summary: 'Connection test: `bytes` random bytes (application/octet-stream, not cached), to time a download.',
  tag: 'system',
  auth: 'person',
  query: DownloadQuery,
  response: null,
  status: 200,
});

export const connectionUpload = defineMethod({
  id: 'connectionTest.upload',
  verb: 'POST',
  path: '/api/connection-test/upload',
  summary: 'Connection test: the raw body (application/octet-stream, at most maxBytes) is read and dropped; answers how many bytes arrived.',
  tag: 'system',
  auth: 'person',
  response: Type.Object({ bytes: Type.Integer() }),
  status: 200,
});

// --- Notices ---------------------------------------------------------------------------------

export const NOTICE_LIMITS = { titleChars: 200, textChars: 4000, maxDays: 90, listed: 200 } as const;

export const NoticeSeverity = Type.Union([Type.Literal('info'), Type.Literal('maintenance'), Type.Literal('incident')]);
export type NoticeSeverity = Static<typeof NoticeSeverity>;

export const Notice = Type.Object({
  id: Id,
  title: Type.String(),
  text: Type.String(),
  severity: NoticeSeverity,
  startsAt: Timestamp,
  endsAt: Timestamp,
  created: Timestamp,
  /** How many people of the org it was e-mailed to (those who opted in). */
  emailed: Type.Optional(Type.Integer()),
});
export type Notice = Static<typeof Notice>;

export const CreateNoticeBody = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: NOTICE_LIMITS.titleChars }),
    text: Type.String({ minLength: 1, maxLength: NOTICE_LIMITS.textChars }),
    severity: NoticeSeverity,
    startsAt: Timestamp,
    /** After `startsAt`, at most NOTICE_LIMITS.maxDays later. */
    endsAt: Timestamp,
  },
  { additionalProperties: false },
);

export const createNotice = defineMethod({
  id: 'notices.create',
  verb: 'POST',
  path: '/api/admin/notices',
  summary: 'Admin: publish a maintenance or incident notice to the org (a banner while active; e-mailed to those who opted in).',
  tag: 'admin',
  auth: 'admin',
  body: CreateNoticeBody,
  response: Notice,
  status: 200,
});

export const listNotices = defineMethod({
  id: 'notices.list',
  verb: 'GET',
  path: '/api/admin/notices',
  summary: 'Admin: the org’s notices, past, current and scheduled, newest start first (at most 200).',
  tag: 'admin',
  auth: 'admin',
  response: Type.Object({ items: Type.Array(Notice) }),
  status: 200,
});

export const withdrawNotice = defineMethod({
  id: 'notices.withdraw',
  verb: 'DELETE',
  path: '/api/admin/notices/:id',
  summary: 'Admin: withdraw a notice (it is no longer shown).',
  tag: 'admin',
  auth: 'admin',
  params: IdParams,
  response: null,
  status: 204,
});

export const activeNotices = defineMethod({
  id: 'notices.active',
  verb: 'GET',
  path: '/api/notices',
  summary: 'The notices of one’s org that are active now.',
  tag: 'system',
  auth: 'person',
  response: Type.Object({ items: Type.Array(Notice) }),
  status: 200,
});
