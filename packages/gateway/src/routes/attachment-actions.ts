/**
 * `/v1/attachment/actions` (SPEC PL-2): card submissions. The inputs are content: sealed with the
 * space's current key before they reach the core, opened with the caller's KMS access on the way
 * back (the submitter and the card's sender may read them).
 * @module
 */
import type { FastifyInstance } from 'fastify';
import type { AttachmentAction } from '@flint/protocol';
import type { Caller } from '../callers.ts';
import { WebexError } from '../errors.ts';
import { fieldId, hydra, pathId } from '../ids.ts';
import { GATEWAY_LIMITS } from '../limits.ts';
import { bodyObject, reqString } from '../request.ts';
import { v1, type Gateway } from '../context.ts';

/** The submitted values, opened with the caller's own KMS access; undefined if they cannot be. */
export function openInputs(caller: Caller, action: AttachmentAction): Promise<Record<string, unknown> | undefined> {
  return caller.session.messages.openAction(action);
}

function present(a: AttachmentAction, inputs: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: hydra.attachmentAction(a.id),
    type: a.type,
    messageId: hydra.message(a.messageId),
    personId: hydra.person(a.personId),
    roomId: hydra.room(a.roomId),
    created: a.created,
  };
  if (inputs !== undefined) out['inputs'] = inputs;
  else out['errors'] = { inputs: { code: 'kms_failure', reason: 'The inputs could not be opened.' } };
  return out;
}

export function attachmentActionRoutes(app: FastifyInstance, gw: Gateway): void {
  v1(app, gw, 'POST', '/v1/attachment/actions', async ({ req, caller }) => {
    const body = bodyObject(req);
    if (reqString(body, 'type') !== 'submit') throw WebexError.badRequest('type: submit');
    const messageId = fieldId('MESSAGE', body['messageId'], 'messageId');
    const inputs = body['inputs'];
    if (typeof inputs !== 'object' || inputs === null || Array.isArray(inputs)) throw WebexError.badRequest('inputs: an object');
    const json = JSON.stringify(inputs);
    if (new TextEncoder().encode(json).length > GATEWAY_LIMITS.cardInputsBytes) throw WebexError.badRequest(`inputs: at most ${GATEWAY_LIMITS.cardInputsBytes} bytes of JSON`);
    const action = await caller.session.messages.submitAction(messageId, inputs as Record<string, unknown>);
    return present(action, inputs as Record<string, unknown>);
  });

  v1(app, gw, 'GET', '/v1/attachment/actions/:actionId', async ({ req, caller }) => {
    const action = await caller.session.api.attachmentActions.get(pathId('ATTACHMENT_ACTION', (req.params as { actionId: string }).actionId));
    return present(action, await openInputs(caller, action));
  });
}
