/**
 * Calls between two people (SPEC CL-1, CL-2; docs/calls.md): placing, answering, hold, transfer,
 * the WebRTC negotiation relayed by the core — and the call's media key. The key is an ordinary
 * KMS key bound to the two people's direct space's KMS resource (the same kind of key a meeting of
 * that space uses, so a call can move onto the meeting's SFU without a new KMS key): exactly the
 * two may fetch it. The caller's session makes it and names its URI on the call; the callee's
 * fetches it from the KMS after checking it is bound to the KRO the KMS confirms protects the direct
 * space the call names — the core names the key, and is not trusted to name one someone else holds.
 * Frames are encrypted with per-sender keys derived from it (`@flint/sdk/media`, with the call's id
 * as the salt and the sender's person id).
 * @module
 */
import type { Call, CallMedia, CallSettings, CallSignal, CallTarget, IceServer, Room } from '@flint/protocol';
import { FlintError } from '../errors.ts';
import { resolvePerson, verifiedKro, type SessionContext } from './context.ts';
import type { MediaKey } from './meetings.ts';
import type { Members } from './members.ts';
import type { Spaces } from './spaces.ts';
import type { PersonRef } from './types.ts';

export class Calls {
  constructor(
    private readonly ctx: SessionContext,
    private readonly spaces: Spaces,
    private readonly members: Members,
  ) {}

  iceServers(): Promise<IceServer[]> {
    return this.ctx.api.calls.iceServers().then((r) => r.iceServers);
  }

  /** The direct space with the person (made on first use), or the one given. */
  private async directRoom(to: CallTarget, roomId: string | undefined): Promise<Room> {
    if (roomId !== undefined) return this.ctx.api.rooms.get(roomId);
    return this.spaces.direct('personId' in to ? { personId: to.personId } : { personEmail: to.email });
  }

  /** A new media key bound to the direct space's verified KRO. */
  private async freshKey(room: Room): Promise<string> {
    if (room.type !== 'direct') throw FlintError.invalid('A call’s key is bound to the two people’s direct space.');
    const kroUri = await verifiedKro(this.ctx, room);
    return (await this.ctx.keys.rotate(kroUri)).uri;
  }

  /**
   * Calls a person from this endpoint: opens (or makes) the direct space with them, makes the call's
   * media key bound to its KMS resource, and places the call. `roomId` skips the lookup when the
   * client knows the direct space already.
   */
  async dial(to: CallTarget, media: CallMedia, endpointId: string | undefined, options: { roomId?: string } = {}): Promise<Call> {
    const room = await this.directRoom(to, options.roomId);
    const keyUrl = await this.freshKey(room);
    return this.ctx.api.calls.dial({ to, media, ...(endpointId !== undefined ? { endpointId } : {}), roomId: room.id, keyUrl });
  }

  /** Carries a call one placed through the API (no endpoint yet) on this endpoint; the first endpoint wins. */
  claim(id: string, endpointId: string): Promise<Call> {
    return this.ctx.api.calls.claim(id, endpointId);
  }

  /** Sends a call that rings one on to another person. */
  divert(id: string, to: CallTarget): Promise<Call> {
    return this.ctx.api.calls.divert(id, to);
  }

  /**
   * For the caller, when the call names no key (it was forwarded or transferred to someone else,
   * whose direct space with the caller is another): makes one and names it. Answers the call as it is then.
   */
  async ensureKey(call: Call): Promise<Call> {
    if (call.keyUrl !== undefined || call.state === 'ended' || call.caller.personId !== (await this.ctx.personId())) return call;
    const room = await this.directRoom({ personId: call.callee.personId }, undefined);
    try {
      return await this.ctx.api.calls.setKey(call.id, { roomId: room.id, keyUrl: await this.freshKey(room) });
    } catch (error) {
      if (error instanceof FlintError && error.status === 409) return this.ctx.api.calls.get(call.id);
      throw error;
    }
  }

  /** The call's media key, checked to be bound to the KRO of the direct space the call names. */
  async mediaKey(call: Call): Promise<MediaKey> {
    if (call.keyUrl === undefined || call.roomId === undefined) throw FlintError.invalid('The call has no media key yet.');
    const room = await this.ctx.api.rooms.get(call.roomId);
    if (room.type !== 'direct') throw FlintError.invalid('The call’s key is not bound to a direct space: refusing to use it.', 'forbidden');
    const kroUri = await verifiedKro(this.ctx, room);
    const key = await this.ctx.keys.key(call.keyUrl);
    if (key.resourceUri !== kroUri) throw FlintError.invalid('The call’s media key is not bound to the direct space’s KMS resource: refusing to use it.', 'forbidden');
    // A call has one key for its whole life (two people, nobody joins or leaves): epoch 0, key id 0.
    return { uri: key.uri, key: key.key, epoch: 0, keyId: 0 };
  }

  /** One's calls going on now: what a client re-syncs from after it reconnects. */
  active(): Promise<Call[]> {
    return this.ctx.api.calls.list();
  }

  get(id: string): Promise<Call> {
    return this.ctx.api.calls.get(id);
  }

  answer(id: string, endpointId: string): Promise<Call> {
    return this.ctx.api.calls.answer(id, endpointId);
  }

  decline(id: string): Promise<Call> {
    return this.ctx.api.calls.decline(id);
  }

  hangup(id: string): Promise<Call> {
    return this.ctx.api.calls.hangup(id);
  }

  /** Ends an answered call so both move into their direct space's meeting (MT-6; join it with `meetings.mediaKey(…, {keyUrl: call.keyUrl})`). */
  moveToMeeting(id: string): Promise<Call> {
    return this.ctx.api.calls.moveToMeeting(id);
  }

  /**
   * Adds people to an answered call (MT-6, an ad-hoc conference): this session makes a group space
   * (`title`, encrypted as any space title) with the other party and the people added — putting them
   * on its KMS resource itself, as adding a member always does, so the core never adds a key holder —
   * and then turns the call into that space's meeting. Answers the ended call (`moved_to_meeting`,
   * with `conference.roomId`): join that meeting (its media key is the meeting's own, per epoch).
   */
  async addPeople(call: Call, people: readonly PersonRef[], title: string): Promise<Call> {
    const me = await this.ctx.personId();
    const other = call.caller.personId === me ? call.callee.personId : call.caller.personId;
    const personIds: string[] = [];
    for (const person of people) personIds.push(await resolvePerson(this.ctx, person));
    const room = await this.spaces.create({ title });
    for (const personId of [other, ...personIds]) await this.members.add(room.id, { personId });
    return this.ctx.api.calls.addPeople(call.id, { roomId: room.id, personIds });
  }

  /** Parks an answered call in one's park slot, or the person named's; one's line is free meanwhile. */
  park(id: string, against?: CallTarget): Promise<Call> {
    return this.ctx.api.calls.park(id, against);
  }

  /** Retrieves the call parked in one's slot (or `from` someone's, when one parked it there) on this endpoint. */
  retrieve(endpointId: string, from?: CallTarget): Promise<Call> {
    return this.ctx.api.calls.retrieve({ endpointId, ...(from !== undefined ? { from } : {}) });
  }

  hold(id: string): Promise<Call> {
    return this.ctx.api.calls.hold(id);
  }

  resume(id: string): Promise<Call> {
    return this.ctx.api.calls.resume(id);
  }

  transfer(id: string, to: CallTarget): Promise<Call> {
    return this.ctx.api.calls.transfer(id, to);
  }

  /** Relays an offer, answer or ICE candidate to the other party's endpoint. */
  signal(id: string, endpointId: string, signal: CallSignal): Promise<void> {
    return this.ctx.api.calls.signal(id, { endpointId, signal });
  }

  history(query: { max?: number; before?: string; type?: 'placed' | 'received' | 'missed' } = {}) {
    return this.ctx.api.calls.history({
      ...(query.max !== undefined ? { max: String(query.max) } : {}),
      ...(query.before !== undefined ? { before: query.before } : {}),
      ...(query.type !== undefined ? { type: query.type } : {}),
    });
  }

  settings(): Promise<CallSettings> {
    return this.ctx.api.calls.settings();
  }

  updateSettings(input: { doNotDisturb?: boolean; forwardAlways?: string | null; forwardBusy?: string | null; forwardNoAnswer?: string | null }): Promise<CallSettings> {
    return this.ctx.api.calls.updateSettings(input);
  }
}
