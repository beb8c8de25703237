/**
 * `/v1/telephony/voiceMessages` (SPEC CL-3, PL-2): Webex Calling's voicemail API for bots and
 * integrations — list, summary, mark as read or unread, delete — over the caller's SDK session
 * (`voicemail`). Only metadata: like Webex's, the list carries no audio (a Flint message's audio is
 * encrypted for its callee and opened on their device). Ids are the message's UUID; the calling
 * party's `personId` is hydra. `markAsRead` without a `messageId` marks every message read (Webex).
 * Scopes: `spark:calls_read` to read, `spark:calls_write` to change (scopes.ts).
 * @module
 */
import type { FastifyInstance } from 'fastify';
import type { Voicemail } from '@flint/protocol';
import { WebexError } from '../errors.ts';
import { hydra } from '../ids.ts';
import { bodyObject, optString } from '../request.ts';
import { REPLY_SENT, v1, type Gateway } from '../context.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function presentVoiceMessage(v: Voicemail) {
  return {
    id: v.id,
    /** Seconds, as Webex counts a message's length. */
    duration: Math.max(1, Math.round(v.durationMs / 1000)),
    callingParty: { name: v.callerName, personId: hydra.person(v.callerId), privacyEnabled: false },
    urgent: false,
    confidential: false,
    read: v.read,
    created: v.created,
  };
}

function messageIdOf(value: string | undefined, field: string): string {
  if (value === undefined || !UUID.test(value)) throw field === 'path' ? WebexError.notFound('voice message') : WebexError.badRequest(`${field}: not a valid voice message id`);
  return value.toLowerCase();
}

export function voiceMessageRoutes(app: FastifyInstance, gw: Gateway): void {
  v1(app, gw, 'GET', '/v1/telephony/voiceMessages', async ({ caller }) => ({ items: (await caller.session.voicemail.list()).map(presentVoiceMessage) }));

  v1(app, gw, 'GET', '/v1/telephony/voiceMessages/summary', async ({ caller }) => {
    const summary = await caller.session.voicemail.summary();
    return { newMessages: summary.newMessages, oldMessages: summary.oldMessages, newUrgentMessages: 0, oldUrgentMessages: 0 };
  });

  v1(app, gw, 'POST', '/v1/telephony/voiceMessages/markAsRead', async ({ req, reply, caller }) => {
    const raw = optString(bodyObject(req), 'messageId', { max: 64 });
    if (raw === undefined) {
      for (const message of await caller.session.voicemail.list()) if (!message.read) await caller.session.voicemail.markRead(message.id);
    } else {
      await caller.session.voicemail.markRead(messageIdOf(raw, 'messageId'));
    }
    void reply.code(204).send();
    return REPLY_SENT;
  });

  v1(app, gw, 'POST', '/v1/telephony/voiceMessages/markAsUnread', async ({ req, reply, caller }) => {
    await caller.session.voicemail.markUnread(messageIdOf(optString(bodyObject(req), 'messageId', { max: 64 }), 'messageId'));
    void reply.code(204).send();
    return REPLY_SENT;
  });

  v1(app, gw, 'DELETE', '/v1/telephony/voiceMessages/:messageId', async ({ req, caller }) => {
    await caller.session.voicemail.delete(messageIdOf((req.params as { messageId: string }).messageId, 'path'));
  });
}
