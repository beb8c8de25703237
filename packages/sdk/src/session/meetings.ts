/**
 * Meetings in a space (SPEC MT-1, MT-2, SEC-5): joining, the WebRTC negotiation relayed by the core
 * to the media server, one's state, leaving — and the meeting's media keys.
 *
 * Keys (docs/meetings.md, "End-to-end encryption"): each meeting has a KMS resource of its own,
 * made by the first participant's client and bound at the KMS to the meeting (`meetingBinding`),
 * whose authorization list is exactly the meeting's participants. Its keys are epochs: whenever
 * someone joins or leaves, one participant's client (the *keeper*: the earliest-joined authorized
 * participant) puts the newcomers on the list — members only after the KMS confirms they are on
 * the space's own resource — takes the leavers off, binds a fresh key and names it as the next
 * epoch. A leaver is no longer authorized, so the KMS refuses them every key named after they left.
 * Before using a key, a client checks that it is bound to the resource the KMS confirms protects
 * this very meeting: the core names keys and resources, and is not trusted to. Frames are
 * encrypted with per-sender keys derived from the epoch's key (`@flint/sdk/media`).
 * @module
 */
import type { IceServer, Meeting, MeetingKnock, MeetingLink, MeetingParticipant } from '@flint/protocol';
import { FlintError } from '../errors.ts';
import type { KmsResourceBinding } from '../kms/client.ts';
import { tolerateMissing, verifiedKro, type SessionContext } from './context.ts';

/** How deep the space's authorization list is followed through resources named on it (a team's). */
const SPACE_AUTH_DEPTH = 3;

/**
 * The binding a meeting's KMS resource carries: the meeting's id in the KMS's room namespace,
 * prefixed so that it can never be a room's (room ids are bare UUIDs). Bindings are unique at the
 * KMS, so one resource at most protects a meeting.
 */
export function meetingBinding(meetingId: string): KmsResourceBinding {
  return { roomId: `meeting-${meetingId}` };
}

/** The key id frames carry for an epoch (the trailer has one byte for it). */
export function epochKeyId(epoch: number): number {
  return epoch % 256;
}

/**
 * Who rotates: the earliest-joined member already authorized (one client, so rotations rarely
 * race). Never a guest: a guest cannot read the space's resource, which rotation checks joiners against.
 */
export function keeperOf(meeting: Meeting): MeetingParticipant | undefined {
  return meeting.participants.filter((p) => p.authorized && p.guest !== true).sort((a, b) => a.joined.localeCompare(b.joined) || a.id.localeCompare(b.id))[0];
}

export interface MeetingState {
  audioMuted?: boolean;
  videoOff?: boolean;
  sharingScreen?: boolean;
  handRaised?: boolean;
}

export interface MediaKey {
  /** The KMS key's URI (what the core knows). */
  uri: string;
  /** The 32 bytes frame keys are derived from. */
  key: Uint8Array;
  /** Its epoch (`Meeting.keyEpoch` when it was named). */
  epoch: number;
  /** The key id frames under it carry. */
  keyId: number;
}

/** What a keeper's rotation did: whom it put on the meeting's resource and whom it took off. */
export interface Rotation {
  epoch: number;
  added: string[];
  removed: string[];
}

export class Meetings {
  constructor(private readonly ctx: SessionContext) {}

  /** The space's meeting now, if any, and whether this Flint can hold meetings. */
  current(roomId: string): Promise<{ available: boolean; meeting?: Meeting }> {
    return this.ctx.api.meetings.current(roomId);
  }

  /** Joins (or starts) the space's meeting: one's participant id for everything after. */
  join(roomId: string): Promise<{ meeting: Meeting; participantId: string }> {
    return this.ctx.api.meetings.join(roomId);
  }

  /**
   * Makes the meeting's KMS resource and first key, if it has none yet (the first participant
   * does): the resource authorizes only oneself, is bound to this meeting at the KMS, and the key
   * is named as epoch 1. Answers the meeting as it is then — with someone else's first key if they
   * were quicker.
   */
  async start(meeting: Meeting, participantId: string): Promise<Meeting> {
    if (meeting.keyEpoch > 0) return meeting;
    const me = await this.ctx.personId();
    const { key, kroUri } = await this.ctx.keys.create([me]);
    await this.ctx.keys.bind(kroUri, meetingBinding(meeting.id));
    try {
      return await this.ctx.api.meetings.setKey(meeting.id, { participantId, keyUrl: key.uri, epoch: 1, resourceUrl: kroUri });
    } catch (error) {
      if (!(error instanceof FlintError && error.status === 409)) throw error;
      const now = (await this.current(meeting.roomId)).meeting;
      if (now === undefined || now.id !== meeting.id) throw FlintError.invalid('The meeting ended.', 'not_found');
      return now;
    }
  }

  /**
   * The meeting's current media key, from the KMS (which gives it only to those on the meeting's
   * resource), after checking that the resource protects this very meeting, the key is bound to it,
   * and nobody but the meeting's participants is on it. A participant not (or no longer)
   * authorized gets the KMS's refusal.
   */
  async mediaKey(meeting: Meeting): Promise<MediaKey> {
    if (meeting.resourceUrl === undefined || meeting.keyUrl === undefined || meeting.keyEpoch === 0) throw FlintError.invalid('The meeting has no media key yet.');
    await this.ctx.keys.requireBinding(meeting.resourceUrl, meetingBinding(meeting.id));
    const key = await this.ctx.keys.key(meeting.keyUrl);
    if (key.resourceUri !== meeting.resourceUrl) throw FlintError.invalid('The meeting’s media key is not bound to the meeting’s KMS resource: refusing to use it.', 'forbidden');
    // Whoever holds the key must be someone the meeting shows: a resource bound to this meeting by
    // someone else (with the core's help) or a participant's client authorizing an outsider shows here.
    const present = new Set(meeting.participants.map((p) => p.personId));
    const strangers = (await (await this.ctx.kms()).listAuthorizations(meeting.resourceUrl)).filter((a) => !present.has(a.authId));
    if (strangers.length > 0) throw FlintError.invalid('The meeting’s KMS resource authorizes someone who is not in the meeting: refusing to use its key.', 'forbidden');
    return { uri: key.uri, key: key.key, epoch: meeting.keyEpoch, keyId: epochKeyId(meeting.keyEpoch) };
  }

  /**
   * The keeper's work (a no-op for anyone else): makes the meeting's resource authorize exactly its
   * participants, and if that changed anything, binds a fresh key and names it as the next epoch,
   * so that a leaver cannot read what is sent from now on and a newcomer nothing sent before.
   * Members are put on only once the KMS says they are on the space's own resource (the core's
   * participant list is not trusted to say who is a member); guests are put on by whoever admits
   * them (`admit`), never here. Answers undefined when nothing changed or another client's rotation
   * won the race.
   */
  async rotate(meeting: Meeting, participantId: string): Promise<Rotation | undefined> {
    const resource = meeting.resourceUrl;
    if (resource === undefined || meeting.keyEpoch === 0 || keeperOf(meeting)?.id !== participantId) return undefined;
    await this.ctx.keys.requireBinding(resource, meetingBinding(meeting.id));
    const kms = await this.ctx.kms();
    const present = new Set(meeting.participants.map((p) => p.personId));
    const removed = (await kms.listAuthorizations(resource)).map((a) => a.authId).filter((id) => !present.has(id));
    for (const id of removed) await tolerateMissing(kms.removeAuthorization(resource, id).then(() => undefined));
    const waiting = meeting.participants.filter((p) => !p.authorized);
    const members = waiting.length === 0 ? new Set<string>() : await this.spaceMembers(meeting.roomId, new Set(waiting.map((p) => p.personId)));
    const added = waiting.filter((p) => members.has(p.personId));
    if (added.length > 0) await kms.addAuthorizations(resource, [...new Set(added.map((p) => p.personId))]);
    if (removed.length === 0 && added.length === 0) return undefined;
    const key = await this.ctx.keys.rotate(resource);
    const epoch = meeting.keyEpoch + 1;
    try {
      await this.ctx.api.meetings.setKey(meeting.id, { participantId, keyUrl: key.uri, epoch, ...(added.length > 0 ? { authorized: added.map((p) => p.id) } : {}) });
    } catch (error) {
      if (error instanceof FlintError && error.status === 409) return undefined;
      throw error;
    }
    return { epoch, added: added.map((p) => p.personId), removed };
  }

  /**
   * Which of `wanted` the KMS has on the space's own resource (directly, or through a resource on
   * its list, such as a team's), the space's resource being checked to protect this very room.
   */
  private async spaceMembers(roomId: string, wanted: Set<string>): Promise<Set<string>> {
    const kro = await verifiedKro(this.ctx, await this.ctx.api.rooms.get(roomId));
    const kms = await this.ctx.kms();
    const found = new Set<string>();
    const seen = new Set<string>();
    let frontier = [kro];
    for (let depth = 0; depth < SPACE_AUTH_DEPTH && frontier.length > 0; depth++) {
      const next: string[] = [];
      for (const uri of frontier) {
        seen.add(uri);
        for (const { authId } of await kms.listAuthorizations(uri)) {
          if (wanted.has(authId)) found.add(authId);
          else if (authId.startsWith('kms://') && !seen.has(authId)) next.push(authId);
        }
      }
      frontier = next;
    }
    return found;
  }

  /** Sends one's media: the offer goes to the media server through the core; answers its SDP answer. */
  async publish(meetingId: string, participantId: string, offer: string): Promise<string> {
    return (await this.ctx.api.meetings.publish(meetingId, { participantId, offer })).answer;
  }

  /** Receives another participant's media: the media server's SDP offer, to answer with `answer`. */
  subscribe(meetingId: string, participantId: string, feedParticipantId: string): Promise<{ subscriptionId: string; offer: string }> {
    return this.ctx.api.meetings.subscribe(meetingId, { participantId, feedParticipantId });
  }

  answer(meetingId: string, participantId: string, subscriptionId: string, answer: string): Promise<void> {
    return this.ctx.api.meetings.answer(meetingId, { participantId, subscriptionId, answer });
  }

  /** One's state as the others see it. */
  update(meetingId: string, participantId: string, state: MeetingState): Promise<Meeting> {
    return this.ctx.api.meetings.update(meetingId, { participantId, ...state });
  }

  leave(meetingId: string, participantId: string): Promise<void> {
    return this.ctx.api.meetings.leave(meetingId, { participantId });
  }

  /** The STUN/TURN servers for the meeting's WebRTC connections (the calls' FLINT_TURN_* servers; empty when none). */
  async iceServers(): Promise<IceServer[]> {
    return (await this.ctx.api.meetings.iceServers()).iceServers;
  }

  // ——— Guests (docs/meetings.md "Guests"): a member's side ———

  /** Makes a link guests join the space's meetings by; `url` (with the secret) is shown once. */
  createLink(roomId: string, expiresInHours?: number): Promise<{ link: MeetingLink; token: string; url: string }> {
    return this.ctx.api.meetingGuests.createLink(roomId, expiresInHours !== undefined ? { expiresInHours } : {});
  }

  links(roomId: string): Promise<MeetingLink[]> {
    return this.ctx.api.meetingGuests.listLinks(roomId);
  }

  revokeLink(linkId: string): Promise<void> {
    return this.ctx.api.meetingGuests.revokeLink(linkId);
  }

  /** The guests waiting in the lobby (for members in the meeting; `meeting.knock` events tell of new ones). */
  knocks(meetingId: string): Promise<MeetingKnock[]> {
    return this.ctx.api.meetingGuests.knocks(meetingId);
  }

  deny(meetingId: string, participantId: string, knockId: string): Promise<MeetingKnock> {
    return this.ctx.api.meetingGuests.deny(meetingId, knockId, participantId);
  }

  /**
   * Admits a waiting guest: the core makes the guest a participant, then this client — not the
   * core — puts the guest's person on the meeting's KMS resource, binds a fresh key and names it as
   * the next epoch with the guest authorized. Until then the KMS gives the guest nothing. The guest
   * is never put on the space's resource. Another rotation naming the epoch first is retried on
   * the meeting as it is then.
   */
  async admit(meeting: Meeting, participantId: string, knockId: string): Promise<{ knock: MeetingKnock; meeting: Meeting }> {
    const admitted = await this.ctx.api.meetingGuests.admit(meeting.id, knockId, participantId);
    const guest = admitted.knock;
    if (guest.participantId === undefined) throw FlintError.invalid('The core admitted the guest without a participant.');
    let now = admitted.meeting;
    const resource = now.resourceUrl;
    if (resource === undefined) throw FlintError.invalid('The meeting has no KMS resource yet.');
    await this.ctx.keys.requireBinding(resource, meetingBinding(now.id));
    const kms = await this.ctx.kms();
    const on = new Set((await kms.listAuthorizations(resource)).map((a) => a.authId));
    if (!on.has(guest.personId)) await kms.addAuthorizations(resource, [guest.personId]);
    for (let attempt = 0; attempt < 5; attempt++) {
      const key = await this.ctx.keys.rotate(resource);
      try {
        const named = await this.ctx.api.meetings.setKey(now.id, { participantId, keyUrl: key.uri, epoch: now.keyEpoch + 1, authorized: [guest.participantId] });
        return { knock: guest, meeting: named };
      } catch (error) {
        if (!(error instanceof FlintError && error.status === 409)) throw error;
        const fresh = (await this.current(now.roomId)).meeting;
        if (fresh === undefined || fresh.id !== now.id) throw FlintError.invalid('The meeting ended.', 'not_found');
        now = fresh;
        if (now.participants.find((p) => p.id === guest.participantId)?.authorized === true) return { knock: guest, meeting: now };
      }
    }
    throw FlintError.invalid('Could not name the key that lets the guest in: others rotated meanwhile. Try again.', 'conflict');
  }

  // ——— Guests: the guest's own side (a session made by `joinMeetingAsGuest`) ———

  /** One's knock (waiting, admitted, denied) and, once admitted, the meeting. */
  guestStatus(): Promise<{ knock: MeetingKnock; meeting?: Meeting }> {
    return this.ctx.api.meetingGuests.me();
  }

  /**
   * Waits in the lobby until a member decides: answers the knock admitted (with the meeting), or
   * denied. Asks the core every `pollMs` (default 1 s).
   */
  async waitForAdmission(options: { timeoutMs?: number; pollMs?: number; signal?: AbortSignal } = {}): Promise<{ knock: MeetingKnock; meeting?: Meeting }> {
    const end = Date.now() + (options.timeoutMs ?? 10 * 60_000);
    for (;;) {
      const status = await this.guestStatus();
      if (status.knock.state !== 'waiting') return status;
      if (Date.now() > end) throw FlintError.invalid('Nobody let you in.', 'conflict');
      if (options.signal?.aborted === true) throw FlintError.invalid('Stopped waiting.', 'conflict');
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 1000));
    }
  }

  /** Leaves the lobby or the meeting: the guest account ends with it. */
  guestLeave(): Promise<void> {
    return this.ctx.api.meetingGuests.leave();
  }
}
