/**
 * `flint kms …`: the KMS on its own (another machine, or the customer's premises) and its audit log.
 * @module
 */
import { Command } from 'commander';
import { createKmsServer, grantKmsOfficer, issueKmsEnrollmentCode, listKmsIdps, listKmsOfficers, removeKmsIdp, setKmsIdp, loadKmsConfig, openKms, readKmsAudit, readKmsEnv, removeKmsOfficer, resetKmsCredentials, setKmsRetention, listKmsRetention, shredKmsKeys, type AuditEntry, type KmsConfig, type KmsPrincipal } from '@flint/kms';
import { loadConfig, readEnv } from '@flint/server';
import { openAdmin } from '@flint/server/admin';
import { connectKmsToCore } from './kms-connector.ts';
import { endProcess } from '../shutdown.ts';

interface Common {
  data?: string;
  databaseUrl?: string;
}

/** Where the KMS keeps its data: from the typed config, read once per command. */
function storage(config: KmsConfig): { dataDir: string; database: KmsConfig['database'] } {
  // The master key and the database it seals: folders 0700, files 0600.
  process.umask(0o077);
  return { dataDir: config.dataDir, database: config.database };
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
    const body = (await res.json()) as { active?: unknown; sub?: unknown; org_id?: unknown; username?: unknown };
    return body.active === true && typeof body.sub === 'string'
      ? { userId: body.sub, orgId: typeof body.org_id === 'string' ? body.org_id : '', email: typeof body.username === 'string' ? body.username : undefined }
      : undefined;
  };
}

/** Ends the process on SIGTERM or SIGINT, after `close`, and within 25 s whatever happens (shutdown.ts). */
function onShutdown(close: () => Promise<unknown>): void {
  let stopping = false;
  const stop = () => {
    if (stopping) return endProcess(1, { now: true });
    stopping = true;
    setTimeout(() => endProcess(1, { now: true }), 25_000).unref();
    close().then(
      () => endProcess(0),
      () => endProcess(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

function line(e: AuditEntry): string {
  const from = e.address === null ? '-' : `${e.address} (${e.addressSource ?? '?'})`;
  return [e.at.toISOString(), e.action, e.status, e.userId ?? '-', e.target ?? '-', e.detail ?? '', `client=${e.clientId ?? '-'}`, `device=${e.credentialId ?? '-'}`, `from=${from}`, `request=${e.requestId ?? '-'}`].join('\t');
}

export function kmsCommand(): Command {
  const kms = new Command('kms').description('the Key Management Server (security realm)');
  kms.option('--data <dir>', 'KMS data folder: SQLite file and master key (FLINT_KMS_DATA_DIR, default <FLINT_DATA_DIR>-kms, i.e. ./data-kms)');
  kms.option('--database-url <url>', 'the KMS’s own database: sqlite:<file> or postgres://… (FLINT_KMS_DATABASE_URL)');
  // Read once, when a subcommand runs (the parent's flags are parsed by then).
  const config = () => loadKmsConfig(readKmsEnv(), kms.opts<Common>());

  kms
    .command('serve')
    .description('serve the KMS alone on its own listener')
    .option('--port <port>', 'port (default 8443)', '8443')
    .option('--host <host>', 'address (default 127.0.0.1)', '127.0.0.1')
    .requiredOption('--cluster <uri>', 'kms://<host>: the cluster URI and certificate name')
    .requiredOption('--core-url <url>', 'the core that vouches for bearer tokens')
    .action(async (o: { port: string; host: string; cluster: string; coreUrl: string }) => {
      const settings = config();
      const server = await createKmsServer({ ...storage(settings), ...settings.policy, kmsCluster: o.cluster, verifyBearer: verifyThroughCore(o.coreUrl), host: o.host, port: Number(o.port) });
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
      const settings = config();
      const secret = settings.linkSecret;
      if (secret === undefined) {
        process.stderr.write('flint: FLINT_KMS_LINK_SECRET: set it (at least 32 characters), the same as on the core\n');
        process.exit(2);
      }
      const instance = await openKms({ ...storage(settings), ...settings.policy, kmsCluster: o.cluster, verifyBearer: verifyThroughCore(o.coreUrl) });
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
      const removed = await resetKmsCredentials(storage(config()), userId);
      process.stdout.write(`${removed} credential(s) of ${userId} removed; the next device to use the KMS as this person enrolls.\n`);
    });

  kms
    .command('enroll-code')
    .description('a one-time code (good for 7 days) with which the person’s next device enrolls: hand it to them yourself, out of band (FLINT_KMS_FIRST_DEVICE=approval, or a lost recovery key)')
    .argument('<userId>', 'the person’s id')
    .action(async (userId: string) => {
      const code = await issueKmsEnrollmentCode(storage(config()), userId);
      process.stdout.write(`${code.replace(/(.{4})(?=.)/g, '$1-')}\n`);
    });

  // The org's own identity provider, trusted by the security realm (issue 18): set here, in the
  // KMS's own database, never through the core.
  const idp = kms.command('idp').description('require, for the key requests of an organization’s people, proof from its OpenID Connect provider');
  idp
    .command('set')
    .description('require the provider’s proof (its discovery document is read first); takes effect at the next handshake')
    .requiredOption('--org <orgId>', 'the organization’s id')
    .requiredOption('--issuer <url>', 'the provider’s issuer (https)')
    .requiredOption('--client-id <id>', 'Flint’s client id at the provider (the ID tokens’ audience)')
    .action(async (o: { org: string; issuer: string; clientId: string }) => {
      const settings = config();
      const trust = await setKmsIdp({ ...storage(settings), idpAllowLoopbackHttp: settings.policy.idpAllowLoopbackHttp }, { orgId: o.org, issuer: o.issuer, clientId: o.clientId });
      process.stdout.write(`The KMS now requires proof from ${trust.issuer} (client ${trust.clientId}) for the people of ${trust.orgId}.\n`);
    });
  idp
    .command('remove')
    .description('stop requiring the provider’s proof for an organization')
    .requiredOption('--org <orgId>', 'the organization’s id')
    .action(async (o: { org: string }) => {
      const removed = await removeKmsIdp(storage(config()), o.org);
      process.stdout.write(removed ? `The KMS no longer requires a provider’s proof for ${o.org}.\n` : `The KMS required no provider’s proof for ${o.org}.\n`);
      if (!removed) process.exitCode = 1;
    });
  idp
    .command('list')
    .description('the organizations whose provider the KMS requires')
    .action(async () => {
      for (const t of await listKmsIdps(storage(config()))) process.stdout.write(`${[t.orgId, t.issuer, t.clientId, t.setAt].join('\t')}\n`);
    });

  // Compliance officers (SPEC CP-1) are the security realm's decision: granted here, in the KMS's own
  // database, never through the core. The address is resolved to a person id once, now, from the
  // core's database (as `flint admin` reads it), and the grant is kept by that id.
  const officers = kms.command('officers').description('compliance officers: who may read every key of an organization (eDiscovery, retention, the clear-text feed)');
  const identify = async (email: string, o: { org: string; coreData?: string }) => {
    const admin = await openAdmin(loadConfig(readEnv(), { data: o.coreData }));
    try {
      return await admin.identify(email, o.org);
    } finally {
      await admin.close();
    }
  };
  officers
    .command('add')
    .description('grant the compliance officer role for an organization (takes effect at once, no restart)')
    .argument('<email>', 'the person’s address')
    .requiredOption('--org <org>', 'the organization: one of its domains, its name or id')
    .option('--core-data <dir>', 'the core’s data folder, to find who the address is (FLINT_DATA_DIR; FLINT_DATABASE_URL when on PostgreSQL)')
    .action(async (email: string, o: { org: string; coreData?: string }) => {
      const who = await identify(email, o);
      const added = await grantKmsOfficer(storage(config()), { orgId: who.orgId, userId: who.personId, label: who.email });
      process.stdout.write(`${who.displayName} <${who.email}> (${who.personId}) ${added ? 'is now' : 'already was'} a compliance officer of ${who.orgName} (${who.orgId}).\n`);
    });
  officers
    .command('remove')
    .description('take the compliance officer role away (takes effect at once)')
    .argument('<email>', 'the person’s address')
    .requiredOption('--org <org>', 'the organization: one of its domains, its name or id')
    .option('--core-data <dir>', 'the core’s data folder (FLINT_DATA_DIR)')
    .action(async (email: string, o: { org: string; coreData?: string }) => {
      const who = await identify(email, o);
      const removed = await removeKmsOfficer(storage(config()), { orgId: who.orgId, userId: who.personId });
      process.stdout.write(removed ? `${who.email} is no longer a compliance officer of ${who.orgName}.\n` : `${who.email} was not a compliance officer of ${who.orgName}.\n`);
      if (!removed) process.exitCode = 1;
    });
  officers
    .command('list')
    .description('list the compliance officers the KMS holds')
    .option('--json', 'one JSON object per line')
    .action(async (o: { json?: boolean }) => {
      for (const officer of await listKmsOfficers(storage(config()))) {
        process.stdout.write(o.json === true ? `${JSON.stringify(officer)}\n` : `${[officer.orgId, officer.userId, officer.label, officer.grantedBy, officer.grantedAt.toISOString()].join('\t')}\n`);
      }
    });

  // Crypto-shredding (SPEC CP-4): the KMS's own retention rule, the security realm's decision like
  // the officers above; the core cannot set it, so it cannot make the KMS delete keys of live content.
  const retention = kms.command('retention').description('crypto-shredding: after how many days the KMS deletes the keys of a space’s past key epochs (packages/kms/src/retention.ts)');
  const findOrg = async (org: string, coreData?: string) => {
    const admin = await openAdmin(loadConfig(readEnv(), { data: coreData }));
    try {
      return await admin.findOrg(org);
    } finally {
      await admin.close();
    }
  };
  retention
    .command('set')
    .description('set an organization’s rule: keys whose epoch ended more than DAYS days (plus a day’s grace) ago are deleted, unless a legal hold covers them; "forever" removes the rule')
    .argument('<days>', 'days (1 … 36500), or "forever"')
    .requiredOption('--org <org>', 'the organization: one of its domains, its name or id')
    .option('--core-data <dir>', 'the core’s data folder, to find the organization (FLINT_DATA_DIR; FLINT_DATABASE_URL when on PostgreSQL)')
    .action(async (days: string, o: { org: string; coreData?: string }) => {
      const messageDays = days === 'forever' ? null : /^\d{1,5}$/.test(days) ? Number(days) : Number.NaN;
      if (messageDays !== null && (!Number.isInteger(messageDays) || messageDays < 1 || messageDays > 36_500)) {
        process.stderr.write('flint: days must be an integer from 1 to 36500, or "forever"\n');
        process.exit(2);
      }
      const org = await findOrg(o.org, o.coreData);
      await setKmsRetention(storage(config()), { orgId: org.orgId, messageDays });
      process.stdout.write(messageDays === null ? `The KMS keeps every key of ${org.orgName} (${org.orgId}).\n` : `The KMS deletes keys of ${org.orgName} (${org.orgId}) whose epoch ended more than ${messageDays} days ago.\n`);
    });
  retention
    .command('list')
    .description('list the organizations with a rule')
    .action(async () => {
      for (const r of await listKmsRetention(storage(config()))) process.stdout.write(`${r.orgId}\t${r.messageDays}\t${r.setAt.toISOString()}\n`);
    });
  retention
    .command('shred')
    .description('run the KMS’s retention job now (every KMS node also runs it hourly)')
    .action(async () => {
      const result = await shredKmsKeys(storage(config()));
      process.stdout.write(`${result.shredded.length} key(s) deleted.\n`);
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
      const entries = await readKmsAudit(storage(config()), {
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
