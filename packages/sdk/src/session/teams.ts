/**
 * Teams (SPEC SP-3): a team and its general space share one key and KRO — the team's. Its
 * authorizations follow the team's membership, and the team's other spaces name it among theirs,
 * so a team member may read and join them on their own.
 * @module
 */
import { directory, type MethodBody, type Room, type Team, type TeamKeyShare, type TeamMembership, type spaces as spaceMethods } from '@flint/protocol';
import type { Page } from '../client.ts';
import { FlintError } from '../errors.ts';
import { sealText } from '../kms/content.ts';
import { openTeam, resolvePerson, rotateSpaceKey, tolerateMissing, type SessionContext } from './context.ts';
import type { PersonRef, SecureTeam } from './types.ts';

export class Teams {
  constructor(private readonly ctx: SessionContext) {}

  /** A team and its general space: one new key and KRO, the name and the general title sealed with it. */
  async create(input: { name: string } & Omit<MethodBody<typeof spaceMethods.createTeam>, 'name' | 'generalTitle' | 'encryptionKeyUrl' | 'kroUri'>): Promise<SecureTeam> {
    const { name, ...rest } = input;
    const { key, kroUri } = await this.ctx.keys.create([await this.ctx.personId()]);
    const sealed = (await sealText(key, name)).ciphertext;
    const team = await this.ctx.api.teams.create({ ...rest, name: sealed, generalTitle: sealed, encryptionKeyUrl: key.uri, kroUri });
    // The KRO names the general space and the team it protects.
    await this.ctx.keys.bind(kroUri, { roomId: team.generalRoomId, teamId: team.id });
    return { ...team, name };
  }

  async get(id: string): Promise<SecureTeam> {
    return this.open(await this.ctx.api.teams.get(id));
  }

  /** One's teams, names opened. */
  async list(): Promise<SecureTeam[]> {
    return Promise.all((await this.ctx.api.teams.list()).map((team) => this.open(team)));
  }

  /** A new name, sealed with the general space's current key: one that a removed member cannot get. */
  async rename(id: string, name: string): Promise<SecureTeam> {
    const team = await this.ctx.api.teams.get(id);
    const general = await this.ctx.api.rooms.get(team.generalRoomId);
    const keyUrl = general.encryptionKeyUrl ?? team.encryptionKeyUrl;
    if (keyUrl === undefined) throw FlintError.invalid('The team has no key; its name cannot be sealed.');
    const key = await this.ctx.keys.key(keyUrl);
    const updated = await this.ctx.api.teams.update(id, { name: (await sealText(key, name)).ciphertext, encryptionKeyUrl: key.uri });
    return { ...updated, name };
  }

  /** Opens a team's name (e.g. from a `team.created` event). Never throws for a bad name. */
  open(team: Team): Promise<SecureTeam> {
    return openTeam(this.ctx, team);
  }

  delete(id: string): Promise<void> {
    return this.ctx.api.teams.delete(id);
  }

  memberships(teamId: string): Promise<TeamMembership[]> {
    return this.ctx.api.teams.memberships(teamId);
  }

  setModerator(id: string, isModerator: boolean): Promise<TeamMembership> {
    return this.ctx.api.teams.setModerator(id, isModerator);
  }

  /**
   * Adds someone to a team: their authorization on the team's KRO first (the core cannot grant it),
   * then the team membership, which puts them in the general space. If the core refuses, the
   * authorization is taken back (kept on a conflict: they already were in the team).
   */
  async addMember(teamId: string, person: PersonRef, options: { isModerator?: boolean } = {}): Promise<TeamMembership> {
    const personId = await resolvePerson(this.ctx, person);
    const kroUri = await this.kro(teamId);
    if (kroUri !== undefined) await this.ctx.keys.authorize(kroUri, [personId]);
    try {
      return await this.ctx.api.teams.addMember({ teamId, personId, ...(options.isModerator !== undefined ? { isModerator: options.isModerator } : {}) });
    } catch (error) {
      if (kroUri !== undefined && !(error instanceof FlintError && error.code === 'conflict')) await this.ctx.keys.deauthorize(kroUri, personId).catch(() => undefined);
      throw error;
    }
  }

  /**
   * Removes someone from a team (or leaves it): their authorization on the team's KRO, then the
   * team membership, which the core follows by taking them out of every space of the team. The
   * remover then rotates the key of each of those spaces it is a member of (the general space at
   * least), so what is sent from now on is sealed with keys the removed person never held.
   */
  async removeMember(membership: Pick<TeamMembership, 'id' | 'teamId' | 'personId'>): Promise<void> {
    const kroUri = await this.kro(membership.teamId);
    const me = await this.ctx.personId();
    const leaving = membership.personId === me;
    // The spaces they were in, known before the core takes them out.
    const theirs = leaving ? [] : await this.spacesOf(membership.teamId, membership.personId);
    if (kroUri !== undefined && !leaving) await tolerateMissing(this.ctx.keys.deauthorize(kroUri, membership.personId));
    await this.ctx.api.teams.removeMember(membership.id);
    if (kroUri === undefined) return;
    if (leaving) {
      await tolerateMissing(this.ctx.keys.deauthorize(kroUri, me));
      return;
    }
    for (const roomId of theirs) await rotateSpaceKey(this.ctx, roomId);
  }

  /**
   * The team changes a directory (a SCIM group mapped to a team) left for a moderator's client, in
   * the teams this person moderates: the core cannot authorize anyone at the KMS (issue 18).
   */
  async keyShares(): Promise<TeamKeyShare[]> {
    return (await this.ctx.api.transport.call(directory.listKeyShares, {})).items;
  }

  /**
   * Finishes those changes as this moderator: an `add` authorizes the person on the team's KMS
   * resource and adds the team membership (which clears it at the core); a `remove` (the core has
   * taken the person out already) removes their KMS authorization and rotates the keys of the
   * spaces they were in that this person is in. A share that fails stays for the next try (or
   * another moderator); one that cannot succeed (the person is gone) is cleared.
   */
  async finishKeyShares(): Promise<{ done: number; failed: number }> {
    let done = 0;
    let failed = 0;
    for (const share of await this.keyShares()) {
      try {
        if (share.op === 'add') {
          try {
            await this.addMember(share.teamId, { personId: share.personId });
          } catch (error) {
            // In the team already (the core cleared nothing then), or no longer a person to add.
            if (!(error instanceof FlintError && error.kind === 'refused' && (error.status === 409 || error.status === 404))) throw error;
            await tolerateMissing(this.ctx.api.transport.call(directory.clearKeyShare, { params: { id: share.id } }));
          }
        } else {
          const kroUri = await this.kro(share.teamId);
          if (kroUri !== undefined) await tolerateMissing(this.ctx.keys.deauthorize(kroUri, share.personId));
          for (const roomId of share.spaceIds) {
            // Only the spaces this moderator is in can be rotated by them (404: not theirs, or gone).
            await tolerateMissing(rotateSpaceKey(this.ctx, roomId).then(() => undefined));
          }
          await tolerateMissing(this.ctx.api.transport.call(directory.clearKeyShare, { params: { id: share.id } }));
        }
        done++;
      } catch {
        failed++;
      }
    }
    return { done, failed };
  }

  /** The team's KRO: the general space's, once the KMS confirms it protects that space of that team. */
  private async kro(teamId: string): Promise<string | undefined> {
    const team = await this.ctx.api.teams.get(teamId);
    const general = await this.ctx.api.rooms.get(team.generalRoomId);
    if (general.kroUri !== undefined) await this.ctx.keys.requireBinding(general.kroUri, { roomId: general.id, teamId });
    return general.kroUri;
  }

  /** The team spaces that `personId` and this person are both members of. */
  private async spacesOf(teamId: string, personId: string): Promise<string[]> {
    const out: string[] = [];
    let page: Page<Room> | undefined = await this.ctx.api.rooms.list({ teamId, max: 100 });
    while (page !== undefined) {
      for (const room of page.items) {
        // Only the spaces this person is a member of (they carry one's membership state).
        if (room.isModerator === undefined) continue;
        const found = await this.ctx.api.memberships.list({ roomId: room.id, personId, max: 1 });
        if (found.items.length > 0) out.push(room.id);
      }
      page = await this.ctx.api.nextPage(page);
    }
    return out;
  }
}
