/**
 * The care assistant (SPEC SP-7), end to end encrypted. Asking makes an ordinary group space —
 * a new key and KRO at the KMS, the title sealed — posts the question in it, sealed, and only then
 * hands the core the space's id on a queue. The core routes the request and records the expert;
 * it cannot give them the key (DESIGN §2, invariant 2). So a member's session authorizes the
 * recorded expert on the space's KRO — one the KMS confirms is bound to this very room — and then
 * asks the core to add them (`admit`), as space invitations are admitted:
 * - the asker's session, when the core routes the question at once, when it hears
 *   `care_request.updated` with the expert awaiting admission, and when its stream opens
 *   (`admitAwaiting`, any space it is a member of);
 * - the handing-off expert's session, right after a hand-off routed to someone (it is still a member).
 * An expert taking a waiting request is therefore admitted when a member's session next runs.
 * @module
 */
import type { CareQueue, CareRequest } from '@flint/protocol';
import { FlintError } from '../errors.ts';
import { verifiedKro, type SessionContext } from './context.ts';
import type { Members } from './members.ts';
import type { Messages } from './messages.ts';
import type { Spaces } from './spaces.ts';

/** The longest title a question's space gets from its first line. */
const TITLE_CHARS = 80;

export interface AskInput {
  queueId: string;
  /** The question: the space's first message (sealed). */
  question: string;
  /** The space's title (sealed); by default the question's first line. */
  title?: string;
}

export class Care {
  constructor(
    private readonly ctx: SessionContext,
    private readonly spaces: Spaces,
    private readonly messages: Messages,
    private readonly members: Members,
  ) {}

  /** The org's help-desk queues and their experts. */
  queues(): Promise<CareQueue[]> {
    return this.ctx.api.care.queues();
  }

  /** One's requests: asked, assigned, handed off, and the open ones of one's queues. */
  requests(): Promise<CareRequest[]> {
    return this.ctx.api.care.requests();
  }

  /**
   * Asks a question on a queue: a new encrypted space with the question in it, then the request.
   * If the core routed it to an expert at once, this session admits them before answering.
   */
  async ask(input: AskInput): Promise<CareRequest> {
    const question = input.question.trim();
    if (question === '') throw FlintError.invalid('A question needs text.');
    const firstLine = question.split('\n', 1)[0]!.trim();
    const title = input.title?.trim() || (firstLine.length > TITLE_CHARS ? `${firstLine.slice(0, TITLE_CHARS - 1)}…` : firstLine);
    const room = await this.spaces.create({ title });
    await this.messages.send({ roomId: room.id, text: question });
    const request = await this.ctx.api.care.create({ queueId: input.queueId, roomId: room.id });
    return request.awaitingAdmission ? ((await admitExpert(this.ctx, request)) ?? { ...request, awaitingAdmission: false }) : request;
  }

  /** An expert takes a waiting request of their queue; a member of its space admits them. */
  take(id: string): Promise<CareRequest> {
    return this.ctx.api.care.take(id);
  }

  /**
   * Hands the request to another expert or queue. A named expert, or one the new queue routed to,
   * is admitted by this session at once (one is still a member); with `leave`, one then leaves the
   * space (a remaining member rotates its key, as for anyone who leaves).
   */
  async handOff(id: string, target: { personId: string } | { queueId: string }, options: { leave?: boolean } = {}): Promise<CareRequest> {
    let request = await this.ctx.api.care.handOff(id, target);
    // Undefined: another member's session (the asker's) admitted them first.
    if (request.awaitingAdmission) request = (await admitExpert(this.ctx, request)) ?? { ...request, awaitingAdmission: false };
    if (options.leave === true) await this.members.leave(request.roomId);
    return request;
  }

  /** Marks the request resolved (the asker or its expert); the conversation stays in its space. */
  resolve(id: string): Promise<CareRequest> {
    return this.ctx.api.care.resolve(id);
  }

  /** Authorizes the request's expert at the KMS, then has the core add them (see the module comment). */
  admit(request: CareRequest): Promise<CareRequest | undefined> {
    return admitExpert(this.ctx, request);
  }

  /** Admits every expert awaiting admission into a space one is a member of. */
  admitAwaiting(): Promise<void> {
    return admitAwaitingExperts(this.ctx);
  }
}

/**
 * Authorizes the expert on the space's KRO (bound to this very room), then has the core add them.
 * If the core refuses, the authorization is taken back — unless they are a member after all (another
 * session admitted them first), which answers undefined.
 */
export function admitExpert(ctx: SessionContext, request: CareRequest): Promise<CareRequest | undefined> {
  // One admission of one expert at a time per session: `ask` and the event that the routing made
  // both ask for it, and a second run's refusal must not take back the first one's authorization.
  let running = inFlight.get(ctx);
  if (running === undefined) {
    running = new Map<string, Promise<CareRequest | undefined>>();
    inFlight.set(ctx, running);
  }
  const key = `${request.id}/${request.expertId ?? ''}`;
  const existing = running.get(key);
  if (existing !== undefined) return existing;
  const work = admitNow(ctx, request).finally(() => running.delete(key));
  running.set(key, work);
  return work;
}

const inFlight = new WeakMap<SessionContext, Map<string, Promise<CareRequest | undefined>>>();

async function admitNow(ctx: SessionContext, request: CareRequest): Promise<CareRequest | undefined> {
  const expertId = request.expertId;
  if (expertId === undefined || request.status === 'resolved') throw FlintError.invalid('The request has no expert to admit.', 'conflict');
  const room = await ctx.api.rooms.get(request.roomId);
  const kroUri = await verifiedKro(ctx, room);
  await ctx.keys.authorize(kroUri, [expertId]);
  try {
    return await ctx.api.care.admit(request.id);
  } catch (error) {
    const member = (await ctx.api.memberships.list({ roomId: request.roomId, personId: expertId, max: 1 }).catch(() => ({ items: [] }))).items[0];
    if (member !== undefined) return undefined;
    await ctx.keys.deauthorize(kroUri, expertId).catch(() => undefined);
    throw error;
  }
}

export async function admitAwaitingExperts(ctx: SessionContext): Promise<void> {
  for (const request of await ctx.api.care.awaiting()) await admitExpert(ctx, request);
}

/** Whether this session admits on hearing `care_request.updated`: the asker's (the handing-off expert's admits in `handOff`). */
export function shouldAdmit(request: CareRequest, me: string): boolean {
  return request.awaitingAdmission && request.status === 'assigned' && request.askerId === me;
}
