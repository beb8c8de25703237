/**
 * Meetings (SPEC MT-1, MT-2, SEC-5): one meeting per space at a time, started when its first member
 * joins and ended when the last one leaves. Media goes through the media server (Janus VideoRoom),
 * but clients never talk to its API: the core is its only client and relays the WebRTC offers and
 * answers (JSEP) here. Every frame is encrypted in the sender's browser with a key derived from the
 * meeting's KMS key (`keyUrl`), which the core and the media server only ever see as a URI
 * (docs/meetings.md). DTLS-SRTP protects every leg underneath.
 * @module
 */
import { Type, type Static } from 'typebox';
import { Id, IdParams, Timestamp } from './common.ts';
import { defineMethod } from './method.ts';
import { IceServer } from './calls.ts';

export const MEETING_LIMITS = {
  /** People in one meeting at a time (SPEC MT-1: 25 basic; the 200 of advanced licences is not built). */
  participants: 25,
  /** An SDP offer or answer, in characters. */
  sdpChars: 20_000,
  /** A KMS key URI, in characters. */
  keyUrlChars: 2_000,
} as const;

/** One person's presence in a meeting: each join is a new participant (a second tab is another one). */
export const MeetingParticipant = Type.Object({
  id: Id,
  personId: Id,
  displayName: Type.String(),
  joined: Timestamp,
  /** Their media reaches the media server: others may subscribe to it. */
  publishing: Type.Boolean(),
  audioMuted: Type.Boolean(),
  videoOff: Type.Boolean(),
  /** Their video is a shared screen rather than the camera. */
  sharingScreen: Type.Boolean(),
  /** They raised their hand (SPEC MT-1's meeting controls). */
  handRaised: Type.Boolean(),
  /**
   * A participant's client put them on the meeting's KMS resource (SEC-5): they may fetch the keys
   * named from then on. What clients said, for coordination: the KMS alone decides.
   */
  authorized: Type.Boolean(),
  /** A guest admitted from the lobby (docs/meetings.md "Guests"): not a member of the space, never the keeper. */
  guest: Type.Optional(Type.Boolean()),
});
export type MeetingParticipant = Static<typeof MeetingParticipant>;

export const Meeting = Type.Object({
  id: Id,
  roomId: Id,
  started: Timestamp,
  ended: Type.Optional(Timestamp),
  /**
   * The meeting's own KMS resource (SEC-5), made and bound to this meeting by the first
   * participant's client: exactly the participants are authorized on it. Absent until then.
   */
  resourceUrl: Type.Optional(Type.String()),
  /**
   * The KMS key the media is encrypted with now (bound to `resourceUrl`); absent until the first is
   * named. Only the URI: the key itself comes from the KMS.
   */
  keyUrl: Type.Optional(Type.String()),
  /**
   * How many keys were named: 0 none yet, then one more at each rotation (someone joined or left).
   * Frames name their key by `keyEpoch % 256` (the frame trailer's key id).
   */
  keyEpoch: Type.Integer({ minimum: 0 }),
  /** Those in it now. */
  participants: Type.Array(MeetingParticipant),
});
export type Meeting = Static<typeof Meeting>;

const Sdp = Type.String({ minLength: 1, maxLength: MEETING_LIMITS.sdpChars });
const MeetingParams = Type.Object({ id: Id }, { additionalProperties: false });
const ParticipantBody = { participantId: Id };

export const getMeeting = defineMethod({
  id: 'meetings.current',
  verb: 'GET',
  path: '/api/rooms/:id/meeting',
  summary: 'The space’s meeting going on now, if any (`meeting` absent when none), and whether this Flint can hold meetings at all.',
  tag: 'meetings',
  auth: 'person',
  params: IdParams,
  response: Type.Object({ available: Type.Boolean(), meeting: Type.Optional(Meeting) }),
  status: 200,
});

export const joinMeeting = defineMethod({
  id: 'meetings.join',
  verb: 'POST',
  path: '/api/rooms/:id/meeting/join',
  summary: `Join the space’s meeting, starting it if none is going on (members of the space only; at most ${MEETING_LIMITS.participants} at a time). Answers the meeting and one’s new participant id. 409 \`meetings_unavailable\` when this Flint has no media server.`,
  tag: 'meetings',
  auth: 'person',
  params: IdParams,
  response: Type.Object({ meeting: Meeting, participantId: Id }),
  status: 200,
});

const KmsUri = Type.String({ minLength: 1, maxLength: MEETING_LIMITS.keyUrlChars, pattern: '^kms://' });

export const setMeetingKey = defineMethod({
  id: 'meetings.setKey',
  verb: 'PUT',
  path: '/api/meetings/:id/key',
  summary:
    'Name the meeting’s next media key (a KMS key URI bound to the meeting’s resource): `epoch` must be the meeting’s `keyEpoch` + 1, else 409 (someone rotated first: use theirs). The first (epoch 1) also names `resourceUrl`, once. `authorized` lists the participants the caller just put on the resource. Only a participant already authorized (or the first, naming epoch 1) may.',
  tag: 'meetings',
  auth: 'person',
  params: MeetingParams,
  body: Type.Object(
    {
      ...ParticipantBody,
      keyUrl: KmsUri,
      epoch: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
      resourceUrl: Type.Optional(KmsUri),
      authorized: Type.Optional(Type.Array(Id, { maxItems: MEETING_LIMITS.participants, uniqueItems: true })),
    },
    { additionalProperties: false },
  ),
  response: Meeting,
  status: 200,
});

export const publish = defineMethod({
  id: 'meetings.publish',
  verb: 'POST',
  path: '/api/meetings/:id/publish',
  summary: 'Send one’s media: the core hands the WebRTC offer to the media server and answers its SDP answer. Once per participant.',
  tag: 'meetings',
  auth: 'person',
  params: MeetingParams,
  body: Type.Object({ ...ParticipantBody, offer: Sdp }, { additionalProperties: false }),
  response: Type.Object({ answer: Type.String() }),
  status: 200,
});

export const subscribe = defineMethod({
  id: 'meetings.subscribe',
  verb: 'POST',
  path: '/api/meetings/:id/subscribe',
  summary: 'Receive another participant’s media: answers the media server’s SDP offer and a subscription id to answer it on.',
  tag: 'meetings',
  auth: 'person',
  params: MeetingParams,
  body: Type.Object({ ...ParticipantBody, feedParticipantId: Id }, { additionalProperties: false }),
  response: Type.Object({ subscriptionId: Type.String(), offer: Type.String() }),
  status: 200,
});

export const answerSubscription = defineMethod({
  id: 'meetings.answer',
  verb: 'POST',
  path: '/api/meetings/:id/answer',
  summary: 'The SDP answer to a subscription’s offer; media starts flowing.',
  tag: 'meetings',
  auth: 'person',
  params: MeetingParams,
  body: Type.Object({ ...ParticipantBody, subscriptionId: Type.String({ minLength: 1, maxLength: 40 }), answer: Sdp }, { additionalProperties: false }),
  response: null,
  status: 204,
});

export const updateParticipant = defineMethod({
  id: 'meetings.updateParticipant',
  verb: 'PUT',
  path: '/api/meetings/:id/state',
  summary: 'One’s own state as the others see it: muted, camera off, sharing the screen, hand raised.',
  tag: 'meetings',
  auth: 'person',
  params: MeetingParams,
  body: Type.Object(
    { ...ParticipantBody, audioMuted: Type.Optional(Type.Boolean()), videoOff: Type.Optional(Type.Boolean()), sharingScreen: Type.Optional(Type.Boolean()), handRaised: Type.Optional(Type.Boolean()) },
    { additionalProperties: false },
  ),
  response: Meeting,
  status: 200,
});

export const leaveMeeting = defineMethod({
  id: 'meetings.leave',
  verb: 'POST',
  path: '/api/meetings/:id/leave',
  summary: 'Leave the meeting (its media stops); the last one out ends it. Leaving twice is harmless.',
  tag: 'meetings',
  auth: 'person',
  params: MeetingParams,
  body: Type.Object(ParticipantBody, { additionalProperties: false }),
  response: null,
  status: 204,
});

export const iceServers = defineMethod({
  id: 'meetings.iceServers',
  verb: 'GET',
  path: '/api/meetings/ice-servers',
  summary: 'The STUN/TURN servers a meeting’s WebRTC connections (to the media server) use: the same FLINT_TURN_* servers as calls, with short-lived TURN credentials made for the caller. Empty when none is configured.',
  tag: 'meetings',
  auth: 'person',
  response: Type.Object({ iceServers: Type.Array(IceServer) }),
  status: 200,
});
