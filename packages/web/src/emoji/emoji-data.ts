/**
 * Emoji for the picker and `:shortcode:` completion, from emojibase-data (Unicode's CLDR names
 * and keywords, in English and French, and GitHub's shortcodes — the ones Slack users type). The
 * data is about 600 KB, so it is loaded on first use (a dynamic import: its own chunk), never with
 * the app.
 * @module
 */

/** The fields of emojibase's compact dataset that are used here. */
export interface CompactEmoji {
  hexcode: string;
  label: string;
  unicode: string;
  group?: number;
  order?: number;
  tags?: string[];
}

export type Shortcodes = Record<string, string | string[]>;

export interface Emoji {
  /** What is inserted or reacted with. */
  emoji: string;
  /** The CLDR name in the interface's language ("thumbs up", "pouce vers le haut"). */
  label: string;
  /** The name's words, folded (lower case, no accents). */
  labelWords: string[];
  /** Lower-case words to search by: the name's words, the keywords and the shortcodes. */
  words: string[];
  shortcodes: string[];
  group: number;
  order: number;
}

export interface EmojiIndex {
  all: Emoji[];
  byShortcode: Map<string, Emoji>;
}

/** emojibase's group 2 is the skin-tone and hair components, not emoji anyone picks. */
const COMPONENTS = 2;

/** Lower case, accents dropped ("Épée" finds "epee"), so French searches need no accents. */
export function fold(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

export function buildIndex(data: readonly CompactEmoji[], shortcodes: Shortcodes): EmojiIndex {
  const all: Emoji[] = [];
  const byShortcode = new Map<string, Emoji>();
  for (const e of data) {
    if (e.group === undefined || e.group === COMPONENTS) continue;
    const codes = shortcodes[e.hexcode];
    const list = codes === undefined ? [] : Array.isArray(codes) ? codes : [codes];
    const labelWords = fold(e.label).split(/[\s:,’']+/).filter((w) => w !== '');
    const emoji: Emoji = {
      emoji: e.unicode,
      label: e.label,
      labelWords,
      words: [...new Set([...labelWords, ...(e.tags ?? []).map(fold), ...list])].filter((w) => w !== ''),
      shortcodes: list,
      group: e.group,
      order: e.order ?? 0,
    };
    all.push(emoji);
    for (const code of list) byShortcode.set(code, emoji);
  }
  all.sort((a, b) => a.order - b.order);
  return { all, byShortcode };
}

/**
 * Emoji matching a query, best first: a shortcode or the name itself, then a word of the name
 * starting with it, a shortcode, a keyword, and last a word containing it (every word of the query
 * must match).
 * An empty query matches nothing (the picker then shows everything by group).
 */
export function searchEmoji(index: EmojiIndex, query: string, max = 60): Emoji[] {
  const q = fold(query.trim()).replace(/^:|:$/g, '');
  if (q === '') return [];
  const terms = q.split(/\s+/);
  const scored: { e: Emoji; score: number }[] = [];
  for (const e of index.all) {
    let score = 0;
    for (const term of terms) {
      let best = 0;
      if (e.shortcodes.includes(term) || (terms.length === 1 && e.labelWords.join(' ') === term)) best = 6;
      else if (e.labelWords.includes(term)) best = 5;
      else if (e.labelWords.some((w) => w.startsWith(term))) best = 4;
      else if (e.shortcodes.some((c) => c.startsWith(term))) best = 3;
      else if (e.words.some((w) => w.startsWith(term))) best = 2;
      else if (e.words.some((w) => w.includes(term))) best = 1;
      if (best === 0) {
        score = 0;
        break;
      }
      score += best;
    }
    if (score > 0) scored.push({ e, score });
  }
  scored.sort((a, b) => b.score - a.score || a.e.order - b.e.order);
  return scored.slice(0, max).map((s) => s.e);
}

/** Emoji whose shortcode starts with the typed prefix (`:thu` → 👍 thumbsup), for the composer. */
export function completeShortcode(index: EmojiIndex, prefix: string, max = 8): { code: string; emoji: Emoji }[] {
  const p = prefix.toLowerCase();
  if (p.length < 2) return [];
  const out: { code: string; emoji: Emoji }[] = [];
  const seen = new Set<Emoji>();
  // Exact, then by the shortcode's length (":thu" → thumbsup before thumbsdown? both: shorter first, then order).
  const hits = [...index.byShortcode.entries()].filter(([code]) => code.startsWith(p)).sort((a, b) => a[0].length - b[0].length || a[1].order - b[1].order);
  for (const [code, emoji] of hits) {
    if (seen.has(emoji)) continue;
    seen.add(emoji);
    out.push({ code, emoji });
    if (out.length >= max) break;
  }
  return out;
}

/** The emoji offered first in the picker and the reaction bar's quick choices. */
export const QUICK_REACTIONS = ['👍', '❤️', '😂', '🎉', '👀', '🙏', '✅', '🚀'] as const;

const cache = new Map<string, Promise<EmojiIndex>>();

/** The index for a language ('fr' names in French; other languages get English), loaded once. */
export function loadEmoji(lang: string): Promise<EmojiIndex> {
  const key = lang === 'fr' ? 'fr' : 'en';
  let loading = cache.get(key);
  if (loading === undefined) {
    loading = (async () => {
      const [data, codes] = await Promise.all([
        key === 'fr' ? import('emojibase-data/fr/compact.json') : import('emojibase-data/en/compact.json'),
        import('emojibase-data/en/shortcodes/github.json'),
      ]);
      return buildIndex(data.default, codes.default);
    })();
    loading.catch(() => cache.delete(key));
    cache.set(key, loading);
  }
  return loading;
}
