/**
 * People by name and e-mail in the org directory (SPEC SR-1). Unlike content, names and addresses
 * are registration data the core holds in clear (SPEC ID-2), so this search runs on the server.
 * Who may be found is who may be seen (identity/people.ts `canSee`): one's org, guests only by admins.
 *
 * Matching uses the client tokenizer's normalization (NFKC, lower case, word segmentation): every
 * query word must start a word of the display name, or start the address or one of its parts
 * (`ada` finds "Ada Lovelace" and "ada.l@acme.com", `love` finds "Ada Lovelace", `acme` the address).
 * The directory is read in name order through a LIKE filter on the longest query word when it is
 * ASCII (both engines lower-case ASCII alike); other scripts are matched in code only, reading
 * at most SCAN_ROWS people.
 * @module
 */
import { sql } from 'kysely';
import { segmentTerms, normalizeText } from '@flint/crypto';
import { search, type Person } from '@flint/protocol';
import type { Actor, Core } from '../core.ts';
import type { PersonRow } from '../db/schema.ts';
import { presentFor } from '../identity/people.ts';

const { SEARCH_LIMITS } = search;

/** People read per statement, and at most in all for one query. */
const CHUNK = 500;
const SCAN_ROWS = 50_000;

function wordsOf(text: string): string[] {
  return segmentTerms(text).words;
}

function matches(row: PersonRow, query: readonly string[]): boolean {
  const names = wordsOf(row.display_name);
  const email = normalizeText(row.email);
  const parts = [email, ...email.split(/[@.+_-]+/)];
  return query.every((q) => names.some((w) => w.startsWith(q)) || parts.some((p) => p.startsWith(q)));
}

export async function searchPeople(core: Core, actor: Actor, input: { q: string; max?: number | undefined }): Promise<{ items: Person[] }> {
  const max = Math.min(input.max ?? SEARCH_LIMITS.peoplePageDefault, SEARCH_LIMITS.peoplePageMax);
  const query = wordsOf(input.q);
  if (query.length === 0) return { items: [] };
  const longest = [...query].sort((a, b) => b.length - a.length)[0]!;
  // eslint-disable-next-line no-control-regex -- the ASCII range is the point
  const filter = /^[\x00-\x7f]+$/.test(longest) ? `%${longest.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : undefined;
  const found: PersonRow[] = [];
  let after: { name: string; id: string } | undefined;
  for (let scanned = 0; found.length < max && scanned < SCAN_ROWS; ) {
    let q = core.db.selectFrom('people').selectAll().where('org_id', '=', actor.orgId).where('status', '!=', 'deactivated');
    if (!actor.isAdmin) q = actor.isGuest ? q.where('id', '=', actor.personId) : q.where('is_guest', '=', 0);
    if (filter !== undefined) {
      q = q.where(sql<boolean>`(lower(display_name) like ${filter} escape '\\' or lower(email) like ${filter} escape '\\')`);
    }
    if (after !== undefined) {
      const { name, id } = after;
      q = q.where((eb) => eb.or([eb('display_name', '>', name), eb.and([eb('display_name', '=', name), eb('id', '>', id)])]));
    }
    const rows = await q.orderBy('display_name').orderBy('id').limit(CHUNK).execute();
    scanned += rows.length;
    for (const row of rows) if (found.length < max && matches(row, query)) found.push(row);
    const last = rows.at(-1);
    if (rows.length < CHUNK || last === undefined) break;
    after = { name: last.display_name, id: last.id };
  }
  return { items: await Promise.all(found.map((row) => presentFor(core, actor, row))) };
}
