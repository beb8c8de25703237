/**
 * What Janus forwards to each receiver (docs/meetings.md "Simulcast and last-N"): the core keeps,
 * per meeting, who spoke last (from Janus's talking events), each receiver's view (layout, last-N,
 * pinned) and its subscriptions, and re-applies `chooseForwarding` whenever one of them changes —
 * sending Janus a `configure` only for the subscriptions whose choice changed. Receivers ask
 * through Flint (`PUT /api/meetings/:id/view`); they never talk to Janus.
 *
 * Held in this instance's memory, like Janus's handles (meetings run on one instance). Changes of a
 * meeting are applied one after another, so a late answer from Janus never undoes a newer choice.
 * @module
 */
import { MEETING_LIMITS, type Forwarding, type MeetingSpeakers, type MeetingView } from '@flint/protocol';
import type { Core } from '../core.ts';
import { chooseForwarding, noteSilence, noteSpeaker, type Feed } from './last-n.ts';
import { SUBSTREAM } from './simulcast.ts';

interface Subscription {
  subscriber: string;
  feed: string;
  subscriptionId: string;
  /** Its media started (the receiver answered): Janus can be configured. */
  started: boolean;
  /** The last choice sent to Janus, `video:layer`. */
  applied?: string;
}

interface MeetingState {
  speakers: string[];
  talking: Set<string>;
  views: Map<string, MeetingView>;
  subscriptions: Subscription[];
  /** The chain changes of this meeting are applied on, one after another. */
  queue: Promise<unknown>;
}

export const DEFAULT_VIEW: MeetingView = { layout: 'grid', lastN: MEETING_LIMITS.defaultLastN };

export class Forwarder {
  private readonly meetings = new Map<string, MeetingState>();

  constructor(private readonly core: Core) {}

  private state(meetingId: string): MeetingState {
    let state = this.meetings.get(meetingId);
    if (state === undefined) {
      state = { speakers: [], talking: new Set(), views: new Map(), subscriptions: [], queue: Promise.resolve() };
      this.meetings.set(meetingId, state);
    }
    return state;
  }

  /** Runs `work` after the meeting's earlier changes. */
  private serial<T>(meetingId: string, work: (state: MeetingState) => Promise<T>): Promise<T> {
    const state = this.state(meetingId);
    const next = state.queue.then(() => work(state));
    state.queue = next.catch(() => undefined);
    return next;
  }

  /** A subscription was made (its media starts on the answer). */
  subscribed(meetingId: string, subscriber: string, feed: string, subscriptionId: string): void {
    this.state(meetingId).subscriptions.push({ subscriber, feed, subscriptionId, started: false });
  }

  /** The receiver answered: from now on Janus forwards what is chosen for it. */
  async started(meetingId: string, subscriber: string, subscriptionId: string): Promise<void> {
    await this.serial(meetingId, async (state) => {
      const subscription = state.subscriptions.find((s) => s.subscriptionId === subscriptionId && s.subscriber === subscriber);
      if (subscription === undefined) return;
      subscription.started = true;
      await this.apply(meetingId, state, subscriber);
    });
  }

  /** A receiver's view changed: answers what it gets now. */
  async setView(meetingId: string, subscriber: string, view: MeetingView): Promise<Forwarding[]> {
    return this.serial(meetingId, async (state) => {
      state.views.set(subscriber, view);
      return this.apply(meetingId, state, subscriber);
    });
  }

  /** Someone's state changed (a screen shared, a camera off) or someone left: every receiver's choice again. */
  async changed(meetingId: string): Promise<void> {
    await this.serial(meetingId, async (state) => {
      for (const subscriber of new Set(state.subscriptions.map((s) => s.subscriber))) await this.apply(meetingId, state, subscriber);
    });
  }

  /** A participant left: their subscriptions, view and place among the speakers go; the others' choices are made again. */
  async left(participantId: string): Promise<void> {
    for (const [meetingId, state] of this.meetings) {
      const involved = state.views.has(participantId) || state.speakers.includes(participantId) || state.subscriptions.some((s) => s.subscriber === participantId || s.feed === participantId);
      if (!involved) continue;
      state.views.delete(participantId);
      state.speakers = state.speakers.filter((id) => id !== participantId);
      state.talking.delete(participantId);
      state.subscriptions = state.subscriptions.filter((s) => s.subscriber !== participantId && s.feed !== participantId);
      if (state.subscriptions.length === 0 && state.views.size === 0) {
        this.meetings.delete(meetingId);
        continue;
      }
      await this.changed(meetingId);
    }
  }

  /** Janus says a publisher started or stopped talking (each publisher's handle hears it: idempotent). */
  async talking(participantId: string, talking: boolean): Promise<void> {
    const participant = await this.core.db.selectFrom('meeting_participants').select(['meeting_id', 'left_at']).where('id', '=', participantId).executeTakeFirst();
    if (participant === undefined || participant.left_at !== null) return;
    const meeting = await this.core.db.selectFrom('meetings').select(['id', 'space_id', 'ended_at']).where('id', '=', participant.meeting_id).executeTakeFirst();
    if (meeting === undefined || meeting.ended_at !== null) return;
    await this.serial(meeting.id, async (state) => {
      if (state.talking.has(participantId) === talking) return;
      if (talking) {
        state.talking.add(participantId);
        state.speakers = noteSpeaker(state.speakers, participantId);
      } else {
        state.talking.delete(participantId);
        state.speakers = noteSilence(state.speakers, participantId, state.talking);
      }
      this.core.log.info({ meetingId: meeting.id, talking: state.talking.size }, 'meeting speakers changed');
      const data: MeetingSpeakers = { meetingId: meeting.id, roomId: meeting.space_id, speakers: state.speakers, talking: [...state.talking] };
      await this.core.events.transact(async (_trx, emit) => emit({ space: meeting.space_id, type: 'meeting.speakers', data, actorId: null }));
      for (const subscriber of new Set(state.subscriptions.map((s) => s.subscriber))) await this.apply(meeting.id, state, subscriber);
    });
  }

  /** The speakers of a meeting, most recent first (for a tab that just joined). */
  speakers(meetingId: string): string[] {
    return this.meetings.get(meetingId)?.speakers ?? [];
  }

  private async feeds(meetingId: string): Promise<Feed[]> {
    const rows = await this.core.db
      .selectFrom('meeting_participants')
      .select(['id', 'video_off', 'sharing_screen'])
      .where('meeting_id', '=', meetingId)
      .where('left_at', 'is', null)
      .where('media_feed', 'is not', null)
      .orderBy('joined_at')
      .execute();
    return rows.map((r) => ({ id: r.id, videoOff: r.video_off === 1, sharingScreen: r.sharing_screen === 1 }));
  }

  /** Chooses for one receiver and tells Janus what changed. */
  private async apply(meetingId: string, state: MeetingState, subscriber: string): Promise<Forwarding[]> {
    const choice = chooseForwarding(subscriber, state.views.get(subscriber) ?? DEFAULT_VIEW, await this.feeds(meetingId), state.speakers);
    const media = this.core.media;
    if (media === undefined) return choice;
    for (const subscription of state.subscriptions) {
      if (subscription.subscriber !== subscriber || !subscription.started) continue;
      const chosen = choice.find((c) => c.feedParticipantId === subscription.feed);
      if (chosen === undefined) continue;
      const key = `${chosen.video}:${chosen.layer}`;
      if (subscription.applied === key) continue;
      try {
        await media.forward(subscription.subscriptionId, subscriber, { video: chosen.video, substream: SUBSTREAM[chosen.layer] });
        subscription.applied = key;
      } catch (error) {
        // A subscription that just ended (its receiver left) is no error of anyone's.
        this.core.log.warn({ err: (error as Error).message, meetingId }, 'meeting forwarding not applied');
      }
    }
    return choice;
  }
}

const forwarders = new WeakMap<Core, Forwarder>();

/** This core's forwarder (one per core instance, like its media server's handles). */
export function forwarderOf(core: Core): Forwarder {
  let forwarder = forwarders.get(core);
  if (forwarder === undefined) {
    forwarder = new Forwarder(core);
    forwarders.set(core, forwarder);
  }
  return forwarder;
}
