/**
 * Spaces and teams by title (SPEC SR-1): titles and team names are sealed, so only clients can read
 * them, and the index lives on the client, over titles it has already opened. It uses the same normalization and
 * segmentation as message tokens, so "Réunion" finds "RÉUNION" and "東京" finds "東京オフィス".
 * @module
 */
import { normalizeText, segmentTerms } from '@flint/crypto';

export class TitleIndex {
  private readonly titles = new Map<string, string[]>();

  /** Adds or replaces an entry (a space or team id and its plaintext title). */
  set(id: string, title: string | undefined): void {
    if (title === undefined) {
      this.titles.delete(id);
      return;
    }
    const { words, bigrams } = segmentTerms(title);
    this.titles.set(id, [...words, ...bigrams]);
  }

  delete(id: string): void {
    this.titles.delete(id);
  }

  /** Ids whose title has, for every query word, a word starting with it; in insertion order. */
  search(query: string): string[] {
    const { words } = segmentTerms(normalizeText(query));
    if (words.length === 0) return [];
    const out: string[] = [];
    for (const [id, terms] of this.titles) {
      if (words.every((q) => terms.some((t) => t.startsWith(q) || (q.length > 2 && t.length === 2 && q.includes(t) && bigramsCover(q, terms))))) out.push(id);
    }
    return out;
  }
}

/** A CJK query longer than the segmenter's words matches when all its bigrams are in the title. */
function bigramsCover(query: string, terms: readonly string[]): boolean {
  const cps = Array.from(query);
  for (let i = 0; i + 1 < cps.length; i++) if (!terms.includes(cps[i]! + cps[i + 1]!)) return false;
  return true;
}
