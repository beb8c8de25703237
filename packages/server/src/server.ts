/**
 * The core's composition root: opens storage, runs migrations, wires the services and the HTTP app.
 * `createServer` returns a handle whose `close()` finishes in-flight requests before releasing
 * the database, so SIGTERM never cuts an answer short.
 * @module
 */
import type { FastifyInstance } from 'fastify';
import type { DestinationStream } from 'pino';
import type { FlintConfig } from './config/config.ts';
import type { Core } from './core.ts';
import { LocalBlobStore } from './blobs/local-blob-store.ts';
import { migrate, openDatabase } from './db/database.ts';
import { buildApp, type AppOptions } from './http/app.ts';
import { createPasswordHasher } from './identity/passwords.ts';
import { kmsPrincipalOf } from './identity/sessions.ts';
import { createLogger, type Logger } from './infra/logger.ts';
import { createMailer } from './infra/mailer.ts';
import { createMetrics } from './infra/metrics.ts';
import { MemoryRateLimiter, RedisRateLimiter, type RateLimiter } from './infra/rate-limiter.ts';
import { InProcessBus, RedisBus, type EventBus } from './events/event-bus.ts';
import { StreamPositions } from './events/positions.ts';
import { EventService } from './events/event-service.ts';
import { AuthCache } from './identity/auth-cache.ts';
import { EventHub } from './events/hub.ts';
import { pruneEvents } from './events/retention.ts';
import { JobRunner } from './jobs/job-runner.ts';
import { pruneFailedJobs } from './jobs/job-queue.ts';
import { sweepStaleUploads } from './files/cleanup.ts';
import { WebhookRegistry } from './webhooks/registry.ts';
import { WEBHOOK_QUEUE, webhookDispatcher } from './webhooks/dispatch.ts';
import { WebhookDeliverer } from './webhooks/delivery.ts';
import { cleartextWarning } from './http/transport.ts';
import { DELIVERY_RETENTION_MS, PUSH_QUEUE, PushNotifier, notificationDispatcher, prunePushDeliveries } from './notifications/dispatch.ts';
import { PushSender } from './notifications/push.ts';
import { DIGEST_QUEUE, DigestMailer, scanDigests } from './notifications/digest.ts';
import { RETENTION_QUEUE, retentionJobHandler, scheduleRetention } from './retention/retention-job.ts';
import { participantHungUp } from './meetings/meetings.ts';
import { RING_TIMEOUT_QUEUE } from './calls/calls.ts';
import { ringTimeoutHandler } from './calls/ring-timeout.ts';
import type { MeetingMedia } from './meetings/media.ts';
import type { SipEngine } from './telephony/sip-engine.ts';
import { SipUserAgent } from './telephony/sip-user-agent.ts';
import type { RtpRelay } from './telephony/rtp-relay.ts';

/** Failed jobs are kept this long for an operator to look at, then pruned. */
const FAILED_JOB_RETENTION_MS = 7 * 86_400_000;

export interface ServerOptions extends AppOptions {
  /**
   * The media server for meetings (the composition root starts Janus), or its start still under
   * way: the core does not wait for it (it starts in parallel, docs/startup.md); meetings are
   * refused until it settles. Closed with the server.
   */
  media?: MeetingMedia | Promise<MeetingMedia | undefined>;
  /** The SIP engine (the composition root starts Kamailio after the core listens); SPEC CL-6. */
  sip?: SipEngine;
  /** rtpengine, when the composition runs it (telephony/rtp-relay.ts). */
  rtpRelay?: RtpRelay;
  /** Where log lines go (stdout by default); tests capture them to check they hold no secrets. */
  logDestination?: DestinationStream;
  logger?: Logger;
}

export interface FlintServer extends AsyncDisposable {
  app: FastifyInstance;
  core: Core;
  /** Who a spark:kms token belongs to, for the KMS (its `verifyBearer`); undefined if it is not a valid KMS token. */
  verifyBearer(token: string): Promise<{ userId: string; orgId: string; email?: string | undefined } | undefined>;
  /** Settles once the media server is attached or known to be unavailable (`core.mediaState`). */
  mediaSettled: Promise<void>;
  /** Starts listening; resolves to the URL it listens on. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

export async function openCore(config: FlintConfig, log: Logger): Promise<{ core: Core; dispose: () => Promise<void> }> {
  const opened = openDatabase(config.database);
  try {
    const applied = await migrate(opened.db);
    if (applied.length > 0) log.info({ migrations: applied, engine: opened.engine }, 'database migrated');
  } catch (error) {
    await opened.close();
    throw error;
  }
  let limiter: RateLimiter;
  let bus: EventBus;
  if (config.redisUrl !== undefined) {
    // Loaded here, when configured: a server without Redis (or S3, below) does not load its client at start-up.
    const { Redis } = await import('ioredis');
    const redis = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
    // Reconnection is ioredis's job; an unhandled 'error' event would otherwise crash the process.
    redis.on('error', (error: Error) => log.warn({ err: error.message }, 'redis connection error'));
    await redis.connect();
    limiter = new RedisRateLimiter(redis, `${config.redisPrefix}rl:`);
    bus = await RedisBus.connect(config.redisUrl, config.redisPrefix);
  } else {
    limiter = new MemoryRateLimiter();
    bus = new InProcessBus();
  }
  const now = Date.now;
  const positions = new StreamPositions(opened.db, opened.engine);
  const hub = new EventHub(bus, opened.db, positions, log, now);
  const events = new EventService(opened.db, positions, bus, hub, log, now, { ...config.groupCommit, concurrency: opened.engine === 'sqlite' ? 1 : 4 });
  // Created here, started by createServer: `flint admin` opens a core too, and must not deliver.
  const metrics = createMetrics();
  const jobs = new JobRunner(opened.db, opened.engine, log, { ...config.jobs, observe: (queue, outcome) => metrics.jobs.inc({ queue, outcome }) }, now);
  const webhooks = new WebhookRegistry(opened.db, log);
  const blobs = config.s3 !== undefined ? new (await import('./blobs/s3-blob-store.ts')).S3BlobStore(config.s3) : new LocalBlobStore(config.blobsDir);
  const core: Core = {
    config,
    db: opened.db,
    engine: opened.engine,
    log,
    blobs,
    mailer: createMailer(config.mail, (file) => log.info({ file, outboxDir: config.mail.outboxDir }, 'mail written to the outbox (FLINT_SMTP_URL is not set)')),
    limiter,
    metrics,
    passwords: createPasswordHasher(config.argon2),
    events,
    authCache: new AuthCache(config.auth.cacheMs, now),
    jobs,
    webhooks,
    media: undefined,
    mediaState: 'unavailable',
    sip: undefined,
    sipAgent: undefined,
    rtpRelay: undefined,
    now,
  };
  events.addHook(webhookDispatcher({ registry: webhooks, attempts: config.webhooks.attempts, now, enqueued: () => jobs.nudge() }));
  const deliverer = new WebhookDeliverer(core, webhooks);
  jobs.register(WEBHOOK_QUEUE, deliverer);
  // Notifications (SPEC MS-5): pushes of ids to devices, e-mail digests; both durable jobs.
  events.addHook(notificationDispatcher({ now, enqueued: () => jobs.nudge() }));
  const pushSender = new PushSender(core);
  jobs.register(PUSH_QUEUE, new PushNotifier(core, pushSender));
  jobs.register(DIGEST_QUEUE, new DigestMailer(core));
  jobs.register(RETENTION_QUEUE, retentionJobHandler(core));
  jobs.register(RING_TIMEOUT_QUEUE, ringTimeoutHandler(core));
  try {
    await webhooks.load();
  } catch (error) {
    await bus.close();
    await limiter.close();
    await opened.close();
    throw error;
  }
  return {
    core,
    dispose: async () => {
      webhooks.close();
      // Before the database closes: deliveries in flight are aborted and their jobs given back.
      await jobs.close();
      deliverer.close();
      pushSender.close();
      hub.close();
      await bus.close();
      await limiter.close();
      await opened.close();
    },
  };
}

export async function createServer(config: FlintConfig, options: ServerOptions = {}): Promise<FlintServer> {
  const log = options.logger ?? createLogger(config.logLevel, options.logDestination);
  const { core, dispose } = await openCore(config, log);
  core.sip = options.sip;
  core.rtpRelay = options.rtpRelay;
  if (options.sip !== undefined) {
    // The engine hands it calls to auto attendants; it listens beside the engine, on its host.
    // Without it, phones and the trunk still work; auto attendants are then refused (488).
    core.sipAgent = await SipUserAgent.start(core, { host: config.sip.host, engine: { host: config.sip.host, port: config.sip.port }, secret: options.sip.secret, domain: options.sip.realm }).catch((error: unknown) => {
      log.error({ err: error }, 'the SIP user agent (auto attendants) did not start');
      return undefined;
    });
  }
  let closing = false;
  const attachMedia = (media: MeetingMedia | undefined) => {
    // A media server that finished starting after the core began closing is the composer's to stop.
    if (closing) return;
    if (media === undefined) {
      core.mediaState = 'unavailable';
      return;
    }
    core.media = media;
    core.mediaState = 'ready';
    media.onHangup((participantId) => void participantHungUp(core, participantId).catch((error: unknown) => log.warn({ err: error }, 'meeting hang-up not recorded')));
  };
  let mediaSettled = Promise.resolve();
  if (options.media instanceof Promise) {
    core.mediaState = 'starting';
    mediaSettled = options.media.then(attachMedia, (error: unknown) => {
      log.error({ err: error }, 'meetings are unavailable: the media server did not start');
      attachMedia(undefined);
    });
  } else {
    attachMedia(options.media);
  }
  let app: FastifyInstance;
  try {
    app = await buildApp(core, options);
    await app.ready();
  } catch (error) {
    await dispose();
    throw error;
  }
  // Hourly, any instance prunes the event log; doing it twice is harmless.
  const pruner = setInterval(() => {
    pruneEvents(core.db, core.now() - config.eventRetentionDays * 86_400_000).catch((error: unknown) => log.warn({ err: error }, 'event pruning failed'));
    pruneFailedJobs(core.db, core.now() - FAILED_JOB_RETENTION_MS).catch((error: unknown) => log.warn({ err: error }, 'job pruning failed'));
    sweepStaleUploads(core).catch((error: unknown) => log.warn({ err: error }, 'stale upload sweep failed'));
    prunePushDeliveries(core.db, core.now() - DELIVERY_RETENTION_MS).catch((error: unknown) => log.warn({ err: error }, 'push delivery pruning failed'));
    scheduleRetention(core).catch((error: unknown) => log.warn({ err: error }, 'retention scheduling failed'));
  }, 3_600_000);
  pruner.unref();
  // Every instance looks for due e-mail digests; a compare-and-set per person makes one job of each.
  let scanning = false;
  const digestScanner = setInterval(() => {
    if (scanning) return;
    scanning = true;
    scanDigests(core)
      .catch((error: unknown) => log.warn({ err: error }, 'digest scan failed'))
      .finally(() => (scanning = false));
  }, config.notifications.digest.scanMs);
  digestScanner.unref();
  // Every instance delivers: the jobs are claimed with leases, so none is delivered twice at once.
  core.webhooks.start();
  core.jobs.start();
  // A sweep at start too, so a restarted instance does not wait an hour (one waiting job at most).
  scheduleRetention(core).catch((error: unknown) => log.warn({ err: error }, 'retention scheduling failed'));
  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= (async () => {
      closing = true;
      clearInterval(pruner);
      clearInterval(digestScanner);
      await app.close();
      await core.sipAgent?.close();
      await core.media?.close();
      await dispose();
    })());
  return {
    app,
    core,
    mediaSettled,
    async verifyBearer(token) {
      // The KMS accepts only spark:kms tokens (RFC 8693 exchange), never the core's API tokens.
      return kmsPrincipalOf(core, token);
    },
    async listen() {
      const address = await app.listen({ port: config.port, host: config.host });
      const cleartext = cleartextWarning(config);
      if (cleartext !== undefined) log.warn({ host: config.host }, cleartext);
      return address;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
