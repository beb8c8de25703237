/**
 * Outgoing e-mail. With FLINT_SMTP_URL set, mail goes through that SMTP server; without it, each
 * message is written as an .eml file to the outbox folder under the data dir, so a single-machine
 * install (and the tests) can read what would have been sent.
 * @module
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Transporter } from 'nodemailer';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  /**
   * An iCalendar invitation (RFC 6047, iMIP): sent as the message's `text/calendar` alternative with
   * its METHOD, which mail clients offer to add to the calendar (nodemailer's `icalEvent`).
   */
  calendar?: { method: 'REQUEST' | 'CANCEL'; content: string; filename?: string };
}

/** The message nodemailer renders: the calendar, if any, as its `icalEvent`. */
function toNodemailer(message: MailMessage) {
  const { calendar, ...rest } = message;
  return calendar === undefined ? rest : { ...rest, icalEvent: { method: calendar.method, content: calendar.content, filename: calendar.filename ?? 'invite.ics' } };
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

/**
 * `log`, if given, hears that an outbox mail was written (its file name only: a mail may carry a
 * one-time link, which must never reach a log).
 */
export function createMailer(config: { smtpUrl: string | undefined; from: string; outboxDir: string }, log?: (file: string) => void): Mailer {
  // nodemailer is loaded with the first mail, not at start-up: most of a server's life sends none.
  const nodemailer = async () => (await import('nodemailer')).default;
  if (config.smtpUrl !== undefined) {
    const smtpUrl = config.smtpUrl;
    let transport: Promise<Transporter> | undefined;
    return {
      async send(message) {
        transport ??= nodemailer().then((n) => n.createTransport(smtpUrl));
        await (await transport).sendMail({ from: config.from, ...toNodemailer(message) });
      },
    };
  }
  // The stream transport renders a complete RFC 5322 message without sending it anywhere.
  let renderer: Promise<Transporter<{ messageId: string; message: unknown }>> | undefined;
  return {
    async send(message) {
      renderer ??= nodemailer().then((n) => n.createTransport({ streamTransport: true, buffer: true, newline: 'unix' }));
      const info = await (await renderer).sendMail({ from: config.from, ...toNodemailer(message) });
      await mkdir(config.outboxDir, { recursive: true });
      const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${info.messageId.replace(/[^A-Za-z0-9@.-]/g, '')}.eml`;
      await writeFile(join(config.outboxDir, name), info.message as Buffer);
      log?.(name);
    },
  };
}
