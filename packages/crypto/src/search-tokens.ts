/**
 * Blinded search tokens (SPEC SR-1, DESIGN §4): the sending client turns a message's plaintext into
 * HMACs of its normalized words and word prefixes under the space's search key, so the core can
 * match queries without ever seeing a word. Isomorphic: WebCrypto and `Intl` only.
 *
 * Normalization is what makes "Ünïcode", "ünicode" and full-width "ｕｎｉｃｏｄｅ" the same term:
 * NFKC (compatibility forms fold into one), then lower case (after NFKC, so folded forms are cased
 * too), then word segmentation by `Intl.Segmenter`, which segments scripts without spaces
 * (Japanese, Chinese, Thai) by dictionary. Because a dictionary may cut a run differently in a
 * sentence than in a short query, runs of CJK characters are also indexed as overlapping character
 * bigrams, and a CJK query term is blinded as its bigrams: the two sides then always agree.
 *
 * Whole words and prefixes are blinded under different labels (domain separation), so the core
 * cannot tell that a prefix token and a word token stand for the same string.
 * @module
 */
import { toBase64Url, utf8 } from './encoding.ts';

/** The shape and bounds of tokens; the protocol's limits mirror these numbers. */
export const SEARCH_TOKEN_RULES = {
  /** Bytes of HMAC output kept: 128 bits keep collisions negligible at any realistic index size. */
  tokenBytes: 16,
  /** A token is the base64url of `tokenBytes` bytes: 22 characters. */
  tokenChars: 22,
  /** Shortest prefix indexed, in code points: one-letter prefixes would match most of a space. */
  minPrefix: 2,
  /** Longest prefix indexed, in code points: bounds the tokens per word (a longer query prefix is cut). */
  maxPrefix: 12,
  /** Words longer than this (in code points) are cut: hashes, URLs and base64 blobs are not words people type. */
  maxWordChars: 64,
  /** Most tokens one message carries; words first, then bigrams, then prefixes, so cuts lose the least. */
  maxTokensPerMessage: 2000,
} as const;

/** Labels for HMAC domain separation. Versioned, so a later scheme cannot collide with this one. */
const LABEL = { word: 'flint-search-v1:w:', prefix: 'flint-search-v1:p:' } as const;

/** Scripts written without spaces, where bigrams make matching independent of the segmenter's dictionary. */
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
const CJK_RUN = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}ー]+/gu;

/** The terms of a text: its words and, for CJK runs, their bigrams; all normalized. */
export interface NormalizedTerms {
  /** Whole words (deduplicated, in first-seen order). */
  words: string[];
  /** Overlapping character bigrams of CJK runs (deduplicated). */
  bigrams: string[];
}

let segmenter: Intl.Segmenter | undefined;

function wordSegmenter(): Intl.Segmenter {
  // Locale-neutral ("und"): the sender's and the searcher's locales must not change the words.
  segmenter ??= new Intl.Segmenter('und', { granularity: 'word' });
  return segmenter;
}

/** NFKC, then lower case. Exported so tests and client-side indexes use the one definition. */
export function normalizeText(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

function codePoints(s: string): string[] {
  return Array.from(s);
}

function cut(word: string): string {
  const cps = codePoints(word);
  return cps.length > SEARCH_TOKEN_RULES.maxWordChars ? cps.slice(0, SEARCH_TOKEN_RULES.maxWordChars).join('') : word;
}

function bigramsOf(run: string): string[] {
  const cps = codePoints(run);
  const out: string[] = [];
  for (let i = 0; i + 1 < cps.length; i++) out.push(cps[i]! + cps[i + 1]!);
  return out;
}

/** Splits normalized text into words (and CJK bigrams). Punctuation and spaces are never terms. */
export function segmentTerms(text: string): NormalizedTerms {
  const normalized = normalizeText(text);
  const words = new Set<string>();
  const bigrams = new Set<string>();
  for (const part of wordSegmenter().segment(normalized)) {
    if (part.isWordLike !== true) continue;
    words.add(cut(part.segment));
  }
  // Bigrams over whole CJK runs, across the segmenter's cuts, so a query spanning two of its words still matches.
  for (const run of normalized.match(CJK_RUN) ?? []) for (const b of bigramsOf(run)) bigrams.add(b);
  return { words: [...words], bigrams: [...bigrams] };
}

/** The prefixes of a word that are indexed: from `minPrefix` to `maxPrefix` code points, the word itself included. */
export function prefixesOf(word: string): string[] {
  const cps = codePoints(word);
  const out: string[] = [];
  for (let n = SEARCH_TOKEN_RULES.minPrefix; n <= Math.min(cps.length, SEARCH_TOKEN_RULES.maxPrefix); n++) out.push(cps.slice(0, n).join(''));
  return out;
}

/** Imports the 32-byte search key for HMAC-SHA-256 (non-extractable). */
export async function importSearchKey(raw: Uint8Array): Promise<CryptoKey> {
  if (raw.length !== 32) throw new TypeError('a search key is 32 bytes');
  return crypto.subtle.importKey('raw', raw as Uint8Array<ArrayBuffer>, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
}

/**
 * Derives a space's search key from a KMS content key (HKDF-SHA-256). The content key is used for
 * AES-GCM and the derived key for HMAC only: HKDF with its own `info` keeps the two independent.
 * `salt` binds the key to one space (its KRO URI), so two spaces never share token values.
 */
export async function deriveSearchKey(contentKey: Uint8Array, salt: string): Promise<CryptoKey> {
  const ikm = await crypto.subtle.importKey('raw', contentKey as Uint8Array<ArrayBuffer>, 'HKDF', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: utf8.encode(salt) as Uint8Array<ArrayBuffer>, info: utf8.encode('flint-search-v1') as Uint8Array<ArrayBuffer> },
    ikm,
    256,
  );
  return importSearchKey(new Uint8Array(bits));
}

async function blind(key: CryptoKey, label: string, term: string): Promise<string> {
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, utf8.encode(label + term) as Uint8Array<ArrayBuffer>));
  return toBase64Url(mac.subarray(0, SEARCH_TOKEN_RULES.tokenBytes));
}

/** The token of one whole word (already normalized). */
export function wordToken(key: CryptoKey, word: string): Promise<string> {
  return blind(key, LABEL.word, word);
}

/** The token of one prefix (already normalized). */
export function prefixToken(key: CryptoKey, prefix: string): Promise<string> {
  return blind(key, LABEL.prefix, prefix);
}

/**
 * The tokens a message carries: every word, every CJK bigram (as a word) and every prefix,
 * deduplicated, bounded, and sorted — the order tells the core nothing about word order.
 */
export async function messageTokens(key: CryptoKey, ...texts: (string | undefined)[]): Promise<string[]> {
  const words = new Set<string>();
  const bigrams = new Set<string>();
  for (const text of texts) {
    if (text === undefined) continue;
    const terms = segmentTerms(text);
    for (const w of terms.words) words.add(w);
    for (const b of terms.bigrams) bigrams.add(b);
  }
  const prefixes = new Set<string>();
  for (const w of words) for (const p of prefixesOf(w)) prefixes.add(p);
  const tokens = new Set<string>();
  const budget = SEARCH_TOKEN_RULES.maxTokensPerMessage;
  for (const w of new Set([...words, ...bigrams])) {
    if (tokens.size >= budget) break;
    tokens.add(await wordToken(key, w));
  }
  for (const p of prefixes) {
    if (tokens.size >= budget) break;
    tokens.add(await prefixToken(key, p));
  }
  return [...tokens].sort();
}

export interface QueryOptions {
  /** Treat the last word as a prefix (search-as-you-type). Default true. */
  prefixLast?: boolean;
  /** Treat every word as a prefix. Default false. */
  prefixAll?: boolean;
}

/**
 * Blinds a query for one space: one token per term, every term required for a full match. A CJK
 * word becomes its bigrams (see the module comment); a prefix longer than `maxPrefix` is cut to
 * it (the client may filter the decrypted results further).
 */
export async function queryTokens(key: CryptoKey, query: string, options: QueryOptions = {}): Promise<string[]> {
  const { words } = segmentTerms(query);
  const out = new Set<string>();
  for (const [i, word] of words.entries()) {
    const cps = codePoints(word);
    if (CJK.test(word) && cps.length >= 2) {
      for (const b of bigramsOf(word)) out.add(await wordToken(key, b));
      continue;
    }
    const asPrefix = options.prefixAll === true || (options.prefixLast !== false && i === words.length - 1);
    if (asPrefix && cps.length >= SEARCH_TOKEN_RULES.minPrefix) {
      out.add(await prefixToken(key, cps.slice(0, SEARCH_TOKEN_RULES.maxPrefix).join('')));
    } else {
      out.add(await wordToken(key, word));
    }
  }
  return [...out];
}
