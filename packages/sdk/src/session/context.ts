/**
 * What the session's parts share: the typed API (transport and sign-in state), who is signed in,
 * the KMS client and the key caches, and the few rules every part applies the same way (the key
 * new content is sealed with, the KMS resource of a space, opening sealed text, rotating a space's
 * key). Internal to the SDK: clients reach all of it through a `Session`.
 * @module
 */
import type { Room, Team } from '@flint/protocol';
import type { FlintClient } from '../client.ts';
import { FlintError } from '../errors.ts';
import type { KmsClient, KmsKey, KmsResourceBinding } from '../kms/client.ts';
import { openWithKey, sealText } from '../kms/content.ts';
import type { SpaceKeys } from '../secure/space-keys.ts';
import type { SearchKeys } from '../search/search-keys.ts';
import type { PersonRef, SecureRoom, SecureTeam } from './types.ts';

export interface SessionContext {
  readonly api: FlintClient;
  readonly deviceId: string;
  /** The signed-in person's id (asked of the core once per sign-in). */
  personId(): Promise<string>;
  /** The connected KMS client (connected on first use). */
  kms(): Promise<KmsClient>;
  /** Space keys and KROs, cached per URI. */
  readonly keys: SpaceKeys;
  /** Search keys per key epoch. */
  readonly searchKeys: SearchKeys;
}

export function asFlintError(error: unknown): FlintError {
  if (error instanceof FlintError) return error;
  return FlintError.decrypt(error instanceof Error ? error.message : String(error), error);
}

/** Opens text sealed under the key `keyUrl` names (fetched from the KMS if not held). */
export async function openSealed(ctx: SessionContext, keyUrl: string, ciphertext: string): Promise<string> {
  return openWithKey(await ctx.keys.key(keyUrl), ciphertext);
}

/**
 * The key new content in this space is sealed with. Never plaintext: no key, no send. The key must
 * be bound to the room's KRO, and the KRO to this room (issue 14, finding 2), so the core cannot
 * have one's words sealed under a key someone else holds.
 */
export async function currentKey(ctx: SessionContext, room: Room): Promise<KmsKey> {
  if (room.encryptionKeyUrl === undefined) throw FlintError.invalid('The space has no encryption key; content cannot be sealed for it.');
  const kroUri = await verifiedKro(ctx, room);
  const key = await ctx.keys.key(room.encryptionKeyUrl);
  if (key.resourceUri !== kroUri) throw FlintError.invalid('The space’s current key is not bound to its KMS resource: refusing to seal with it.', 'forbidden');
  return key;
}

/** The binding a room's KRO must carry: the room, and its team for a team's space. */
export function bindingOf(room: Room): KmsResourceBinding {
  return room.teamId !== undefined ? { roomId: room.id, teamId: room.teamId } : { roomId: room.id };
}

export function kroOf(room: Room): string {
  if (room.kroUri === undefined) throw FlintError.invalid('The space has no KMS resource; its members cannot be authorized.');
  return room.kroUri;
}

/**
 * The room's KRO, once the KMS confirms it protects this very room (`SpaceKeys.requireBinding`):
 * the core says which KRO a room uses, and is not trusted to.
 */
export async function verifiedKro(ctx: SessionContext, room: Room): Promise<string> {
  const kroUri = kroOf(room);
  await ctx.keys.requireBinding(kroUri, bindingOf(room));
  return kroUri;
}

/** Whether the room's KRO protects this very room (false when the KMS says otherwise, or refuses to say). */
export async function protects(ctx: SessionContext, room: Room, kroUri: string): Promise<boolean> {
  try {
    await ctx.keys.requireBinding(kroUri, bindingOf(room));
    return true;
  } catch (error) {
    if (error instanceof FlintError && error.code === 'forbidden') return false;
    throw error;
  }
}

export async function resolvePerson(ctx: SessionContext, person: PersonRef): Promise<string> {
  if ('personId' in person) return person.personId;
  const found = (await ctx.api.people.list({ email: person.personEmail })).items[0];
  if (found === undefined) throw FlintError.invalid('No such person.', 'not_found');
  return found.id;
}

/** A KMS 404 on removing an authorization means it was already gone: the goal is reached. */
export async function tolerateMissing(work: Promise<void>): Promise<void> {
  try {
    await work;
  } catch (error) {
    if (!(error instanceof FlintError && error.kind === 'refused' && error.status === 404)) throw error;
  }
}

/** Opens a room's title (e.g. from a `room.created` event). Never throws for a bad title. */
export async function openRoom(ctx: SessionContext, room: Room): Promise<SecureRoom> {
  if (room.title === undefined || room.title === '' || room.type === 'direct') return room;
  if (room.encryptionKeyUrl === undefined) return { ...room, title: undefined, decryptError: FlintError.decrypt('The space has no key to open its title with.') };
  try {
    return { ...room, title: await openSealed(ctx, room.encryptionKeyUrl, room.title) };
  } catch (error) {
    return { ...room, title: undefined, decryptError: asFlintError(error) };
  }
}

/** Opens a team's name (e.g. from a `team.created` event). Never throws for a bad name. */
export async function openTeam(ctx: SessionContext, team: Team): Promise<SecureTeam> {
  if (team.encryptionKeyUrl === undefined) return { ...team, name: undefined, decryptError: FlintError.decrypt('The team has no key to open its name with.') };
  try {
    return { ...team, name: await openSealed(ctx, team.encryptionKeyUrl, team.name) };
  } catch (error) {
    return { ...team, name: undefined, decryptError: asFlintError(error) };
  }
}

/**
 * Gives the space a new current key (SPEC SEC-2, DESIGN §2 invariant 3): created, bound to its KRO,
 * and named in the room's `encryptionKeyUrl`; the title is resealed with it, since the room names
 * one key for it. Called by the session itself whenever someone is removed or leaves.
 */
export async function rotateSpaceKey(ctx: SessionContext, roomId: string): Promise<KmsKey> {
  const room = await ctx.api.rooms.get(roomId);
  const kroUri = await verifiedKro(ctx, room);
  const title = room.type === 'group' && room.title !== undefined && room.title !== '' && room.encryptionKeyUrl !== undefined ? await openSealed(ctx, room.encryptionKeyUrl, room.title) : undefined;
  const key = await ctx.keys.rotate(kroUri);
  await ctx.api.rooms.update(roomId, { encryptionKeyUrl: key.uri, ...(title !== undefined ? { title: (await sealText(key, title)).ciphertext } : {}) });
  return key;
}
