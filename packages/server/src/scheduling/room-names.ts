/**
 * Personal room names (SPEC MT-3): `<base>/meet/<name>`, unique in the deployment. 3–40 characters
 * of lowercase letters, digits, dots and dashes, starting and ending with a letter or digit, no two
 * separators in a row (so a name reads as one word in a link and never looks like a path).
 * @module
 */
import { ROOM_NAME_PATTERN, SCHEDULING_LIMITS } from '@flint/protocol';
import { ApiError } from '../errors.ts';

const PATTERN = new RegExp(ROOM_NAME_PATTERN);

/** Why a name is refused, or undefined for a good one. */
export function roomNameProblem(name: string): string | undefined {
  if (name.length < SCHEDULING_LIMITS.roomNameMin || name.length > SCHEDULING_LIMITS.roomNameMax) {
    return `name: ${SCHEDULING_LIMITS.roomNameMin} to ${SCHEDULING_LIMITS.roomNameMax} characters`;
  }
  if (!PATTERN.test(name)) return 'name: lowercase letters, digits, dots and dashes, starting and ending with a letter or digit';
  if (/[.-]{2}/.test(name)) return 'name: no two dots or dashes in a row';
  return undefined;
}

export function checkRoomName(name: string): string {
  const problem = roomNameProblem(name);
  if (problem !== undefined) throw ApiError.badRequest(`Not a valid room name. ${problem}`, [problem]);
  return name;
}

/**
 * A first name for someone's room from their address's local part: lowercased, other characters
 * dropped, padded or cut to the limits. `taken` says whether a candidate is in use; a number is
 * appended until one is free.
 */
export async function suggestRoomName(email: string, taken: (name: string) => Promise<boolean>): Promise<string> {
  let base = (email.split('@')[0] ?? '')
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9.-]/g, '')
    .replace(/[.-]{2,}/g, '.')
    .replace(/^[.-]+|[.-]+$/g, '')
    .slice(0, SCHEDULING_LIMITS.roomNameMax - 4)
    .replace(/[.-]+$/, '');
  if (base.length < SCHEDULING_LIMITS.roomNameMin) base = `room${base}`.slice(0, SCHEDULING_LIMITS.roomNameMax - 4);
  if (!(await taken(base))) return base;
  for (let n = 2; n < 10_000; n++) {
    const candidate = `${base}${n}`;
    if (!(await taken(candidate))) return candidate;
  }
  throw ApiError.conflict('No free room name could be found; choose one.');
}
