/**
 * The chat commands (SPEC PL-1): `flint login`, `spaces`, `read`, `send`, `tail`, `upload`,
 * `download`, `logout`. Thin: each parses its arguments, opens the SDK session (chat/chat-session.ts)
 * and prints; `--json` everywhere prints machine-readable output instead (JSON lines for `tail`).
 * @module
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { basename, resolve as resolvePath } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { Command } from 'commander';
import mime from 'mime-types';
import { read as prompt } from 'read';
import type { SecureMessage, Session } from '@flint/sdk';
import { nodeHttpFetch } from '@flint/sdk/node';
import { ChatError } from '../chat/chat-error.ts';
import { chatErrorOf, login, logout, resume } from '../chat/chat-session.ts';
import { configDir, removeCredentials } from '../chat/credentials.ts';
import { progressBar } from '../chat/progress.ts';
import { listSpaces, resolveSpace } from '../chat/spaces.ts';

interface Common {
  configDir?: string;
  json?: boolean;
}

/** Most messages `read` shows at once (the API's page is 1,000). */
const READ_MAX = 1000;

const out = (line: string): void => void process.stdout.write(`${line}\n`);
const json = (value: unknown): void => out(JSON.stringify(value));

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** What a message shows as, in text or JSON: the person, the time, the opened text and files. */
async function messageView(session: Session, m: SecureMessage) {
  const files = m.files !== undefined && m.files.length > 0 ? await session.files.references(m) : [];
  return {
    id: m.id,
    roomId: m.roomId,
    ...(m.parentId !== undefined ? { parentId: m.parentId } : {}),
    personId: m.personId,
    personEmail: m.personEmail,
    created: m.created,
    ...(m.updated !== undefined ? { updated: m.updated } : {}),
    ...(m.text !== undefined ? { text: m.text } : {}),
    ...(m.markdown !== undefined ? { markdown: m.markdown } : {}),
    files: files.map((f) => (f instanceof Error ? { error: f.message } : { name: f.name, size: f.size, type: f.type })),
    ...(m.decryptError !== undefined ? { decryptError: m.decryptError.message } : {}),
  };
}

function printMessage(view: Awaited<ReturnType<typeof messageView>>, space?: string): void {
  const when = view.created.replace('T', ' ').slice(0, 16);
  const where = space !== undefined ? ` [${space}]` : '';
  const thread = view.parentId !== undefined ? '  ↳ ' : '';
  const body = view.decryptError !== undefined ? `(could not decrypt: ${view.decryptError})` : (view.text ?? view.markdown ?? '');
  out(`${thread}${when}${where} ${view.personEmail ?? view.personId}: ${body}`);
  for (const f of view.files) out(`${thread}    📎 ${'error' in f ? `(file reference could not be opened: ${f.error})` : `${f.name} (${f.size} bytes)`}`);
}

/** Runs a command body with the CLI's error handling: a ChatError prints its sentence and sets the exit code. */
function action<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (error) {
      const e = chatErrorOf(error);
      if (!(e instanceof ChatError)) throw e;
      process.stderr.write(`flint: ${e.message}\n`);
      process.exitCode = e.exitCode;
    }
  };
}

function withCommon(command: Command): Command {
  return command.option('--config-dir <dir>', 'where the sign-in is kept (default ~/.config/flint)').option('--json', 'machine-readable output');
}

export function chatCommands(): Command[] {
  const loginCommand = withCommon(new Command('login'))
    .description('sign in to a Flint server and enroll this machine as a device for end-to-end encryption')
    .requiredOption('--server <url>', "the server's address, e.g. https://flint.example.org")
    .option('--email <address>', 'your e-mail address (asked when left out)')
    .option('--password-stdin', 'read the password from standard input instead of asking')
    .action(
      action(async (o: Common & { server: string; email?: string; passwordStdin?: boolean }) => {
        const interactive = process.stdin.isTTY === true;
        const email = o.email ?? (interactive ? String(await prompt({ prompt: 'E-mail: ' })) : undefined);
        if (email === undefined || email.trim() === '') throw new ChatError('usage', 'Give --email (standard input is not a terminal).');
        let password: string;
        if (o.passwordStdin === true) password = (await readStdin()).replace(/\r?\n$/, '');
        else if (interactive) password = String(await prompt({ prompt: 'Password: ', silent: true, replace: '' }));
        else throw new ChatError('usage', 'Give --password-stdin (standard input is not a terminal).');
        if (password === '') throw new ChatError('usage', 'The password is empty.');
        const signedIn = await login(configDir(o.configDir), { server: o.server, email: email.trim(), password });
        if (o.json === true) json({ server: signedIn.server, personId: signedIn.personId, email: signedIn.email, deviceId: signedIn.deviceId });
        else out(`Signed in to ${signedIn.server} as ${signedIn.email}; this machine is device ${signedIn.deviceId}.`);
      }),
    );

  const logoutCommand = withCommon(new Command('logout'))
    .description('sign out at the server and forget the sign-in kept on this machine')
    .action(
      action(async (o: Common) => {
        const dir = configDir(o.configDir);
        try {
          await logout(dir);
        } finally {
          await removeCredentials(dir);
        }
        if (o.json === true) json({ signedOut: true });
        else out('Signed out.');
      }),
    );

  const spacesCommand = withCommon(new Command('spaces'))
    .description('the spaces you are in, most recently active first')
    .action(
      action(async (o: Common) => {
        const { session, close } = await resume(configDir(o.configDir));
        try {
          const spaces = await listSpaces(session);
          if (o.json === true) json(spaces);
          else for (const s of spaces) out(`${s.id}  ${s.type === 'direct' ? '@' : '#'} ${s.title}${s.unreadCount ? `  (${s.unreadCount} unread)` : ''}`);
        } finally {
          close();
        }
      }),
    );

  const readCommand = withCommon(new Command('read'))
    .description("a space's latest messages, oldest first, decrypted here")
    .argument('<space>', "the space's id, title, or a part of the title only it has")
    .option('--max <n>', `how many messages (1–${READ_MAX}, default 50)`, '50')
    .action(
      action(async (space: string, o: Common & { max: string }) => {
        const max = Number(o.max);
        if (!Number.isInteger(max) || max < 1 || max > READ_MAX) throw new ChatError('usage', `--max must be a whole number from 1 to ${READ_MAX}.`);
        const { session, close } = await resume(configDir(o.configDir));
        try {
          const target = resolveSpace(await listSpaces(session), space);
          const page = await session.messages.list({ roomId: target.id, max });
          const views = await Promise.all(page.items.slice().reverse().map((m) => messageView(session, m)));
          if (o.json === true) json(views);
          else for (const v of views) printMessage(v);
        } finally {
          close();
        }
      }),
    );

  const sendCommand = withCommon(new Command('send'))
    .description('send a message (Markdown), encrypted here; the text from standard input when left out or "-"')
    .argument('<space>', "the space's id, title, or a part of the title only it has")
    .argument('[text]', 'the message')
    .action(
      action(async (space: string, text: string | undefined, o: Common) => {
        const body = text === undefined || text === '-' ? (await readStdin()).replace(/\r?\n$/, '') : text;
        if (body.trim() === '') throw new ChatError('usage', 'The message is empty.');
        const { session, close } = await resume(configDir(o.configDir));
        try {
          const target = resolveSpace(await listSpaces(session), space);
          const sent = await session.messages.send({ roomId: target.id, markdown: body });
          if (o.json === true) json({ id: sent.id, roomId: sent.roomId, created: sent.created });
          else out(`Sent to ${target.title}.`);
        } finally {
          close();
        }
      }),
    );

  const tailCommand = withCommon(new Command('tail'))
    .description('new messages as they arrive (one space, or all), decrypted here, until interrupted')
    .argument('[space]', "the space's id, title, or a part of the title only it has")
    .action(
      action(async (space: string | undefined, o: Common) => {
        const { session, close } = await resume(configDir(o.configDir), { keepFresh: true });
        const spaces = await listSpaces(session).catch((error: unknown) => {
          close();
          throw error;
        });
        const only = space !== undefined ? resolveSpace(spaces, space).id : undefined;
        const titles = new Map(spaces.map((s) => [s.id, s.title]));
        // Messages are printed in arrival order: each waits for the one before it to be opened.
        let queue = Promise.resolve();
        session.events.onMessage((m) => {
          if (only !== undefined && m.roomId !== only) return;
          queue = queue.then(async () => {
            const view = await messageView(session, m);
            if (o.json === true) json(view);
            else printMessage(view, only === undefined ? titles.get(m.roomId) ?? m.roomId : undefined);
          });
        });
        await session.events.start();
        if (o.json !== true) process.stderr.write(`Listening${only !== undefined ? ` to ${titles.get(only)}` : ''}; Ctrl-C to stop.\n`);
        await new Promise<void>((resolveStop) => {
          const stop = () => resolveStop();
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        // A message still being opened gets a moment; Ctrl-C must not wait on a stuck KMS call.
        await Promise.race([queue, new Promise((r) => setTimeout(r, 5000).unref())]);
        close();
        // Ctrl-C ends the command even if something the session opened still holds the event loop
        // (the test once waited 15 minutes for a tail that never exited). Standard output to a pipe
        // or a terminal is written synchronously on Linux, so nothing printed is lost.
        setTimeout(() => process.exit(0), 2000).unref();
      }),
    );

  const uploadCommand = withCommon(new Command('upload'))
    .description('send a file, encrypted here as it is read, with an optional message')
    .argument('<space>', "the space's id, title, or a part of the title only it has")
    .argument('<file>', 'the file to send')
    .option('--text <message>', 'a message to go with it')
    .action(
      action(async (space: string, file: string, o: Common & { text?: string }) => {
        const path = resolvePath(file);
        const info = await stat(path).catch(() => undefined);
        if (info === undefined || !info.isFile()) throw new ChatError('not-found', `No such file: ${file}`);
        const { session, close } = await resume(configDir(o.configDir));
        const bar = progressBar(basename(path), o.json !== true);
        try {
          const target = resolveSpace(await listSpaces(session), space);
          const source = Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>;
          const name = basename(path);
          const sent = await session.messages.send({
            roomId: target.id,
            ...(o.text !== undefined ? { markdown: o.text } : {}),
            files: [{ source, name, size: info.size, type: mime.lookup(name) || 'application/octet-stream', fetch: nodeHttpFetch, onProgress: (done, total) => bar.update(done, total) }],
          });
          bar.stop();
          if (o.json === true) json({ id: sent.id, roomId: sent.roomId, created: sent.created, file: { name, size: info.size } });
          else out(`Sent ${name} (${info.size} bytes) to ${target.title}.`);
        } finally {
          bar.stop();
          close();
        }
      }),
    );

  const downloadCommand = withCommon(new Command('download'))
    .description("download a space's file, decrypted and checked as it streams (the newest of that name)")
    .argument('<space>', "the space's id, title, or a part of the title only it has")
    .argument('[name]', "the file's name (or --message)")
    .option('--message <id>', 'the message the file came with')
    .option('--out <path>', 'where to write it (default: its name, here)')
    .option('--force', 'replace a file already at --out')
    .action(
      action(async (space: string, name: string | undefined, o: Common & { message?: string; out?: string; force?: boolean }) => {
        if (name === undefined && o.message === undefined) throw new ChatError('usage', 'Give the file name or --message.');
        const { session, close } = await resume(configDir(o.configDir));
        try {
          const target = resolveSpace(await listSpaces(session), space);
          const files = await session.files.list(target.id);
          const found = files.find((f) => f.reference !== undefined && (o.message === undefined || f.entry.messageId === o.message) && (name === undefined || f.reference.name === name));
          if (found?.reference === undefined) throw new ChatError('not-found', `No file ${name !== undefined ? `"${name}" ` : ''}${o.message !== undefined ? `with message ${o.message} ` : ''}in ${target.title}.`);
          const reference = found.reference;
          // The stored name is the sender's: only its last part is used, so it cannot point elsewhere.
          const path = resolvePath(o.out ?? (basename(reference.name) || 'download'));
          if (o.force !== true && (await stat(path).then(() => true, () => false))) throw new ChatError('usage', `${path} exists: give --force to replace it, or --out.`);
          const partial = `${path}.part`;
          const bar = progressBar(basename(path), o.json !== true);
          try {
            const download = await session.files.download(reference, { onProgress: (done, total) => bar.update(done, total) });
            await pipeline(Readable.fromWeb(download.stream as WebReadableStream<Uint8Array>), createWriteStream(partial, { mode: 0o600 }));
            await download.verified;
            await rename(partial, path);
          } catch (error) {
            await rm(partial, { force: true });
            throw error;
          } finally {
            bar.stop();
          }
          if (o.json === true) json({ path, name: reference.name, size: reference.size, type: reference.type });
          else out(`Saved ${path} (${reference.size} bytes, verified).`);
        } finally {
          close();
        }
      }),
    );

  return [loginCommand, logoutCommand, spacesCommand, readCommand, sendCommand, tailCommand, uploadCommand, downloadCommand];
}
