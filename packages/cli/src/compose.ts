/**
 * The composition root for one process: the core, and the KMS beside it on the same listener,
 * linked the way two separate services would be — the core forwards opaque KMS messages through a
 * link, the KMS asks the core who a bearer token belongs to. The Webex-compatible gateway is
 * mounted on the same listener too, and reaches the core as any client would: over loopback to
 * that listener, with each caller's own token (and the in-process KMS directly, when there is one).
 * Used by `flint serve` and the testkit.
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { OutboundKmsLink, addressAllowed, createLogger, createServer, httpKmsLink, type FlintConfig, type FlintServer, type ServerOptions } from '@flint/server';
import { mountKms, openKms, type KmsPolicySettings } from '@flint/kms';
import { gatewayPlugin, loopbackCoreAccess, type GatewayOptions } from '@flint/gateway';
import type { KmsTransport } from '@flint/sdk';
import { startJanus } from './janus-process.ts';
import { prepareKamailio } from './kamailio-process.ts';
import { startRtpengine } from './rtpengine-process.ts';

export interface ComposeOptions extends Omit<ServerOptions, 'kmsLink'> {
  /** Defaults to kms://<public host>. */
  kmsCluster?: string;
  /** Gateway settings beyond how it reaches the core (tests let `files: [url]` reach loopback). */
  gateway?: Omit<GatewayOptions, 'core'>;
  /** The in-process KMS's own policy (FLINT_KMS_FIRST_DEVICE…), read by the KMS's config module, not the core's. */
  kmsPolicy?: KmsPolicySettings;
}

/** The gateway on this process's listener, reaching the core over loopback once it listens. */
function mountGateway(config: FlintConfig, options: ComposeOptions, app: () => FastifyInstance | undefined, kmsTransport?: KmsTransport): (scope: FastifyInstance) => Promise<void> {
  const core = loopbackCoreAccess({ address: () => app()?.server.address() ?? null, tlsCert: config.tls?.cert, kmsTransport });
  // `files: [url]` follows the same address policy as webhooks (FLINT_WEBHOOK_TARGETS/_ALLOW).
  return gatewayPlugin({ fileUrlAddressAllowed: (address, hostname) => addressAllowed(config.webhooks.targets, address, hostname), ...options.gateway, core });
}

export async function composeFlint(config: FlintConfig, options: ComposeOptions = {}): Promise<FlintServer> {
  const logger = options.logger ?? createLogger(config.logLevel, options.logDestination);
  // Janus starts beside the core, not before it: the core (storage, KMS, routes) answers as soon as
  // it is up, and meetings are refused as `starting` until Janus answers (docs/startup.md). Its start
  // ends in undefined when Janus is off, missing or broken (logged; meetings then stay unavailable).
  const janus = startJanus(config, logger).catch((error: unknown) => {
    logger.error({ err: error }, 'meetings are unavailable: Janus could not be started');
    return undefined;
  });
  const media = config.meetings.janus === 'off' ? undefined : janus.then((started) => started?.media);
  const kamailio = prepareKamailio(config, logger);
  // The media relay for browsers on phone calls: with the SIP engine only (it relays SIP legs).
  const rtpengine = kamailio === undefined ? undefined : await startRtpengine(config, logger).catch((error: unknown) => {
    logger.error({ err: error }, 'the media relay (rtpengine) did not start');
    return undefined;
  });
  try {
    const server = await composeServer(config, { ...options, logger, ...(media !== undefined ? { media } : {}), ...(kamailio !== undefined ? { sip: kamailio.engine } : {}), ...(rtpengine !== undefined ? { rtpRelay: rtpengine.relay } : {}) });
    // The SIP engine starts once the core listens: it asks the core on every REGISTER and INVITE.
    if (kamailio !== undefined) {
      const listenCore = server.listen.bind(server);
      server.listen = async () => {
        const url = await listenCore();
        const address = server.app.server.address();
        const port = typeof address === 'object' && address !== null ? address.port : config.port;
        const host = ['0.0.0.0', '::', 'localhost'].includes(config.host) ? '127.0.0.1' : config.host;
        // Flint serves without it if it cannot start (the status page shows the SIP engine down).
        await kamailio.start(`${config.tls !== undefined ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`, server.core.sipAgent?.port).catch((error: unknown) => logger.error({ err: error }, 'the SIP engine (Kamailio) did not start'));
        return url;
      };
    }
    // The media server and the SIP engine go after the core (whose close ends its Janus session); a
    // Janus start still under way is waited for, so its process is stopped rather than left behind.
    const closeCore = server.close.bind(server);
    let closed: Promise<void> | undefined;
    const close = () => (closed ??= closeCore().finally(async () => Promise.all([(await janus)?.stop(), kamailio?.stop(), rtpengine?.stop()])).then(() => undefined));
    server.close = close;
    server[Symbol.asyncDispose] = close;
    return server;
  } catch (error) {
    await (await janus)?.stop();
    await rtpengine?.stop();
    throw error;
  }
}

async function composeServer(config: FlintConfig, options: ComposeOptions): Promise<FlintServer> {
  let server: FlintServer | undefined;
  const app = () => server?.app;
  // A KMS on other machines (the customer's premises): the core only relays to it over HTTP.
  if (config.kmsUrl !== undefined) {
    server = await createServer(config, { ...options, plugins: [mountGateway(config, options, app), ...(options.plugins ?? [])], kmsLink: httpKmsLink(config.kmsUrl) });
    return server;
  }
  // A KMS behind the customer's firewall that connects out to the core.
  if (config.kmsLinkSecret !== undefined) {
    server = await createServer(config, { ...options, plugins: [mountGateway(config, options, app), ...(options.plugins ?? [])], kmsLink: new OutboundKmsLink(config.kmsLinkSecret) });
    return server;
  }
  // Bound late: the KMS only asks after the server exists (it verifies tokens per request).
  const kms = await openKms({
    dataDir: config.kmsDataDir,
    kmsCluster: options.kmsCluster ?? `kms://${new URL(config.publicUrl).hostname}`,
    ...options.kmsPolicy,
    verifyBearer: (token) => (server ? server.verifyBearer(token) : Promise.resolve(undefined)),
  });
  try {
    server = await createServer(config, {
      ...options,
      plugins: [mountKms(kms), mountGateway(config, options, app, (messages) => kms.handle(messages)), ...(options.plugins ?? [])],
      kmsLink: { info: () => Promise.resolve(kms.info()), send: (messages, address) => kms.handle(messages, address !== undefined ? { address, source: 'core-reported' } : undefined) },
    });
  } catch (error) {
    await kms.close();
    throw error;
  }
  return server;
}
