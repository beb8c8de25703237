/**
 * `flint gateway serve`: the Webex-compatible `/v1` API on its own listener, in front of a core
 * elsewhere (under `flint serve` it already runs on the core's listener).
 * @module
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { createGatewayServer } from '@flint/gateway';
import { EMPTY_ALLOW_LIST, addressAllowed } from '@flint/server';

export function gatewayCommand(): Command {
  const gateway = new Command('gateway').description('the Webex-compatible /v1 API for bots and Webex SDKs (security realm)');
  gateway
    .command('serve')
    .description('serve /v1 on its own listener, acting for each caller against the core at --core-url')
    .requiredOption('--core-url <url>', 'the core (its native API, event stream and KMS relay)')
    .option('--port <port>', 'port (default 8090)', '8090')
    .option('--host <host>', 'address (default 127.0.0.1)', '127.0.0.1')
    .option('--tls-cert <file>', 'PEM certificate: serve HTTPS')
    .option('--tls-key <file>', 'PEM private key')
    .option('--trust-proxy', 'trust X-Forwarded-* (behind a reverse proxy)')
    .option('--allow-private-file-urls', 'let files: [url] fetch from loopback and private addresses (intranet installs)')
    .action(async (o: { coreUrl: string; port: string; host: string; tlsCert?: string; tlsKey?: string; trustProxy?: boolean; allowPrivateFileUrls?: boolean }) => {
      if ((o.tlsCert === undefined) !== (o.tlsKey === undefined)) {
        process.stderr.write('flint: --tls-cert and --tls-key go together\n');
        process.exit(2);
      }
      const server = await createGatewayServer({
        coreUrl: o.coreUrl,
        host: o.host,
        port: Number(o.port),
        trustProxy: o.trustProxy === true,
        allowPrivateFileUrls: o.allowPrivateFileUrls === true,
        // Public addresses only, judged as the core judges webhook targets (IPv6 forms included).
        fileUrlAddressAllowed: (address, hostname) => addressAllowed({ mode: 'public', allow: EMPTY_ALLOW_LIST }, address, hostname),
        ...(o.tlsCert !== undefined && o.tlsKey !== undefined ? { tls: { cert: readFileSync(o.tlsCert, 'utf8'), key: readFileSync(o.tlsKey, 'utf8') } } : {}),
      });
      const url = await server.listen();
      process.stdout.write(`Flint gateway listening on ${url} (core: ${o.coreUrl})\n`);
      const stop = () => void server.close().then(() => process.exit(0));
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    });
  return gateway;
}
