/**
 * `flint admin …`: first-run and operator tasks, run on the server machine against its database.
 * @module
 */
import { Command } from 'commander';
import { loadConfig, readEnv } from '@flint/server';
import { openAdmin, type Admin } from '@flint/server/admin';

async function withAdmin<T>(data: string | undefined, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = await openAdmin(loadConfig(readEnv(), { data }));
  try {
    return await fn(admin);
  } finally {
    await admin.close();
  }
}

/** Reads a password from standard input (one line), so it never appears in `ps` or shell history. */
async function readStdinLine(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

const print = (value: unknown, json: boolean, text: string) => {
  process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${text}\n`);
};

export function adminCommand(): Command {
  const admin = new Command('admin').description('first-run and operator tasks (works on the database directly)');
  admin.option('--data <dir>', 'data folder (FLINT_DATA_DIR)').option('--json', 'print results as JSON');
  const opts = () => admin.opts<{ data?: string; json?: boolean }>();

  const org = admin.command('org').description('organizations');
  org
    .command('create')
    .description('create an organization owning one or more e-mail domains')
    .requiredOption('--name <name>', 'display name')
    .option('--domain <domain...>', 'e-mail domains it owns (verified)', [])
    .action(async (o: { name: string; domain: string[] }) => {
      const result = await withAdmin(opts().data, (a) => a.createOrg({ name: o.name, domains: o.domain }));
      print(result, opts().json === true, `created organization ${result.name} (${result.id}) owning ${result.domains.join(', ') || 'no domains'}`);
    });

  admin
    .command('domain')
    .description('add a verified e-mail domain to an organization')
    .argument('<org>', 'organization id, name or one of its domains')
    .argument('<domain>', 'the domain to add')
    .action(async (orgRef: string, domain: string) => {
      await withAdmin(opts().data, (a) => a.addDomain(orgRef, domain));
      print({ org: orgRef, domain }, opts().json === true, `added ${domain} to ${orgRef}`);
    });

  const person = admin.command('person').description('people');
  person
    .command('create')
    .description('create a person with a password (from stdin) or an invitation e-mail')
    .requiredOption('--email <email>')
    .requiredOption('--name <name>', 'display name')
    .option('--org <org>', 'organization (default: the one owning the e-mail domain)')
    .option('--password-stdin', 'read the initial password from standard input')
    .option('--invite', 'send an invitation instead of setting a password (the default without --password-stdin)')
    .option('--admin', 'make them an org admin')
    .action(async (o: { email: string; name: string; org?: string; passwordStdin?: boolean; admin?: boolean }) => {
      const password = o.passwordStdin ? await readStdinLine() : undefined;
      const result = await withAdmin(opts().data, (a) => a.createPerson({ email: o.email, name: o.name, org: o.org, password, admin: o.admin === true }));
      print(result, opts().json === true, `created ${result.email} (${result.id})${result.invited ? '; invitation sent' : ''}`);
    });

  person
    .command('make-admin')
    .description('grant (or with --revoke, take away) the org admin role')
    .argument('<email>')
    .option('--revoke')
    .action(async (email: string, o: { revoke?: boolean }) => {
      await withAdmin(opts().data, (a) => a.makeAdmin(email, o.revoke !== true));
      print({ email, admin: o.revoke !== true }, opts().json === true, `${email} is ${o.revoke ? 'no longer' : 'now'} an org admin`);
    });

  person
    .command('reset-password')
    .description('set a new password (from stdin, or generated and printed); ends every session')
    .argument('<email>')
    .option('--password-stdin', 'read the new password from standard input')
    .action(async (email: string, o: { passwordStdin?: boolean }) => {
      const password = o.passwordStdin ? await readStdinLine() : undefined;
      const result = await withAdmin(opts().data, (a) => a.resetPassword(email, password));
      print(
        result.generated ? { email, password: result.password } : { email },
        opts().json === true,
        result.generated ? `new password for ${email}: ${result.password}` : `password of ${email} reset`,
      );
    });

  const bot = admin.command('bot').description('bots');
  bot
    .command('create')
    .description('create a bot and print its token (shown once)')
    .requiredOption('--name <name>')
    .requiredOption('--org <org>', 'organization id, name or domain')
    .action(async (o: { name: string; org: string }) => {
      const result = await withAdmin(opts().data, (a) => a.createBot({ name: o.name, org: o.org }));
      print(result, opts().json === true, `created bot ${result.email} (${result.id})\ntoken: ${result.token}`);
    });

  return admin;
}
