/**
 * System lines in a space's timeline ("Ada added Bob", "Bob left", "Ada renamed the space"), made
 * from the membership and space events the server already sends on the event stream. They are what
 * this tab saw happen while it was open: the server keeps no listable history of them beside the
 * messages, so a reload starts without them (docs/web-app.md).
 * @module
 */
import type { Membership, StoredEvent } from '@flint/protocol';

export type Notice =
  | { kind: 'added' | 'removed'; id: number; roomId: string; at: string; actorId: string; personId: string; personName: string }
  | { kind: 'joined' | 'left'; id: number; roomId: string; at: string; personId: string; personName: string }
  | { kind: 'renamed'; id: number; roomId: string; at: string; actorId: string; title: string };

/** The notice a membership event makes, if any. */
export function membershipNotice(event: StoredEvent): Notice | undefined {
  if (event.type !== 'membership.created' && event.type !== 'membership.deleted') return undefined;
  const m = event.data as Membership;
  const base = { id: event.id, roomId: m.roomId, at: event.created, personId: m.personId, personName: m.personDisplayName };
  const self = event.actorId === undefined || event.actorId === m.personId;
  if (event.type === 'membership.created') return self ? { kind: 'joined', ...base } : { kind: 'added', actorId: event.actorId!, ...base };
  return self ? { kind: 'left', ...base } : { kind: 'removed', actorId: event.actorId!, ...base };
}

/** A rename of a space whose title (opened in this tab) changed. */
export function renameNotice(event: StoredEvent, roomId: string, before: string | undefined, after: string | undefined): Notice | undefined {
  if (event.type !== 'room.updated' || before === undefined || after === undefined || before === after || event.actorId === undefined) return undefined;
  return { kind: 'renamed', id: event.id, roomId, at: event.created, actorId: event.actorId, title: after };
}
