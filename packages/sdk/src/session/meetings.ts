/**
 * Meetings in a space (SPEC MT-1, MT-2, SEC-5): joining, the WebRTC negotiation relayed by the core
 * to the media server, one's state, leaving — and the meeting's media key. The key is an ordinary
 * KMS key bound to the space's KMS resource (so exactly the space's members may fetch it: a
 * meeting is the space's, and anyone in the space may join it; docs/meetings.md). The first
 * participant's session creates it and names its URI on the meeting; everyone fetches it from the
 * KMS, after checking it is bound to the KRO the KMS confirms protects this very room — the core
 * names the key, and is not trusted to name one someone else holds. Frames are then encrypted
 * with per-sender keys derived from it (`@flint/sdk/media`).
 * @module
 */
import type { Meeting } from '@flint/protocol';
import { FlintError } from '../errors.ts';
import { verifiedKro, type SessionContext } from './context.ts';

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
   * The meeting's media key: the one it names (checked to be bound to the room's own KRO), or — for
   * the first participant — a new KMS key bound to it, named on the meeting. If another participant
   * named one meanwhile, theirs is used. `options.keyUrl` names an existing key instead of a new one
   * (a call moving into its direct space's meeting keeps the call's key, MT-6); it is checked the same.
   */
  async mediaKey(meeting: Meeting, participantId: string, options: { keyUrl?: string } = {}): Promise<MediaKey> {
    const room = await this.ctx.api.rooms.get(meeting.roomId);
    const kroUri = await verifiedKro(this.ctx, room);
    let keyUrl = meeting.keyUrl;
    if (keyUrl === undefined) {
      const chosen = options.keyUrl ?? (await this.ctx.keys.rotate(kroUri)).uri;
      try {
        keyUrl = (await this.ctx.api.meetings.setKey(meeting.id, { participantId, keyUrl: chosen })).keyUrl;
      } catch (error) {
        if (!(error instanceof FlintError && error.status === 409)) throw error;
        keyUrl = (await this.current(meeting.roomId)).meeting?.keyUrl;
      }
      if (keyUrl === undefined) throw FlintError.invalid('The meeting has no media key.');
    }
    const key = await this.ctx.keys.key(keyUrl);
    if (key.resourceUri !== kroUri) throw FlintError.invalid('The meeting’s media key is not bound to the space’s KMS resource: refusing to use it.', 'forbidden');
    return { uri: key.uri, key: key.key };
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
}
