/**
 * People (SPEC ID-2, ID-4): one's profile, the org directory, and people search. Names and
 * addresses are not content, so this part has nothing to seal.
 * @module
 */
import { search as searchMethods, type Person } from '@flint/protocol';
import type { FlintClient } from '../client.ts';
import type { SessionContext } from './context.ts';

type PeopleApi = FlintClient['people'];

export class People {
  readonly me: PeopleApi['me'];
  readonly get: PeopleApi['get'];
  readonly list: PeopleApi['list'];
  readonly listAll: PeopleApi['listAll'];
  readonly updateMe: PeopleApi['updateMe'];
  readonly changePassword: PeopleApi['changePassword'];
  readonly setAvatar: PeopleApi['setAvatar'];
  readonly deleteAvatar: PeopleApi['deleteAvatar'];
  readonly avatar: PeopleApi['avatar'];
  /** Org administrators: create, update and deactivate people. */
  readonly create: PeopleApi['create'];
  readonly update: PeopleApi['update'];
  readonly deactivate: PeopleApi['deactivate'];

  constructor(private readonly ctx: SessionContext) {
    const people = ctx.api.people;
    this.me = people.me;
    this.get = people.get;
    this.list = people.list;
    this.listAll = people.listAll;
    this.updateMe = people.updateMe;
    this.changePassword = people.changePassword;
    this.setAvatar = people.setAvatar;
    this.deleteAvatar = people.deleteAvatar;
    this.avatar = people.avatar;
    this.create = people.create;
    this.update = people.update;
    this.deactivate = people.deactivate;
  }

  /** People of one's org directory by name or e-mail (a server-side search: names are not content). */
  async search(query: string, max?: number): Promise<Person[]> {
    const q = query.trim().slice(0, searchMethods.SEARCH_LIMITS.peopleQueryChars);
    if (q === '') return [];
    return (await this.ctx.api.transport.call(searchMethods.searchPeople, { query: { q, ...(max !== undefined ? { max } : {}) } })).items;
  }

  /** Sets one's status (issue 16): available, away, or do not disturb until a time; with a short text. */
  setStatus(body: Parameters<FlintClient['presence']['setStatus']>[0]): ReturnType<FlintClient['presence']['setStatus']> {
    return this.ctx.api.presence.setStatus(body);
  }

  /** Presence of people (SPEC PR-1), as last known to the core. */
  presence(personIds: string[]): ReturnType<FlintClient['presence']['get']> {
    return this.ctx.api.presence.get(personIds);
  }
}
