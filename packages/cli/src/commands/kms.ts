/**
 * `flint kms …`: the KMS on its own (another machine, or the customer's premises) and its audit log.
 * @module
 */
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { createKmsServer, databaseConfigFromUrl, openKms, readKmsAudit, resetKmsCredentials, type AuditEntry, type KmsPrincipal } from '@flint/kms';
import { connectKmsToCore } from './kms-connector.ts';

interface Common {
  data?: string;
  databaseUrl?: string;
}

function storage(o: Common): { dataDir: string; database: ReturnType<typeof databaseConfigFromUrl> | undefined } {
  const dataDir = resolve(o.data ?? process.env['FLINT_KMS_DATA_DIR'] ?? join(process.env['FLINT_DATA_DIR'] ?? './data', 'kms'));
  const url = o.databaseUrl ?? process.env['FLINT_KMS_DATABASE_URL'];
  return { dataDir, database: url === undefined ? undefined : databaseConfigFromUrl(url) };
}

/**
 * Asks the core whether a bearer is a live spark:kms token (RFC 7662 introspection). API tokens
 * introspect as inactive, so the KMS accepts only tokens exchanged for its scope.
 */
function verifyThroughCore(coreUrl: string): (token: string) => Promise<KmsPrincipal | undefined> {
  return async (token) => {
    const res = await fetch(`${coreUrl.replace(/\/+$/, '')}/api/auth/introspect`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
    });
    if (!res.ok) return undefined;
    const body = (await res.json()) as { active?: unknown; sub?: unknown; org_id?: unknown };
    return body.active === true && typeof body.sub === 'string' ? { userId: body.sub, orgId: typeof body.org_id === 'string' ? body.org_id : '' } : undefined;
  };
}

/** Ends the process cleanly on SIGTERM or SIGINT, after `close`. */
function onShutdown(close: () => Promise<unknown>): void {
  const stop = () => void close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

function line(e: AuditEntry): string {
  const from = e.address === null ? '-' : `${e.address} (${e.addressSource ?? '?'})`;
  return [e.at.toISOString(), e.action, e.status, e.userId ?? '-', e.target ?? '-', e.detail ?? '', `client=${e.clientId ?? '-'}`, `device=${e.credentialId ?? '-'}`, `from=${from}`, `request=${e.requestId ?? '-'}`].join('\t');
}

export function kmsCommand(): Command {
  const kms = new Command('kms').description('the Key Management Server (security realm)');
  kms.option('--data <dir>', 'KMS data folder: SQLite file and master key (FLINT_KMS_DATA_DIR, default <FLINT_DATA_DIR>/kms)');
  kms.option('--database-url <url>', 'the KMS’s own database: sqlite:<file> or postgres://… (FLINT_KMS_DATABASE_URL)');
  const common = () => kms.opts<Common>();

  kms
    .command('serve')
    .description('serve the KMS alone on its own listener')
    .option('--port <port>', 'port (default 8443)', '8443')
    .option('--host <host>', 'address (default 127.0.0.1)', '127.0.0.1')
    .requiredOption('--cluster <uri>', 'kms://<host>: the cluster URI and certificate name')
    .requiredOption('--core-url <url>', 'the core that vouches for bearer tokens')
    .action(async (o: { port: string; host: string; cluster: string; coreUrl: string }) => {
      const server = await createKmsServer({ ...storage(common()), kmsCluster: o.cluster, verifyBearer: verifyThroughCore(o.coreUrl), host: o.host, port: Number(o.port) });
      const url = await server.listen();
      process.stdout.write(`Flint KMS ${o.cluster} listening on ${url}\n`);
      onShutdown(() => server.close());
    });

  kms
    .command('connect')
    .description('run the KMS behind a firewall: connect out to the core (FLINT_KMS_LINK_SECRET must match the core’s)')
    .requiredOption('--cluster <uri>', 'kms://<host>: the cluster URI and certificate name')
    .requiredOption('--core-url <url>', 'the core to connect to (and that vouches for bearer tokens)')
    .action(async (o: { cluster: string; coreUrl: string }) => {
      const secret = process.env['FLINT_KMS_LINK_SECRET'];
      if (secret === undefined || secret.length < 32) {
        process.stderr.write('flint: FLINT_KMS_LINK_SECRET: set it (at least 32 characters), the same as on the core\n');
        process.exit(2);
      }
      const instance = await openKms({ ...storage(common()), kmsCluster: o.cluster, verifyBearer: verifyThroughCore(o.coreUrl) });
      const connector = connectKmsToCore(instance, { coreUrl: o.coreUrl, secret, log: (line) => process.stdout.write(`Flint KMS ${o.cluster}: ${line}\n`) });
      onShutdown(() => {
        connector.close();
        return instance.close();
      });
    });

  kms
    .command('reset-credentials')
    .description('forget a person’s KMS device credentials (lost every device and the password): their next device enrolls as on first use — check who asks first')
    .argument('<userId>', 'the person’s id')
    .action(async (userId: string) => {
      const removed = await resetKmsCredentials(storage(common()), userId);
      process.stdout.write(`${removed} credential(s) of ${userId} removed; the next device to use the KMS as this person enrolls.\n`);
    });

  kms
    .command('audit')
    .description('read the append-only audit log (every key access and authorization change)')
    .option('--user <id>', 'only this principal')
    .option('--target <uri>', 'only this key, resource or authorization URI')
    .option('--action <action>', 'only this action (e.g. key.retrieve, authorization.delete)')
    .option('--since <date>', 'from this date (RFC 3339)')
    .option('--limit <n>', 'at most this many entries, newest last', '1000')
    .option('--json', 'one JSON object per line')
    .action(async (o: { user?: string; target?: string; action?: string; since?: string; limit: string; json?: boolean }) => {
      const entries = await readKmsAudit(storage(common()), {
        userId: o.user,
        target: o.target,
        action: o.action,
        since: o.since === undefined ? undefined : new Date(o.since),
        limit: Number(o.limit),
      });
      for (const e of entries) process.stdout.write(o.json === true ? `${JSON.stringify(e)}\n` : `${line(e)}\n`);
    });
  return kms;
}
