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

/** Signs in as the officer: the KMS enrolls this run's device with the password, or knows the token's device. */
async function signIn(args: ExportArgs): Promise<Session> {
  const common = { baseUrl: args.url.replace(/\/+$/, ''), WebSocket: WebSocket as unknown as WebSocketConstructor, clientVersion: 'flint-cli compliance-export' };
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
        const me = await session.api.people.me();
        const domain = args.org.toLowerCase();
        if (!me.emails.some((e) => e.toLowerCase().endsWith(`@${domain}`))) throw new ExportError(`${me.emails[0] ?? 'This account'} is not a person of ${args.org}.`);
        if (me.roles?.includes('compliance_officer') !== true) throw new ExportError(`${me.emails[0] ?? 'This account'} is not a compliance officer of ${args.org} (an org admin grants the role on the console’s Roles page; the KMS’s operator grants the keys: flint kms officers add).`);
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
  return command;
}
