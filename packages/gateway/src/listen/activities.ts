/**
 * Native events → the internal Webex "activities" the SDK's `listen()` turns into
 * `messages:created`, `rooms:updated`, `memberships:created`… (reference §8.5). Only ids, verbs
 * and tags are read by the SDK (it then fetches a message through `/v1` with the listener's own
 * token), so an activity carries no content. Its URLs must be on a catalog host: the SDK derives
 * the hydra cluster from them.
 * @module
 */
import type { AttachmentAction, Membership, Message, Room, StoredEvent } from '@flint/protocol';

export interface Activity {
  id: string;
  objectType: 'activity';
  verb: string;
  url: string;
  published: string;
  actor: { objectType: 'person'; entryUUID: string; emailAddress?: string; displayName?: string; orgId?: string };
  object: Record<string, unknown>;
  target: { objectType: 'conversation'; id: string; url: string; tags: string[] };
  /** For a card submission: the message whose card it was. */
  parent?: { id: string; type: string };
}

/** The person behind an actor id (email, name, org), when known; activities go out without it otherwise. */
export type PersonLookup = (personId: string) => Promise<{ emailAddress?: string; displayName?: string; orgId?: string } | undefined>;

function tags(room: { type: 'group' | 'direct'; isLocked?: boolean }): string[] {
  const out: string[] = [];
  if (room.type === 'direct') out.push('ONE_ON_ONE');
  if (room.isLocked === true) out.push('LOCKED');
  return out;
}

/** Opens a card submission's sealed inputs with the listener's own KMS access (undefined if it cannot). */
export type InputsOpener = (action: AttachmentAction) => Promise<Record<string, unknown> | undefined>;

export async function activityOf(event: StoredEvent, origin: string, people: PersonLookup, openInputs: InputsOpener): Promise<Activity | undefined> {
  const conversation = (roomId: string) => `${origin}/conversation/api/v1/conversations/${roomId}`;
  const base = (verb: string) => ({
    id: `${event.id}`,
    objectType: 'activity' as const,
    verb,
    url: `${origin}/conversation/api/v1/activities/${event.id}`,
    published: event.created,
  });
  const actor = async (personId: string, known?: { emailAddress?: string }) => ({ objectType: 'person' as const, entryUUID: personId, ...(await people(personId)), ...known });
  switch (event.type) {
    case 'message.created':
    case 'message.deleted': {
      const m = event.data as Message;
      const created = event.type === 'message.created';
      const verb = created ? (m.files !== undefined && m.files.length > 0 ? 'share' : 'post') : 'delete';
      const actorId = created ? m.personId : (event.actorId ?? m.personId);
      return {
        ...base(verb),
        // The SDK fetches a created message by the activity's id: it is the message's.
        id: m.id,
        actor: await actor(actorId, created ? { emailAddress: m.personEmail } : {}),
        object: { objectType: 'comment', id: m.id },
        target: { objectType: 'conversation', id: m.roomId, url: conversation(m.roomId), tags: tags({ type: m.roomType }) },
      };
    }
    case 'room.created':
    case 'room.updated': {
      const r = event.data as Room;
      const actorId = event.actorId ?? r.creatorId;
      const creator = await actor(r.creatorId);
      return {
        ...base(event.type === 'room.created' ? 'create' : 'update'),
        actor: await actor(actorId),
        object: {
          objectType: 'conversation',
          id: r.id,
          url: conversation(r.id),
          tags: tags(r),
          creatorUUID: r.creatorId,
          // A new space's first member (the memberships plugin turns these into memberships:created).
          participants: { items: event.type === 'room.created' ? [creator] : [] },
        },
        target: { objectType: 'conversation', id: r.id, url: conversation(r.id), tags: tags(r) },
      };
    }
    case 'membership.created':
    case 'membership.updated':
    case 'membership.deleted': {
      const m = event.data as Membership;
      const verb = event.type === 'membership.created' ? 'add' : event.type === 'membership.deleted' ? 'leave' : m.isModerator ? 'assignModerator' : 'unassignModerator';
      return {
        ...base(verb),
        actor: await actor(event.actorId ?? m.personId),
        object: {
          objectType: 'person',
          entryUUID: m.personId,
          emailAddress: m.personEmail,
          displayName: m.personDisplayName,
          orgId: m.personOrgId,
          roomProperties: { isModerator: m.isModerator },
        },
        target: { objectType: 'conversation', id: m.roomId, url: conversation(m.roomId), tags: tags({ type: m.roomType }) },
      };
    }
    case 'membership.seen': {
      const s = event.data as { roomId: string; personId: string; lastSeenId: string };
      return {
        ...base('acknowledge'),
        actor: await actor(s.personId),
        object: { objectType: 'activity', id: s.lastSeenId },
        // The space's type is not in the receipt; a receipt in a direct space reads as a group's.
        target: { objectType: 'conversation', id: s.roomId, url: conversation(s.roomId), tags: [] },
      };
    }
    case 'attachmentAction.created': {
      const a = event.data as AttachmentAction;
      const inputs = await openInputs(a);
      return {
        ...base('cardAction'),
        id: a.id,
        actor: await actor(a.personId),
        // The SDK reads the submitted values from here (the card's sender may see them).
        object: { objectType: a.type, ...(inputs !== undefined ? { inputs } : {}) },
        parent: { id: a.messageId, type: 'reply' },
        target: { objectType: 'conversation', id: a.roomId, url: conversation(a.roomId), tags: [] },
      };
    }
    // No Webex SDK event for these: edits (the SDK reads `update` as a space's), deletions of
    // spaces, teams, one's own state (flags, favourites, read markers), reactions (Flint's own,
    // sealed; Webex has no public reactions resource), invitations by address and KMS replies.
    case 'space_invitation.received':
    case 'space_invitation.accepted':
    case 'space_invitation.removed':
    case 'care_request.updated':
    case 'meeting.updated':
    case 'meeting.knock':
    case 'scheduled_meeting.updated':
    case 'scheduled_meeting.deleted':
    case 'personal_room.knock':
    case 'call.updated':
    case 'call.signal':
    case 'phone_call.updated':
    case 'voicemail.created':
    case 'voicemail.updated':
    case 'voicemail.deleted':
    case 'message.updated':
    case 'room.deleted':
    case 'room.favorite':
    case 'room.read':
    case 'flag.created':
    case 'flag.deleted':
    case 'reaction.created':
    case 'reaction.deleted':
    case 'team.created':
    case 'team.updated':
    case 'team.deleted':
    case 'team.membership.created':
    case 'team.membership.updated':
    case 'team.membership.deleted':
    case 'team.keyShare.pending':
    case 'encryption.kms_message':
      return undefined;
  }
}
