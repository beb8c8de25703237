/**
 * The services every domain function receives: the one object threaded from the composition root
 * (server.ts) down, instead of module-level singletons. Domain functions take a `Core` and an
 * `Actor`, never an HTTP request.
 * @module
 */
import type { MediaState, MeetingMedia } from './meetings/media.ts';
import type { SipAgent, SipEngine } from './telephony/sip-engine.ts';
import type { RtpRelay } from './telephony/rtp-relay.ts';
import type { FlintConfig } from './config/config.ts';
import type { Db } from './db/database.ts';
import type { BlobStore } from './blobs/blob-store.ts';
import type { Logger } from './infra/logger.ts';
import type { Mailer } from './infra/mailer.ts';
import type { Metrics } from './infra/metrics.ts';
import type { RateLimiter } from './infra/rate-limiter.ts';
import type { PasswordHasher } from './identity/passwords.ts';
import type { EventService } from './events/event-service.ts';
import type { AuthCache } from './identity/auth-cache.ts';
import type { JobRunner } from './jobs/job-runner.ts';
import type { WebhookRegistry } from './webhooks/registry.ts';

export interface Core {
  config: FlintConfig;
  db: Db;
  engine: 'sqlite' | 'postgres';
  log: Logger;
  blobs: BlobStore;
  mailer: Mailer;
  limiter: RateLimiter;
  metrics: Metrics;
  passwords: PasswordHasher;
  /** Transactions that emit events, the bus, and this instance's connections. */
  events: EventService;
  /** Verified bearer tokens for a few seconds (identity/auth-cache.ts). */
  authCache: AuthCache;
  /** Durable background jobs: this instance's runner (domain code enqueues in its transactions). */
  jobs: JobRunner;
  /** This instance's copy of the active webhooks. */
  webhooks: WebhookRegistry;
  /** The media server meetings run on (Janus, started by `flint serve`); undefined: meetings are refused. */
  media: MeetingMedia | undefined;
  /**
   * Where the media server stands: `starting` while it starts beside the core (the core answers
   * meanwhile; meetings are refused until it is `ready`), `unavailable` when there is none. `/health` reports it.
   */
  mediaState: MediaState;
  /** The SIP engine (Kamailio, started by `flint serve`); undefined: no SIP phones (SPEC CL-6). */
  sip: SipEngine | undefined;
  /** The core's SIP user agent for auto attendants (started with the SIP engine). */
  sipAgent: SipAgent | undefined;
  /** The media relay between WebRTC and plain RTP (rtpengine), when it runs. */
  rtpRelay: RtpRelay | undefined;
  now(): number;
}

/** The authenticated principal of a request (its own module, so the auth cache need not import this one). */
export type { Actor, ActorOrigin } from './identity/actor.ts';

/** Where a request came from, recorded on sessions (SPEC ID-8). */
export interface ClientInfo {
  ip: string | undefined;
  userAgent: string | undefined;
  clientVersion: string | undefined;
}
