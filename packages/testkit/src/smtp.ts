/**
 * A real SMTP server on loopback for tests (the `smtp-server` package), which parses every message it
 * accepts with `mailparser`. Start Flint with `FLINT_SMTP_URL=<smtp.url>` and read what it sent —
 * invitations, password resets, notices, digests — as a person's mail client would.
 * @module
 */
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';
import type { AddressInfo } from 'node:net';

export interface ReceivedMail {
  /** The SMTP envelope's sender and recipients (what the server was told, not the headers). */
  envelopeFrom: string;
  envelopeTo: string[];
  subject: string;
  /** The plain-text body (empty when the message has none). */
  text: string;
  /** The HTML body, when the message has one. */
  html: string | undefined;
  attachments: { filename: string | undefined; contentType: string; content: Buffer }[];
  /** The whole message as received. */
  raw: Buffer;
}

export interface TestSmtpServer {
  /** `smtp://127.0.0.1:<port>`, for `FLINT_SMTP_URL`. */
  url: string;
  port: number;
  /** Every accepted message, in arrival order. */
  mails: ReceivedMail[];
  /** Resolves with the first message (already received or arriving later) that `predicate` accepts. */
  waitFor(predicate: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  close(): Promise<void>;
}

export async function startSmtpServer(): Promise<TestSmtpServer> {
  const mails: ReceivedMail[] = [];
  const waiters = new Set<() => void>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', callback);
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        simpleParser(raw).then(
          (parsed) => {
            mails.push({
              envelopeFrom: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
              envelopeTo: session.envelope.rcptTo.map((r) => r.address),
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              html: typeof parsed.html === 'string' ? parsed.html : undefined,
              attachments: parsed.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: a.content })),
              raw,
            });
            for (const wake of waiters) wake();
            callback();
          },
          (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
        );
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    mails,
    waitFor(predicate, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const found = mails.find(predicate);
          if (found === undefined) return false;
          cleanup();
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no matching mail within ${timeoutMs} ms (${mails.length} received: ${mails.map((m) => m.subject).join(' | ')})`));
        }, timeoutMs);
        const wake = (): void => void check();
        const cleanup = (): void => {
          clearTimeout(timer);
          waiters.delete(wake);
        };
        waiters.add(wake);
        check();
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
