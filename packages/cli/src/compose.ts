/**
 * The composition root for one process: the core, and the KMS beside it on the same listener,
 * linked the way two separate services would be — the core forwards opaque KMS messages through a
 * link, the KMS asks the core who a bearer token belongs to. Used by `flint serve` and the testkit.
 * @module
 */
import { join } from 'node:path';
import { OutboundKmsLink, createServer, httpKmsLink, type FlintConfig, type FlintServer, type ServerOptions } from '@flint/server';
import { mountKms, openKms } from '@flint/kms';

export interface ComposeOptions extends Omit<ServerOptions, 'kmsLink'> {
  /** Defaults to kms://<public host>. */
  kmsCluster?: string;
}

export async function composeFlint(config: FlintConfig, options: ComposeOptions = {}): Promise<FlintServer> {
  // A KMS on other machines (the customer's premises): the core only relays to it over HTTP.
  if (config.kmsUrl !== undefined) return createServer(config, { ...options, kmsLink: httpKmsLink(config.kmsUrl) });
  // A KMS behind the customer's firewall that connects out to the core.
  if (config.kmsLinkSecret !== undefined) return createServer(config, { ...options, kmsLink: new OutboundKmsLink(config.kmsLinkSecret) });
  // Bound late: the KMS only asks after the server exists (it verifies tokens per request).
  let server: FlintServer | undefined;
  const kms = await openKms({
    dataDir: join(config.dataDir, 'kms'),
    kmsCluster: options.kmsCluster ?? `kms://${new URL(config.publicUrl).hostname}`,
    verifyBearer: (token) => (server ? server.verifyBearer(token) : Promise.resolve(undefined)),
  });
  try {
    server = await createServer(config, {
      ...options,
      plugins: [mountKms(kms), ...(options.plugins ?? [])],
      kmsLink: { info: () => Promise.resolve(kms.info()), send: (messages) => kms.handle(messages) },
    });
  } catch (error) {
    await kms.close();
    throw error;
  }
  return server;
}
