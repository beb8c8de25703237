/**
 * What the meetings domain needs of a media server (an SFU): rooms, one publisher per participant,
 * subscriptions relayed as SDP offers and answers. The core is the media server's only client;
 * Janus VideoRoom is the implementation (`janus.ts`). The media server forwards frames it cannot
 * read: they are encrypted in the browsers (docs/meetings.md).
 * @module
 */
/** Whether meetings have a media server: it may still be starting when the core already answers. */
export type MediaState = 'starting' | 'ready' | 'unavailable';

export interface MeetingMedia {
  /** Creates the room if it does not exist yet. */
  ensureRoom(room: number): Promise<void>;
  /** Ends the room and every handle in it. */
  destroyRoom(room: number): Promise<void>;
  /** Publishes a participant's media (their WebRTC offer) as `feed`; answers the SDP answer. */
  publish(room: number, feed: number, participantId: string, offer: string): Promise<string>;
  /** Starts a subscription of `participantId` to `feed`: answers the media server's SDP offer. */
  subscribe(room: number, feed: number, participantId: string): Promise<{ subscriptionId: string; offer: string }>;
  /** The subscriber's SDP answer; media starts. Only the participant the subscription was made for. */
  answer(subscriptionId: string, participantId: string, answer: string): Promise<void>;
  /** Stops everything of a participant: their publisher and their subscriptions. */
  drop(participantId: string): Promise<void>;
  /** Called when a participant's published media hung up on its own (the browser closed, the network went). */
  onHangup(listener: (participantId: string) => void): void;
  close(): Promise<void>;
}
