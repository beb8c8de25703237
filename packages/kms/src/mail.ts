/**
 * The security realm's mail relay: voicemail to e-mail (SPEC CL-3; docs/voicemail.md). A callee's
 * device that opted in decrypts a new voicemail itself and hands the audio over its authenticated
 * KMS channel (so the core relaying it sees only the channel's ciphertext) in parts under an id it
 * chose; on `send` the relay checks that every part is there and the audio matches the hash the
 * device names, and mails it to the requester's own address — the caller's address as the realm
 * knows it, never one the request names — so a device can mail only itself. Parts wait in the
 * KMS's database sealed with its master key (any KMS node may take the next part) and are dropped
 * once sent or after `pendingMs`.
 *
 * The transport is nodemailer over SMTP (FLINT_KMS_SMTP_URL), loaded when first used; without it
 * the relay answers 503 and the web app says voicemail to e-mail is unavailable.
 * @module
 */
import { createHash } from 'node:crypto';
import { kms as protocol } from '@flint/protocol';
import type { Caller, KmsContext, KmsMailer } from './context.ts';
import { KmsError } from './errors.ts';
import { objectUri } from './uris.ts';

const { KMS_MAIL_LIMITS } = protocol;

export interface KmsMailObject {
  uri: string;
  parts: number;
  sent: boolean;
}

interface MinimalTransport {
  sendMail(message: Record<string, unknown>): Promise<unknown>;
}

export function smtpMailer(smtpUrl: string, from: string): KmsMailer {
  let transport: Promise<MinimalTransport> | undefined;
  return {
    async send(message) {
      transport ??= import('nodemailer').then((n) => n.default.createTransport(smtpUrl) as unknown as MinimalTransport);
      await (
        await transport
      ).sendMail({
        from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        attachments: [{ filename: message.attachment.filename, contentType: message.attachment.contentType, content: Buffer.from(message.attachment.content) }],
      });
    },
  };
}

const context = (caller: Caller, mailId: string, index: number) => `mail:${caller.userId}:${mailId}:${index}`;

function mailId(kms: KmsContext, target: string | undefined): string {
  const prefix = `${kms.cluster}/mail/`;
  if (target === undefined || !target.startsWith(prefix)) throw KmsError.badRequest('expected a mail URI');
  const id = decodeURIComponent(target.slice(prefix.length));
  if (!/^[A-Za-z0-9_-]{8,64}$/.test(id)) throw KmsError.badRequest('a mail id is 8–64 letters, digits, dashes or underscores');
  return id;
}

async function dropStale(kms: KmsContext): Promise<void> {
  await kms.db.deleteFrom('kms_mail_parts').where('created_at', '<', kms.now() - KMS_MAIL_LIMITS.pendingMs).execute();
}

async function partCount(kms: KmsContext, caller: Caller, id: string): Promise<number> {
  const row = await kms.db.selectFrom('kms_mail_parts').select((eb) => eb.fn.countAll<number | string>().as('n')).where('user_id', '=', caller.userId).where('mail_id', '=', id).executeTakeFirst();
  return Number(row?.n ?? 0);
}

export async function appendMailPart(kms: KmsContext, caller: Caller, target: string | undefined, part: { index: number; data: string }): Promise<KmsMailObject> {
  if (kms.mailer === undefined) throw new KmsError(503, 'This KMS sends no mail (FLINT_KMS_SMTP_URL is not set).');
  const id = mailId(kms, target);
  await dropStale(kms);
  const sealed = kms.sealer.seal(new TextEncoder().encode(part.data), context(caller, id, part.index));
  await kms.db
    .insertInto('kms_mail_parts')
    .values({ user_id: caller.userId, mail_id: id, idx: part.index, data_sealed: sealed, created_at: kms.now() })
    .onConflict((oc) => oc.columns(['user_id', 'mail_id', 'idx']).doUpdateSet({ data_sealed: sealed, created_at: kms.now() }))
    .execute();
  const parts = await partCount(kms, caller, id);
  if (parts * KMS_MAIL_LIMITS.partChars > Math.ceil((KMS_MAIL_LIMITS.mailBytes * 4) / 3) + KMS_MAIL_LIMITS.partChars) throw KmsError.badRequest('The mail is too large.');
  return { uri: objectUri(kms, 'mail', id), parts, sent: false };
}

function seconds(ms: number): string {
  return `${Math.max(1, Math.round(ms / 1000))} s`;
}

export async function sendMail(kms: KmsContext, caller: Caller, target: string | undefined, input: { parts: number; sha256: string; type: string; callerName: string; durationMs: number; created: string }): Promise<KmsMailObject> {
  const mailer = kms.mailer;
  if (mailer === undefined) throw new KmsError(503, 'This KMS sends no mail (FLINT_KMS_SMTP_URL is not set).');
  const id = mailId(kms, target);
  // Only to the requester's own address: a device cannot have the realm mail anyone else.
  if (caller.email === undefined || caller.email === '') throw KmsError.forbidden('No address is known for you.');
  const rows = await kms.db.selectFrom('kms_mail_parts').selectAll().where('user_id', '=', caller.userId).where('mail_id', '=', id).orderBy('idx').execute();
  if (rows.length !== input.parts || rows.some((r, i) => Number(r.idx) !== i)) throw KmsError.conflict(`The mail has ${rows.length} of its ${input.parts} parts.`);
  const text = rows.map((r) => new TextDecoder().decode(kms.sealer.openUncached(r.data_sealed, context(caller, id, Number(r.idx))))).join('');
  const audio = Buffer.from(text, 'base64url');
  if (audio.length > KMS_MAIL_LIMITS.mailBytes) throw KmsError.badRequest('The mail is too large.');
  if (createHash('sha256').update(audio).digest('base64url') !== input.sha256) throw KmsError.badRequest('The audio does not match its hash.');
  const extension = input.type.startsWith('audio/ogg') ? 'ogg' : input.type.startsWith('audio/mp4') ? 'm4a' : 'webm';
  const from = input.callerName.replace(/[\r\n]/g, ' ').trim() || 'someone';
  await mailer.send({
    to: caller.email,
    subject: `Voicemail from ${from} (${seconds(input.durationMs)})`,
    text: `${from} left you a voicemail of ${seconds(input.durationMs)} on ${input.created}.\n\nThe recording is attached. It was decrypted on your own device and mailed by your organization's key server; Flint's server never had it.\n`,
    attachment: { filename: `voicemail-${id}.${extension}`, contentType: input.type, content: audio },
  });
  await kms.db.deleteFrom('kms_mail_parts').where('user_id', '=', caller.userId).where('mail_id', '=', id).execute();
  return { uri: objectUri(kms, 'mail', id), parts: rows.length, sent: true };
}
