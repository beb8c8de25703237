/**
 * Spaces as the CLI names them: every space one is in, with its title opened (a direct space is
 * named for the other person), and a SPACE argument resolved to one of them — by id, by exact
 * title (any case), or by a part of the title that only one space has.
 * @module
 */
import type { SecureRoom, Session } from '@flint/sdk';
import { ChatError } from './chat-error.ts';

export interface SpaceRow {
  id: string;
  title: string;
  type: 'direct' | 'group';
  teamId?: string;
  lastActivity?: string;
  unreadCount?: number;
}

/** Enough for anyone's list; a person in more spaces than this is told, not silently cut. */
export const SPACES_MAX = 5000;

export async function listSpaces(session: Session): Promise<SpaceRow[]> {
  const rooms: SecureRoom[] = [];
  let page: Awaited<ReturnType<Session['spaces']['list']>> | undefined = await session.spaces.list({ sortBy: 'lastactivity', max: 100 });
  while (page !== undefined) {
    rooms.push(...page.items);
    if (rooms.length > SPACES_MAX) throw new ChatError('refused', `More than ${SPACES_MAX} spaces: name the space by its id.`);
    page = await session.spaces.next(page);
  }
  const names = new Map<string, string>();
  await Promise.all(
    rooms
      .filter((r) => r.type === 'direct' && r.directPersonId !== undefined)
      .map(async (r) => {
        const person = await session.people.get(r.directPersonId!).catch(() => undefined);
        if (person !== undefined) names.set(r.id, person.displayName);
      }),
  );
  return rooms.map((r) => ({
    id: r.id,
    title: names.get(r.id) ?? (r.decryptError !== undefined ? '(title could not be decrypted)' : (r.title ?? '')),
    type: r.type === 'direct' ? 'direct' : 'group',
    ...(r.teamId !== undefined ? { teamId: r.teamId } : {}),
    ...(r.lastActivity !== undefined ? { lastActivity: r.lastActivity } : {}),
    ...(r.unreadCount !== undefined ? { unreadCount: r.unreadCount } : {}),
  }));
}

export function resolveSpace(spaces: SpaceRow[], name: string): SpaceRow {
  const byId = spaces.find((s) => s.id === name);
  if (byId !== undefined) return byId;
  const wanted = name.normalize('NFC').toLocaleLowerCase();
  const exact = spaces.filter((s) => s.title.normalize('NFC').toLocaleLowerCase() === wanted);
  if (exact.length === 1) return exact[0]!;
  const partial = exact.length > 1 ? exact : spaces.filter((s) => s.title.normalize('NFC').toLocaleLowerCase().includes(wanted));
  if (partial.length === 1) return partial[0]!;
  if (partial.length === 0) throw new ChatError('not-found', `No space of yours is called "${name}". \`flint spaces\` lists them.`);
  const shown = partial.slice(0, 10).map((s) => `  ${s.id}  ${s.title}`).join('\n');
  throw new ChatError('ambiguous', `"${name}" names ${partial.length} spaces; give the id:\n${shown}`);
}
