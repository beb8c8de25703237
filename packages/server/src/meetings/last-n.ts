/**
 * Last-N (docs/meetings.md "Simulcast and last-N"): which of the others' videos a receiver gets,
 * and in which simulcast layer. Pure functions, so the choice is tested without a media server;
 * `forwarding.ts` applies it to Janus. Ranking: the pinned participant, then shared screens, then
 * the most recent speakers (from the media server's audio levels), then the earliest joined; the
 * first `lastN` who send video get it. Audio is not chosen here: everyone's is forwarded (Opus is a
 * small part of the load; see the capacity notes in docs/meetings.md).
 * @module
 */
import type { Forwarding, MeetingView } from '@flint/protocol';
import { gridLayer } from './simulcast.ts';

/** A participant whose media the media server has (in joining order). */
export interface Feed {
  id: string;
  videoOff: boolean;
  sharingScreen: boolean;
}

/** A participant who started speaking moves to the front; the others keep their order. */
export function noteSpeaker(order: readonly string[], participantId: string): string[] {
  return [participantId, ...order.filter((id) => id !== participantId)];
}

/**
 * A participant who stopped speaking moves behind everyone still speaking (but before those who
 * spoke earlier): otherwise one who has talked all along would stay behind a newer speaker who fell
 * silent, and last-N would show the silent one.
 */
export function noteSilence(order: readonly string[], participantId: string, talking: ReadonlySet<string>): string[] {
  const rest = order.filter((id) => id !== participantId);
  // Those speaking are always at the front: a start moves one there, a stop takes one out of it.
  let index = 0;
  while (index < rest.length && talking.has(rest[index]!)) index++;
  return [...rest.slice(0, index), participantId, ...rest.slice(index)];
}

/**
 * What `viewer` receives of each other feed: `feeds` in joining order, `speakers` most recent first.
 * A feed with its camera off takes no place among the N (there is nothing to see).
 */
export function chooseForwarding(viewer: string, view: MeetingView, feeds: readonly Feed[], speakers: readonly string[]): Forwarding[] {
  const others = feeds.filter((f) => f.id !== viewer);
  const byId = new Map(others.map((f) => [f.id, f]));
  const ranked: Feed[] = [];
  const take = (feed: Feed | undefined) => {
    if (feed !== undefined && !ranked.includes(feed)) ranked.push(feed);
  };
  if (view.pinned !== undefined) take(byId.get(view.pinned));
  for (const feed of others) if (feed.sharingScreen) take(feed);
  for (const id of speakers) take(byId.get(id));
  for (const feed of others) take(feed);
  const shown = ranked.filter((f) => !f.videoOff || f.sharingScreen).slice(0, view.lastN);
  const main = shown[0];
  return others.map((feed) => {
    const video = shown.includes(feed);
    const layer = view.layout === 'speaker' ? (feed === main || feed.sharingScreen ? 'high' : 'low') : gridLayer(shown.length, feed.sharingScreen);
    return { feedParticipantId: feed.id, video, layer: video ? layer : 'low' };
  });
}
