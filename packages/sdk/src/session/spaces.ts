/**
 * Spaces, end to end encrypted (SPEC SP-1, SEC-1, SEC-2): each space has a KMS resource (KRO) whose
 * authorization list follows its membership, and a current key its title and content are sealed
 * with (JWE `dir`/`A256GCM`, the key's URI in `encryptionKeyUrl`).
 * @module
 */
import type { MethodBody, MethodQuery, Room, spaces as spaceMethods } from '@flint/protocol';
import type { Page } from '../client.ts';
import type { KmsKey } from '../kms/client.ts';
import { sealText } from '../kms/content.ts';
import { bindingOf, currentKey, openRoom, resolvePerson, rotateSpaceKey, type SessionContext } from './context.ts';
import type { PersonRef, SecureRoom } from './types.ts';

type CreateRoomBody = MethodBody<typeof spaceMethods.createRoom>;

/** What `create` takes: the room body with a plaintext title. */
export type CreateSpaceInput = Omit<CreateRoomBody, 'title' | 'encryptionKeyUrl' | 'kroUri'> & { title: string };

export class Spaces {
  constructor(private readonly ctx: SessionContext) {}

  /**
   * A group space: a new key and KRO authorizing the creator, the title sealed with that key. A
   * team's space also authorizes the team's KRO (that of its general space), so whoever is on the
   * team now or later may read it and join it on their own, and whoever leaves the team loses it
   * (SPEC SP-3): the KMS follows a KRO named as an authId (DESIGN §2).
   */
  async create(input: CreateSpaceInput): Promise<SecureRoom> {
    const { title, ...rest } = input;
    const principals = [await this.ctx.personId()];
    if (input.teamId !== undefined) {
      const team = await this.ctx.api.teams.get(input.teamId);
      const general = await this.ctx.api.rooms.get(team.generalRoomId);
      // The team's KRO, once the KMS confirms it protects that team's general space.
      if (general.kroUri !== undefined) {
        await this.ctx.keys.requireBinding(general.kroUri, { roomId: general.id, teamId: team.id });
        principals.push(general.kroUri);
      }
    }
    const { key, kroUri } = await this.ctx.keys.create(principals);
    const sealed = await sealText(key, title);
    const room = await this.ctx.api.rooms.create({ ...rest, title: sealed.ciphertext, encryptionKeyUrl: key.uri, kroUri });
    // The KRO names the room it protects, at once: no other room can be pointed at it later.
    await this.ctx.keys.bind(kroUri, bindingOf(room));
    return { ...room, title };
  }

  /**
   * The direct space with someone: its KRO authorizes both people from the start. If the space
   * already exists the core answers it as it is (the fresh KRO then stays unused).
   */
  async direct(person: PersonRef): Promise<SecureRoom> {
    const personId = await resolvePerson(this.ctx, person);
    const { key, kroUri } = await this.ctx.keys.create([await this.ctx.personId(), personId]);
    const room = await this.ctx.api.rooms.direct({ personId, encryptionKeyUrl: key.uri, kroUri });
    if (room.kroUri === kroUri) await this.ctx.keys.bind(kroUri, bindingOf(room));
    return this.open(room);
  }

  async get(id: string): Promise<SecureRoom> {
    return this.open(await this.ctx.api.rooms.get(id));
  }

  /** One page of one's spaces, titles opened. */
  async list(query: MethodQuery<typeof spaceMethods.listRooms> = {}): Promise<Page<SecureRoom>> {
    const page = await this.ctx.api.rooms.list(query);
    const items = await Promise.all(page.items.map((room) => this.open(room)));
    return page.next === undefined ? { items } : { items, next: page.next };
  }

  /** The page after `page`, titles opened. */
  async next(page: Page<SecureRoom>): Promise<Page<SecureRoom> | undefined> {
    const raw = await this.ctx.api.nextPage<Room>(page);
    if (raw === undefined) return undefined;
    const items = await Promise.all(raw.items.map((room) => this.open(room)));
    return raw.next === undefined ? { items } : { items, next: raw.next };
  }

  /** A new title, sealed with the space's current key. */
  async rename(id: string, title: string): Promise<SecureRoom> {
    const room = await this.ctx.api.rooms.get(id);
    const key = await currentKey(this.ctx, room);
    const updated = await this.ctx.api.rooms.update(id, { title: (await sealText(key, title)).ciphertext });
    return { ...updated, title };
  }

  /** Opens a room's title (e.g. from a `room.created` event). Never throws for a bad title. */
  open(room: Room): Promise<SecureRoom> {
    return openRoom(this.ctx, room);
  }

  /**
   * Joins a space one may see without being its member: a team's space, as a member of the team.
   * The KMS lets one in through the team's KRO, so nobody has to authorize anyone here.
   */
  async join(roomId: string): Promise<SecureRoom> {
    await this.ctx.api.memberships.create({ roomId, personId: await this.ctx.personId() });
    return this.get(roomId);
  }

  /**
   * Gives the space a new current key. The session rotates by itself when someone is removed or
   * leaves; this is for a member who wants a fresh key at another time.
   */
  rotateKey(roomId: string): Promise<KmsKey> {
    return rotateSpaceKey(this.ctx, roomId);
  }

  delete(id: string): Promise<void> {
    return this.ctx.api.rooms.delete(id);
  }
}
