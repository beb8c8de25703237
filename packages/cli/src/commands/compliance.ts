/**
 * `flint compliance export`: an org's eDiscovery export (SPEC CP-2), run by a compliance officer from
 * any machine against a Flint URL. It signs in as the officer (password on stdin, or a token in a
 * file) and reads everything through the SDK session, so the officer's own KMS device opens the
 * content and the KMS audits every key it gives; the server decrypts nothing. A progress bar on
 * stderr; an interrupted export resumes when run again with the same arguments
 * (compliance/export.ts).
 * @module
 */
import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { SingleBar } from 'cli-progress';
import WebSocket from 'ws';
import { createSession, newDeviceSecret, passwordCredential, tokenDeviceSecret, type Session, type WebSocketConstructor } from '@flint/sdk';
import { ExportError, runExport, type ExportFilters, type ExportProgress } from '../compliance/export.ts';
import { FeedError, folderTarget, httpTarget, parseTarget, runFeed, type FeedTarget } from '../compliance/feed.ts';

interface ExportArgs {
  url: string;
  org: string;
  out: string;
  format: 'json' | 'csv';
  email?: string;
  passwordStdin?: boolean;
  tokenFile?: string;
  space?: string;
  person?: string;
  from?: string;
  to?: string;
  keywords?: string;
  pageSize?: string;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

function isoOrFail(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new ExportError(`--${name}: not a date (use ISO 8601, e.g. 2026-01-31 or 2026-01-31T12:00:00Z)`);
  return new Date(ms).toISOString();
}

interface FeedArgs {
  url: string;
  org: string;
  to: string;
  state?: string;
  batch: string;
  once?: boolean;
  poll: string;
  secretFile?: string;
  allowInternal?: boolean;
  email?: string;
  passwordStdin?: boolean;
  tokenFile?: string;
}

type SignInArgs = Pick<ExportArgs, 'url' | 'email' | 'passwordStdin' | 'tokenFile'>;

/** Signs in as the officer: the KMS enrolls this run's device with the password, or knows the token's device. */
async function signIn(args: SignInArgs, client = 'compliance-export'): Promise<Session> {
  const common = { baseUrl: args.url.replace(/\/+$/, ''), WebSocket: WebSocket as unknown as WebSocketConstructor, clientVersion: `flint-cli ${client}` };
  if (args.tokenFile !== undefined) {
    const token = (await readFile(args.tokenFile, 'utf8')).trim();
    const session = createSession({ ...common, auth: { token }, kmsCredential: async (personId) => ({ device: await tokenDeviceSecret(token, personId) }) });
    return session;
  }
  if (args.email === undefined || args.passwordStdin !== true) throw new ExportError('Sign in with --email and --password-stdin, or --token-file.');
  const password = await readStdin();
  if (password === '') throw new ExportError('No password on stdin.');
  const device = newDeviceSecret();
  const session = createSession({ ...common, kmsCredential: async (personId) => ({ device, password: await passwordCredential(password, personId) }) });
  await session.signIn({ email: args.email, password });
  return session;
}

/** The signed-in person must be an officer of `org`; answers the org's id. */
async function checkOfficer(session: Session, org: string): Promise<string> {
  const me = await session.api.people.me();
  const domain = org.toLowerCase();
  if (!me.emails.some((e) => e.toLowerCase().endsWith(`@${domain}`))) throw new ExportError(`${me.emails[0] ?? 'This account'} is not a person of ${org}.`);
  if (me.roles?.includes('compliance_officer') !== true) throw new ExportError(`${me.emails[0] ?? 'This account'} is not a compliance officer of ${org} (an org admin grants the role on the console’s Roles page; the KMS’s operator grants the keys: flint kms officers add).`);
  if (me.orgId === undefined) throw new ExportError(`${me.emails[0] ?? 'This account'} belongs to no organization.`);
  return me.orgId;
}

function wholeNumber(value: string, name: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new FeedError(`--${name}: a whole number from ${min} to ${max}`);
  return n;
}

function bar(): { update: (p: ExportProgress) => void; stop: () => void } {
  const progress = new SingleBar({
    format: '{phase} |{bar}| {detail}',
    barsize: 30,
    hideCursor: true,
    // Lines on a pipe too (a log, a CI job), at most one a second.
    noTTYOutput: true,
    notTTYSchedule: 1000,
    stream: process.stderr,
  });
  let started = false;
  let phase = '';
  return {
    update(p) {
      if (p.phase === 'done') return;
      const bytes = p.phase === 'files' || p.phase === 'zip';
      const detail = p.phase === 'files' ? `${p.items} files, ${(p.bytes / 1048576).toFixed(1)} of ${(p.bytesTotal / 1048576).toFixed(1)} MiB` : p.phase === 'zip' ? `${(p.bytes / 1048576).toFixed(1)} MiB written` : `${p.items} ${p.phase}`;
      const total = bytes ? Math.max(p.bytesTotal, p.bytes, 1) : Math.max(p.items, 1);
      const value = bytes ? p.bytes : p.items;
      if (!started || phase !== p.phase) {
        if (started) progress.stop();
        progress.start(p.phase === 'zip' ? 1 : total, p.phase === 'zip' ? 0 : value, { phase: p.phase.padEnd(11), detail });
        started = true;
        phase = p.phase;
      } else {
        progress.setTotal(p.phase === 'zip' ? Math.max(value, 1) : total);
        progress.update(value, { detail });
      }
    },
    stop() {
      if (started) progress.stop();
    },
  };
}

export function complianceCommand(): Command {
  const command = new Command('compliance').description('Compliance officers’ tools (SPEC CP-2)');
  command
    .command('export')
    .description('Export the org’s spaces, memberships, messages with their edits and deletions, and files (original bytes) into a zip; run again to resume')
    .requiredOption('--url <url>', 'Flint’s address, e.g. https://flint.example.com')
    .requiredOption('--org <domain>', 'the organization (a domain of it): the officer must be one of its people')
    .requiredOption('--out <file.zip>', 'the zip to write (a folder <file.zip>.partial holds an unfinished export)')
    .addOption(new Option('--format <format>', 'json or csv').choices(['json', 'csv']).default('json'))
    .option('--email <address>', 'sign in as this officer (with --password-stdin)')
    .option('--password-stdin', 'read the password from standard input')
    .option('--token-file <file>', 'sign in with an access token kept in this file (its KMS device must be approved)')
    .option('--space <roomId>', 'only this space')
    .option('--person <email>', 'only this person’s messages, files, memberships and actions')
    .option('--from <date>', 'only what happened at or after this time')
    .option('--to <date>', 'only what happened before this time')
    .option('--keywords <words>', 'only messages with every word (searched through the blinded index), their files and history')
    .option('--page-size <n>', 'items per request (1–1000)', '500')
    .action(async (args: ExportArgs) => {
      const pageSize = Number(args.pageSize ?? '500');
      let session: Session | undefined;
      const progress = bar();
      try {
        if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) throw new ExportError('--page-size: a whole number from 1 to 1000');
        const filters: ExportFilters = {};
        if (args.space !== undefined) filters.roomId = args.space;
        if (args.person !== undefined) filters.personEmail = args.person.toLowerCase();
        const from = isoOrFail(args.from, 'from');
        const to = isoOrFail(args.to, 'to');
        if (from !== undefined) filters.from = from;
        if (to !== undefined) filters.to = to;
        if (args.keywords !== undefined && args.keywords.trim() !== '') filters.keywords = args.keywords.trim();
        session = await signIn(args);
        await checkOfficer(session, args.org);
        const result = await runExport(session, { out: args.out, format: args.format, filters, pageSize, onProgress: (p) => progress.update(p) });
        progress.stop();
        const c = result.counts;
        process.stdout.write(`${result.resumed ? 'Resumed and wrote' : 'Wrote'} ${args.out}: ${c.spaces} spaces, ${c.memberships} memberships, ${c.messages} messages, ${c.events} events, ${c.files} files.\n`);
      } catch (error) {
        progress.stop();
        const message = error instanceof Error ? error.message : String(error);
        process.stderr.write(`flint compliance export: ${message}\n`);
        process.exitCode = 1;
      } finally {
        session?.close();
      }
    });
  command
    .command('feed')
    .description('Stream every activity of the org, decrypted, to a company-owned folder (JSON lines) or HTTPS endpoint (signed batches); resumable, at least once')
    .requiredOption('--url <url>', 'Flint’s address, e.g. https://flint.example.com')
    .requiredOption('--org <domain>', 'the organization (a domain of it): the officer must be one of its people')
    .requiredOption('--to <target>', 'dir:/path (or a plain path) for JSON lines in a folder, or https://… for a SIEM endpoint')
    .option('--state <file>', 'where the feed keeps its place (default: <folder>/.flint-feed-state.json; required for an HTTPS target)')
    .option('--batch <n>', 'events per batch (1–1000): the most a crash can repeat', '100')
    .option('--once', 'deliver what exists and exit (for cron and tests); otherwise follow until SIGTERM')
    .option('--poll <seconds>', 'when following, how often to look for new activity (1–3600)', '5')
    .option('--secret-file <file>', 'HTTPS target: the secret that signs each batch (X-Flint-Signature: sha256=HMAC-SHA256 of the body)')
    .option('--allow-internal', 'HTTPS target: allow loopback and private addresses (a receiver on this machine or network)')
    .option('--email <address>', 'sign in as this officer (with --password-stdin)')
    .option('--password-stdin', 'read the password from standard input')
    .option('--token-file <file>', 'sign in with an access token kept in this file (its KMS device must be approved)')
    .action(async (args: FeedArgs) => {
      let session: Session | undefined;
      const controller = new AbortController();
      // SIGTERM/SIGINT: finish the batch in flight, save the place, exit.
      const stop = (): void => controller.abort();
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      try {
        const batch = wholeNumber(args.batch, 'batch', 1, 1000);
        const pollMs = wholeNumber(args.poll, 'poll', 1, 3600) * 1000;
        const to = parseTarget(args.to);
        let target: FeedTarget;
        let statePath: string;
        if (to.kind === 'dir') {
          target = folderTarget(to.path);
          statePath = args.state ?? `${to.path.replace(/\/+$/, '')}/.flint-feed-state.json`;
        } else {
          if (args.secretFile === undefined) throw new FeedError('--secret-file: an HTTPS target needs a secret to sign the batches.');
          if (args.state === undefined) throw new FeedError('--state: an HTTPS target needs a file to keep the feed’s place.');
          const secret = (await readFile(args.secretFile, 'utf8')).trim();
          if (secret.length < 16) throw new FeedError('--secret-file: the secret must be at least 16 characters.');
          target = httpTarget({
            url: to.url,
            secret,
            allowInternal: args.allowInternal === true,
            onRetry: (attempt, reason, wait) => process.stderr.write(`flint compliance feed: ${target.describe} did not take the batch (${reason}); attempt ${attempt + 1} in ${(wait / 1000).toFixed(1)} s\n`),
          });
          statePath = args.state;
        }
        session = await signIn(args, 'compliance-feed');
        const orgId = await checkOfficer(session, args.org);
        const result = await runFeed(session, {
          target,
          statePath,
          orgId,
          batch,
          once: args.once === true,
          pollMs,
          signal: controller.signal,
          onBatch: (count, last) => process.stderr.write(`flint compliance feed: delivered ${count} events through event ${last}\n`),
        });
        process.stdout.write(`Fed ${result.delivered} events to ${target.describe}${result.after !== undefined ? `; the feed’s place is after event ${result.after}` : ''}.\n`);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        process.stderr.write(`flint compliance feed: ${message}\n`);
        process.exitCode = 1;
      } finally {
        process.off('SIGTERM', stop);
        process.off('SIGINT', stop);
        session?.close();
      }
    });
  return command;
}
