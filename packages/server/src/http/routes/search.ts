/**
 * Search (SPEC SR-1, SR-2): blinded queries in, message ids out; people by name and e-mail.
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { search } from '@flint/protocol';
import type { Core } from '../../core.ts';
import { searchMessages } from '../../search/search-messages.ts';
import { searchPeople } from '../../search/search-people.ts';
import { route } from '../route.ts';

export function searchRoutes(app: FastifyInstance, core: Core): void {
  route(app, core, search.searchMessages, async ({ actor, body }) =>
    searchMessages(core, actor, {
      ...body,
      from: body.from === undefined ? undefined : Date.parse(body.from),
      to: body.to === undefined ? undefined : Date.parse(body.to),
    }),
  );
  route(app, core, search.searchPeople, async ({ actor, query }) => searchPeople(core, actor, query));
}
