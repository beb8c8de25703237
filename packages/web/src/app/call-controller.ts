/**
 * Calls in this tab (SPEC CL-1, CL-2): what the person's calls are (from `call.updated` events and,
 * after every reconnect, the core's list), which one rings here, and the one this tab carries the
 * media of. Each tab is an *endpoint* with an id of its own (kept in sessionStorage, so a reload
 * knows it), and every tab of the callee rings; the one that answers takes the call, and the others
 * see it answered elsewhere and stop. The caller's endpoint makes the WebRTC offer once the call is
 * answered; offers, answers and candidates go through the core (`call.signal`), the media peer to peer.
 * @module
 */
import type { Call, CallMedia as CallMediaKind, CallSignalEvent, StoredEvent } from '@flint/protocol';
import type { Session as SdkSession } from '@flint/sdk';
import { CallMedia } from './call-media.ts';
import { logError } from './client-log.ts';

const ENDPOINT_KEY = 'flint-call-endpoint';
/** How long a tab waits for the meeting a call moved into to be started by the tab that moved it, before joining anyway. */
const MEETING_START_WAIT_MS = 20_000;

function endpointIdOfTab(): string {
  const existing = sessionStorage.getItem(ENDPOINT_KEY);
  if (existing !== null && /^[A-Za-z0-9_-]{8,40}$/.test(existing)) return existing;
  const made = `tab-${crypto.randomUUID()}`;
  sessionStorage.setItem(ENDPOINT_KEY, made);
  return made;
}

export type CallRole = 'caller' | 'callee';

export class CallController {
  /** This tab's endpoint id. */
  readonly endpointId = endpointIdOfTab();
  /** The person's calls going on now, by id. */
  readonly calls = new Map<string, Call>();
  /** The call whose media this tab carries, and that media once it started. */
  current: Call | undefined;
  media: CallMedia | undefined;
  /** The last call this tab was in, once it ended (the window says how, until closed). */
  ended: Call | undefined;
  /** Signals that arrived before the media was ready, by call id. */
  private readonly early = new Map<string, CallSignalEvent[]>();
  /** Calls others turned into a conference this person was added to (MT-6): the invitation to join its meeting. */
  readonly invitations = new Map<string, Call>();
  /** Counts the calls of this person seen ending (the history view reloads on it). */
  endings = 0;
  private starting: string | undefined;
  private answeringWith: CallMediaKind | undefined;
  private synced = false;
  version = 0;
  private readonly listeners = new Set<() => void>();

  /** Called when a call this tab carried moved into its direct space's meeting (MT-6): join it. */
  onMeeting: ((roomId: string) => void) | undefined;
  /** What the still picture on hold says (the call window sets it in the person's language). */
  holdText = 'On hold';

  constructor(
    private readonly sdk: SdkSession,
    private readonly me: () => string,
  ) {
    sdk.events.onState((state) => {
      if (state === 'open') void this.resync().catch(logError);
    });
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    this.version++;
    for (const l of this.listeners) l();
  }

  roleIn(call: Call): CallRole {
    return call.caller.personId === this.me() ? 'caller' : 'callee';
  }

  /** The other party of a call. */
  peerOf(call: Call) {
    return this.roleIn(call) === 'caller' ? call.callee : call.caller;
  }

  /** Calls ringing this person (every tab shows them). */
  get incoming(): Call[] {
    return [...this.calls.values()].filter((c) => c.state === 'ringing' && c.callee.personId === this.me());
  }

  /** A call of this person carried by another of their endpoints (another tab or device). */
  get elsewhere(): Call | undefined {
    return [...this.calls.values()].find((c) => c.id !== this.current?.id && c.state !== 'ringing' && c.state !== 'parked' && this.endpointOf(c) !== this.endpointId);
  }

  /** Calls parked in this person's slot, or parked by them, that this tab does not carry: any tab may retrieve them. */
  get parked(): Call[] {
    return [...this.calls.values()].filter((c) => c.id !== this.current?.id && c.state === 'parked' && (c.park?.against.personId === this.me() || c.park?.by === this.me()));
  }

  private endpointOf(call: Call): string | undefined {
    return this.roleIn(call) === 'caller' ? call.caller.endpointId : call.callee.endpointId;
  }

  /** After every (re)connection of the event stream: the core's list is the truth (a restart of the core keeps it). */
  async resync(): Promise<void> {
    const active = await this.sdk.calls.active();
    const ids = new Set(active.map((c) => c.id));
    for (const id of [...this.calls.keys()]) if (!ids.has(id)) this.calls.delete(id);
    for (const call of active) this.update(call);
    // A fresh load whose endpoint had a call: that tab's media is gone with the page, so the call is hung up.
    if (!this.synced) {
      this.synced = true;
      for (const call of active) {
        // A parked call waits for whoever retrieves it: only its music on hold went with the page.
        if (call.state !== 'ringing' && call.state !== 'parked' && this.endpointOf(call) === this.endpointId && this.media === undefined && this.starting !== call.id) void this.sdk.calls.hangup(call.id).catch(logError);
      }
    }
    this.changed();
  }

  onEvent(event: StoredEvent): void {
    if (event.type === 'call.updated') this.update(event.data as Call);
    else if (event.type === 'call.signal') this.signal(event.data as CallSignalEvent);
    this.changed();
  }

  private signal(signal: CallSignalEvent): void {
    if (signal.toEndpointId !== this.endpointId) return;
    if (this.media !== undefined && this.media.callId === signal.callId) {
      void this.media.onSignal(signal).catch(logError);
      return;
    }
    this.early.set(signal.callId, [...(this.early.get(signal.callId) ?? []), signal]);
  }

  private update(call: Call): void {
    const party = call.caller.personId === this.me() || call.callee.personId === this.me() || (call.state === 'parked' && call.park?.against.personId === this.me());
    if (!party && call.conference?.invited.includes(this.me()) === true) this.invitations.set(call.id, call);
    if (call.state === 'ended' || !party) {
      if (call.state === 'ended') this.endings++;
      this.calls.delete(call.id);
      if (this.current?.id === call.id) this.finish(call);
      return;
    }
    this.calls.set(call.id, call);
    if (this.current?.id !== call.id) {
      // Placed through the API ("click to dial"): the first of the caller's tabs to claim it carries it.
      if (this.roleIn(call) === 'caller' && call.caller.endpointId === undefined && this.current === undefined) void this.claim(call);
      return;
    }
    // Retrieved on another endpoint, or ringing this person again (a park's recall): this tab no longer carries it.
    const retrievedElsewhere = call.state !== 'ringing' && call.state !== 'parked' && this.endpointOf(call) !== this.endpointId;
    const recalled = call.state === 'ringing' && call.recall !== undefined && this.current.state === 'parked';
    if (retrievedElsewhere || recalled) {
      this.dropMedia();
      this.current = undefined;
      return;
    }
    const before = this.current;
    this.current = call;
    const peerBefore = this.peerOf(before);
    const peerNow = this.peerOf(call);
    // Transferred or forwarded: the other party (or their endpoint) changed, so does the connection and the key.
    if (this.media !== undefined && (peerBefore.personId !== peerNow.personId || peerBefore.endpointId !== peerNow.endpointId) && call.state !== 'ringing') this.dropMedia();
    if (call.state === 'ringing' && this.media !== undefined && peerBefore.personId !== peerNow.personId) this.dropMedia();
    if (this.roleIn(call) === 'caller' && call.keyUrl === undefined) void this.sdk.calls.ensureKey(call).catch(logError);
    if (call.state !== 'ringing') void this.startMedia(call).catch((e: unknown) => this.failed(e));
    if (this.media !== undefined) void this.media.setHolding(call.heldBy === this.me(), this.holdText).catch(logError);
  }

  private dropMedia(): void {
    this.media?.close();
    this.media = undefined;
  }

  private finish(call: Call): void {
    this.dropMedia();
    this.current = undefined;
    this.early.delete(call.id);
    const meetingRoom = call.endReason === 'moved_to_meeting' ? (call.conference?.roomId ?? call.roomId) : undefined;
    if (meetingRoom !== undefined) {
      // A conference's group space (the people added join too), or the direct space's meeting.
      this.ended = undefined;
      void this.enterMeeting(meetingRoom, call.endedBy === this.me()).catch(logError);
      return;
    }
    this.ended = call;
  }

  private failed(error: unknown): void {
    logError(error);
    const call = this.current;
    if (call !== undefined) void this.sdk.calls.hangup(call.id).catch(logError);
  }

  /** Starts this tab's media for an answered call once its key is named (the caller offers; the callee waits for the offer). */
  private async startMedia(call: Call): Promise<void> {
    if (this.media !== undefined || this.starting === call.id || call.keyUrl === undefined) return;
    this.starting = call.id;
    try {
      const [key, iceServers] = await Promise.all([this.sdk.calls.mediaKey(call), this.sdk.calls.iceServers()]);
      if (this.current?.id !== call.id) return;
      const caller = this.roleIn(call) === 'caller';
      const wantsVideo = caller ? call.media === 'video' : this.answeringWith === 'video';
      const media = await CallMedia.start({
        callId: call.id,
        selfId: this.me(),
        peerId: this.peerOf(call).personId,
        key: key.key,
        iceServers,
        offerer: caller,
        video: wantsVideo,
        send: (signal) => this.sdk.calls.signal(call.id, this.endpointId, signal),
        onChange: () => this.changed(),
      });
      if (this.current?.id !== call.id) {
        media.close();
        return;
      }
      this.media = media;
      for (const signal of this.early.get(call.id) ?? []) await media.onSignal(signal);
      this.early.delete(call.id);
      await media.setHolding(this.current.heldBy === this.me(), this.holdText);
    } finally {
      if (this.starting === call.id) this.starting = undefined;
      this.changed();
    }
  }

  private async claim(call: Call): Promise<void> {
    try {
      const claimed = await this.sdk.calls.claim(call.id, this.endpointId);
      if (this.current !== undefined) return;
      this.ended = undefined;
      this.current = claimed;
      this.update(claimed);
      this.changed();
    } catch {
      // Another tab or device of this person claimed it first.
    }
  }

  /** Calls a person from this tab. */
  async dial(personId: string, media: CallMediaKind, roomId?: string): Promise<void> {
    if (this.current !== undefined) throw new Error('This tab is in a call already.');
    this.ended = undefined;
    const call = await this.sdk.calls.dial({ personId }, media, this.endpointId, roomId !== undefined ? { roomId } : {});
    if (call.state === 'ended') {
      this.ended = call;
    } else {
      this.current = call;
      this.calls.set(call.id, call);
    }
    this.changed();
  }

  /** Takes a ringing call on this tab, with audio only or with video. */
  async answer(call: Call, media: CallMediaKind): Promise<void> {
    if (this.current !== undefined && this.current.id !== call.id) await this.hangup();
    this.ended = undefined;
    this.answeringWith = media;
    this.current = call;
    this.changed();
    try {
      const answered = await this.sdk.calls.answer(call.id, this.endpointId);
      this.update(answered);
    } catch (error) {
      this.current = undefined;
      this.changed();
      throw error;
    }
  }

  /** Refuses a ringing call; with a message, posts it into the direct space first (it is content: encrypted there). */
  async decline(call: Call, message?: string): Promise<void> {
    if (message !== undefined && message.trim() !== '') {
      const roomId = call.roomId ?? (await this.sdk.spaces.direct({ personId: call.caller.personId })).id;
      await this.sdk.messages.send({ roomId, text: message.trim() });
    }
    await this.sdk.calls.decline(call.id);
  }

  async hangup(): Promise<void> {
    const call = this.current;
    if (call === undefined) return;
    const ended = await this.sdk.calls.hangup(call.id);
    this.update(ended);
    this.changed();
  }

  /** Hangs up a call carried by another endpoint of this person. */
  async hangupElsewhere(call: Call): Promise<void> {
    await this.sdk.calls.hangup(call.id);
  }

  async toggleHold(): Promise<void> {
    const call = this.current;
    if (call === undefined) return;
    const next = call.heldBy === this.me() ? await this.sdk.calls.resume(call.id) : await this.sdk.calls.hold(call.id);
    this.update(next);
    this.changed();
  }

  /** Turns the call into its direct space's meeting (MT-6): both endpoints join it. */
  async moveToMeeting(): Promise<void> {
    const call = this.current;
    if (call === undefined) return;
    this.update(await this.sdk.calls.moveToMeeting(call.id));
    this.changed();
  }

  /**
   * Adds a person to this tab's call (MT-6): the session makes a group space with the three
   * (`title`), authorizing them on its key itself, and the call moves into its meeting; the person
   * added is invited to join it.
   */
  async addPerson(personId: string, title: string): Promise<void> {
    const call = this.current;
    if (call === undefined) return;
    this.update(await this.sdk.calls.addPeople(call, [{ personId }], title));
    this.changed();
  }

  /** Parks this tab's call in one's park slot: the other party hears music on hold from this tab until someone retrieves it. */
  async park(): Promise<void> {
    const call = this.current;
    if (call === undefined) return;
    this.update(await this.sdk.calls.park(call.id));
    this.changed();
  }

  /** Takes a parked call on this tab (from one's slot, or from the slot one parked it in). */
  async retrieve(call: Call): Promise<void> {
    if (this.current !== undefined && this.current.id !== call.id) throw new Error('This tab is in a call already.');
    const slot = call.park?.against.personId;
    this.ended = undefined;
    this.answeringWith = 'audio';
    // In the tab that parked it the media goes on (music on hold stops with the update); elsewhere it starts afresh.
    this.current ??= call;
    try {
      this.update(await this.sdk.calls.retrieve(this.endpointId, slot !== undefined && slot !== this.me() ? { personId: slot } : undefined));
    } catch (error) {
      this.current = undefined;
      throw error;
    } finally {
      this.changed();
    }
  }

  /** Joins the meeting of a conference one was added to. */
  joinInvitation(call: Call): void {
    this.invitations.delete(call.id);
    this.changed();
    if (call.conference !== undefined) void this.enterMeeting(call.conference.roomId, false).catch(logError);
  }

  /**
   * Joins the meeting a call moved into. The tab of the one who moved it starts it; the others wait
   * until it has named its KMS resource (the meeting's first client binds one to the space, and two
   * tabs starting at once would race for that binding, the loser refused by the KMS).
   */
  private async enterMeeting(roomId: string, starter: boolean): Promise<void> {
    if (!starter) {
      const end = Date.now() + MEETING_START_WAIT_MS;
      while (Date.now() < end && (await this.sdk.meetings.current(roomId)).meeting?.resourceUrl === undefined) await new Promise((resolve) => setTimeout(resolve, 500));
    }
    this.onMeeting?.(roomId);
  }

  dismissInvitation(call: Call): void {
    this.invitations.delete(call.id);
    this.changed();
  }

  async transfer(personId: string): Promise<void> {
    const call = this.current;
    if (call === undefined) return;
    const moved = await this.sdk.calls.transfer(call.id, { personId });
    this.update(moved);
    this.changed();
  }

  dismissEnded(): void {
    this.ended = undefined;
    this.changed();
  }
}
