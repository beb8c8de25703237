/**
 * `/v1/memberships` (SPEC PL-2, SP-2, SP-4). A membership's Webex id names the person and the
 * space (`personUUID:roomUUID`, as the Webex SDK builds it for `listen()` events), so it
 * round-trips without a table of its own. Adding a member authorizes them at the KMS first and
 * removing one rotates the space key: the caller's `SecureClient` does both.
 * @module
 */
import type { FastifyInstance } from 'fastify';
import type { Membership } from '@flint/protocol';
import type { Caller } from '../callers.ts';
import { WebexError } from '../errors.ts';
import { fieldId, hydra, pairId } from '../ids.ts';
import { presentMembership } from '../present.ts';
import { bodyObject, linkParam, optBoolean, optString, pageMax, queryString, setNextLink } from '../request.ts';
import { REPLY_SENT, v1, type Gateway } from '../context.ts';
import { FlintError } from '@flint/sdk';
import { isOfficer, orOfficer } from './events.ts';

/** The native membership behind a Webex membership id; 404 if it is malformed or not visible. */
export async function findMembership(caller: Caller, id: string): Promise<Membership> {
  const pair = pairId('MEMBERSHIP', id);
  if (pair === undefined) throw WebexError.notFound('membership');
  const [personId, roomId] = pair;
  const page = await caller.session.api.memberships.list({ roomId, personId });
  const found = page.items[0];
  if (found === undefined) throw WebexError.notFound('membership');
  return found;
}

/** Someone named by `personId` (hydra or UUID) or `personEmail`. */
export function personRef(body: Record<string, unknown>): { personId: string } | { personEmail: string } {
  const personId = optString(body, 'personId');
  const personEmail = optString(body, 'personEmail', { max: 254 });
  if ((personId === undefined) === (personEmail === undefined)) throw WebexError.badRequest('Give exactly one of personId and personEmail.');
  return personId !== undefined ? { personId: fieldId('PEOPLE', personId, 'personId') } : { personEmail: personEmail! };
}

/** "No such person": the SDK's own lookup by address, or the core's 404. */
function isNotFound(error: unknown): boolean {
  return error instanceof FlintError && (error.code === 'not_found' || (error.kind === 'refused' && error.status === 404));
}

export function membershipRoutes(app: FastifyInstance, gw: Gateway): void {
  v1(app, gw, 'GET', '/v1/memberships', async ({ req, reply, caller }) => {
    const roomId = queryString(req.query, 'roomId');
    const personId = queryString(req.query, 'personId');
    const personEmail = queryString(req.query, 'personEmail', 254);
    const max = pageMax(req.query);
    const cursor = queryString(req.query, 'cursor', 300);
    // A compliance officer reads the memberships of every space of the org, by space or by person.
    const asOfficer = async () => {
      const page = await caller.session.compliance.memberships({
        max,
        ...(roomId !== undefined ? { roomId: fieldId('ROOM', roomId, 'roomId') } : {}),
        ...(personId !== undefined ? { personId: fieldId('PEOPLE', personId, 'personId') } : {}),
        ...(personEmail !== undefined ? { personEmail } : {}),
        ...(cursor !== undefined ? { cursor } : {}),
      });
      if (page.next !== undefined) setNextLink(req, reply, { cursor: page.next });
      return { items: page.items.map(presentMembership) };
    };
    if (roomId !== undefined) {
      return orOfficer(
        caller,
        async () => {
          const page = await caller.session.api.memberships.list({
            roomId: fieldId('ROOM', roomId, 'roomId'),
            ...(personId !== undefined ? { personId: fieldId('PEOPLE', personId, 'personId') } : {}),
            ...(personEmail !== undefined ? { personEmail } : {}),
            ...(cursor !== undefined ? { cursor } : {}),
            max,
          });
          const next = linkParam(page.next, 'cursor');
          if (next !== undefined) setNextLink(req, reply, { cursor: next });
          return { items: page.items.map(presentMembership) };
        },
        asOfficer,
      );
    }
    if (isOfficer(caller)) return asOfficer();
    // Without a room: one's own memberships, space by space (as Webex answers a non-compliance caller).
    const me = caller.me;
    if (personId !== undefined && fieldId('PEOPLE', personId, 'personId') !== me.id) throw WebexError.badRequest('roomId: required to list other people’s memberships');
    if (personEmail !== undefined && !me.emails.some((e) => e.toLowerCase() === personEmail.toLowerCase())) throw WebexError.badRequest('roomId: required to list other people’s memberships');
    const rooms = await caller.session.api.rooms.list({ max, ...(cursor !== undefined ? { cursor } : {}) });
    const items = [];
    for (const room of rooms.items) {
      const mine = (await caller.session.api.memberships.list({ roomId: room.id, personId: me.id })).items[0];
      if (mine !== undefined) items.push(presentMembership(mine));
    }
    const next = linkParam(rooms.next, 'cursor');
    if (next !== undefined) setNextLink(req, reply, { cursor: next });
    return { items };
  });

  v1(app, gw, 'POST', '/v1/memberships', async ({ req, reply, caller }) => {
    const body = bodyObject(req);
    const roomId = fieldId('ROOM', body['roomId'], 'roomId');
    const isModerator = optBoolean(body, 'isModerator');
    const person = personRef(body);
    try {
      const membership = await caller.session.members.add(roomId, person, isModerator !== undefined ? { isModerator } : {});
      return presentMembership(membership);
    } catch (error) {
      // By address, someone the caller cannot see (not in their directory, no space shared) — unknown,
      // another org's, deactivated — is invited instead, with one answer for all (issue 14, finding 6):
      // 202 and the invitation, never whether the address has an account. They accept in Flint.
      if (!('personEmail' in person) || !isNotFound(error)) throw error;
      const sent = await caller.session.invitations.send(roomId, person.personEmail);
      void reply.code(202).send({ id: hydra.invitation(sent.id), roomId: hydra.room(sent.roomId), personEmail: sent.email, invitePending: true });
      return REPLY_SENT;
    }
  });

  v1(app, gw, 'GET', '/v1/memberships/:membershipId', async ({ req, caller }) => presentMembership(await findMembership(caller, (req.params as { membershipId: string }).membershipId)));

  v1(app, gw, 'PUT', '/v1/memberships/:membershipId', async ({ req, caller }) => {
    const membership = await findMembership(caller, (req.params as { membershipId: string }).membershipId);
    const body = bodyObject(req);
    const isModerator = optBoolean(body, 'isModerator');
    // isRoomHidden is accepted and has no effect: Flint keeps no hidden-space state yet.
    optBoolean(body, 'isRoomHidden');
    if (isModerator === undefined || isModerator === membership.isModerator) return presentMembership(membership);
    return presentMembership(await caller.session.api.memberships.update(membership.id, isModerator));
  });

  v1(app, gw, 'DELETE', '/v1/memberships/:membershipId', async ({ req, caller }) => {
    const membership = await findMembership(caller, (req.params as { membershipId: string }).membershipId);
    await caller.session.members.remove(membership.id);
  });
}
