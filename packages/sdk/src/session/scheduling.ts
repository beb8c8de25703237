/**
 * Scheduled meetings and personal rooms (SPEC MT-3, MT-4), end to end encrypted. Scheduling makes
 * the meeting's space — a new key and KRO at the KMS, the title sealed — adds the invitees who have
 * accounts this person can see (each authorized at the KMS first, as `members.add` does), and only
 * then hands the core the schedule, which it keeps in clear for the calendar invitations it mails
 * (docs/meetings-scheduling.md). A personal room's space is made the same way, the first time its
 * owner opens it; a visitor who knocks is added by the owner's session when it hears
 * `personal_room.knock` (`admitKnock`): the core cannot grant a key (DESIGN §2, invariant 2).
 * @module
 */
import type { ScheduledMeeting, MeetingInviteeInput, MethodQuery, PersonalRoom, PersonalRoomKnock, scheduling } from '@flint/protocol';
import type { Page } from '../client.ts';
import { FlintError } from '../errors.ts';
import { verifiedKro, type SessionContext } from './context.ts';
import type { Members } from './members.ts';
import type { Spaces } from './spaces.ts';

export interface ScheduleInput {
  title: string;
  /** ISO 8601 with a zone or offset. */
  start: string;
  end: string;
  /** IANA zone; by default the person's. */
  timezone?: string;
  /** People (by address) and other addresses; those with accounts one can see join the space. */
  invitees?: MeetingInviteeInput[];
  /** Repeats by this RFC 5545 RRULE (e.g. `FREQ=WEEKLY;BYDAY=MO;COUNT=10`): one series, one space. */
  recurrence?: string;
  /** Mail the invitations (default true). */
  sendEmail?: boolean;
}

export type MeetingChanges = Partial<Omit<ScheduleInput, 'sendEmail' | 'recurrence'>> & { sendEmail?: boolean; /** A new rule, or `null`: a single meeting. */ recurrence?: string | null };

export class Scheduling {
  constructor(
    private readonly ctx: SessionContext,
    private readonly spaces: Spaces,
    private readonly members: Members,
  ) {}

  /** Meetings one hosts or is invited to in a window (now to 7 days on by default). */
  list(query: MethodQuery<typeof scheduling.listMeetings> = {}): Promise<Page<ScheduledMeeting>> {
    return this.ctx.api.scheduledMeetings.list(query);
  }

  get(id: string): Promise<ScheduledMeeting> {
    return this.ctx.api.scheduledMeetings.get(id);
  }

  /**
   * Schedules a meeting: its encrypted space (titled with the meeting's title, sealed), the invitees
   * who have accounts added, then the schedule, which mails the invitations.
   */
  async schedule(input: ScheduleInput): Promise<ScheduledMeeting> {
    const title = input.title.trim();
    if (title === '') throw FlintError.invalid('A meeting needs a title.');
    const room = await this.spaces.create({ title });
    await this.addInvitees(room.id, input.invitees ?? []);
    return this.ctx.api.scheduledMeetings.create({
      title,
      start: input.start,
      end: input.end,
      roomId: room.id,
      ...(input.timezone !== undefined ? { timezone: input.timezone } : {}),
      ...(input.invitees !== undefined ? { invitees: input.invitees } : {}),
      ...(input.recurrence !== undefined ? { recurrence: input.recurrence } : {}),
      ...(input.sendEmail !== undefined ? { sendEmail: input.sendEmail } : {}),
    });
  }

  /** Changes a meeting one hosts; new invitees with accounts join its space first. */
  async update(id: string, changes: MeetingChanges): Promise<ScheduledMeeting> {
    if (changes.invitees !== undefined) {
      const meeting = await this.ctx.api.scheduledMeetings.get(id);
      const known = new Set(meeting.invitees.map((i) => i.email));
      await this.addInvitees(
        meeting.roomId,
        changes.invitees.filter((i) => !known.has(i.email.toLowerCase())),
      );
    }
    const body = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
    return this.ctx.api.scheduledMeetings.update(id, body);
  }

  /** Cancels a meeting one hosts (the invitees are mailed a CANCEL); its space stays. */
  async cancel(id: string, options: { sendEmail?: boolean } = {}): Promise<void> {
    await this.ctx.api.scheduledMeetings.delete(id, options.sendEmail === false ? { sendEmail: 'false' } : {});
  }

  /** One's personal room (its name, link, and space once made). */
  personalRoom(): Promise<PersonalRoom> {
    return this.ctx.api.personalRoom.get();
  }

  renamePersonalRoom(name: string): Promise<PersonalRoom> {
    return this.ctx.api.personalRoom.rename(name);
  }

  /** One's personal room with its space, made now (a new key and KRO) if it has none yet. */
  async openPersonalRoom(): Promise<PersonalRoom & { roomId: string }> {
    const room = await this.ctx.api.personalRoom.get();
    if (room.roomId !== undefined) return { ...room, roomId: room.roomId };
    const space = await this.spaces.create({ title: `${room.ownerDisplayName} (personal room)` });
    try {
      const named = await this.ctx.api.personalRoom.setSpace(space.id);
      return { ...named, roomId: named.roomId ?? space.id };
    } catch (error) {
      // Another device of this person made the room's space meanwhile: use that one.
      if (error instanceof FlintError && error.code === 'conflict') {
        const again = await this.ctx.api.personalRoom.get();
        if (again.roomId !== undefined) return { ...again, roomId: again.roomId };
      }
      throw error;
    }
  }

  /**
   * Adds invitees who have accounts one can see to a meeting's space; the others only get the
   * mail. Each is authorized at the KMS before the core adds them (`members.add`).
   */
  private async addInvitees(roomId: string, invitees: readonly MeetingInviteeInput[]): Promise<void> {
    const me = await this.ctx.personId();
    for (const invitee of invitees) {
      const found = (await this.ctx.api.people.list({ email: invitee.email })).items[0];
      if (found === undefined || found.id === me) continue;
      try {
        await this.members.add(roomId, { personId: found.id });
      } catch (error) {
        // Already a member is fine; a person the space may not hold (another org's policy) gets the mail only.
        if (!(error instanceof FlintError && (error.code === 'conflict' || error.status === 403))) throw error;
      }
    }
  }
}

/**
 * The owner's session adds a visitor who knocked on their personal room: only into the space the
 * core names as this person's room, and only through a KRO the KMS confirms is bound to it.
 */
export async function admitKnock(ctx: SessionContext, knock: PersonalRoomKnock): Promise<void> {
  const own = await ctx.api.personalRoom.get();
  if (own.roomId !== knock.roomId) return;
  const room = await ctx.api.rooms.get(knock.roomId);
  const kroUri = await verifiedKro(ctx, room);
  await ctx.keys.authorize(kroUri, [knock.personId]);
  try {
    await ctx.api.memberships.create({ roomId: knock.roomId, personId: knock.personId });
  } catch (error) {
    // Another device of the owner added them first: they are rightly authorized.
    if (!(error instanceof FlintError && error.code === 'conflict')) {
      await ctx.keys.deauthorize(kroUri, knock.personId).catch(() => undefined);
      throw error;
    }
  }
}
