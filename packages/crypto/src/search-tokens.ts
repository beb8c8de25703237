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

/**
 * Labels for HMAC domain separation. Versioned, so a later scheme cannot collide with this one.
 * File names have their own pair, so "report" in a file's name and "report" in a message's text
 * are different tokens: a search for files finds names only, and the core cannot tell the two kinds apart.
 */
const LABELS = {
  text: { word: 'flint-search-v1:w:', prefix: 'flint-search-v1:p:' },
  file: { word: 'flint-search-v1:fw:', prefix: 'flint-search-v1:fp:' },
} as const;
const LABEL = LABELS.text;

/** What a token is blinded from: message text, or the names of a message's files. */
export type SearchScope = keyof typeof LABELS;

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

async function blindBytes(key: CryptoKey, label: string, term: string): Promise<Uint8Array> {
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, utf8.encode(label + term) as Uint8Array<ArrayBuffer>));
  return mac.slice(0, SEARCH_TOKEN_RULES.tokenBytes);
}

async function blind(key: CryptoKey, label: string, term: string): Promise<string> {
  return toBase64Url(await blindBytes(key, label, term));
}

/** The token of one whole word (already normalized). */
export function wordToken(key: CryptoKey, word: string): Promise<string> {
  return blind(key, LABEL.word, word);
}

/** The token of one prefix (already normalized). */
export function prefixToken(key: CryptoKey, prefix: string): Promise<string> {
  return blind(key, LABEL.prefix, prefix);
}

/** Words, bigrams and prefixes of texts, deduplicated and cut to the per-message budget, words first. */
function indexTerms(texts: readonly (string | undefined)[], labels: (typeof LABELS)[SearchScope], budget: number): { label: string; text: string }[] {
  const words = new Set<string>();
  const bigrams = new Set<string>();
  for (const text of texts) {
    if (text === undefined) continue;
    const terms = segmentTerms(text);
    for (const w of terms.words) words.add(w);
    for (const b of terms.bigrams) bigrams.add(b);
  }
  const out: { label: string; text: string }[] = [];
  for (const w of new Set([...words, ...bigrams])) out.push({ label: labels.word, text: w });
  const prefixes = new Set<string>();
  for (const w of words) for (const p of prefixesOf(w)) prefixes.add(p);
  for (const p of prefixes) out.push({ label: labels.prefix, text: p });
  return out.slice(0, budget);
}

async function blindAll(key: CryptoKey, terms: { label: string; text: string }[]): Promise<string[]> {
  // In parallel: WebCrypto's HMAC is asynchronous and costs far more awaited one by one.
  const tokens = await Promise.all(terms.map((t) => blind(key, t.label, t.text)));
  return [...new Set(tokens)].sort();
}

/**
 * The tokens a message carries: every word, every CJK bigram (as a word) and every prefix,
 * deduplicated, bounded, and sorted — the order tells the core nothing about word order.
 */
export async function messageTokens(key: CryptoKey, ...texts: (string | undefined)[]): Promise<string[]> {
  return blindAll(key, indexTerms(texts, LABELS.text, SEARCH_TOKEN_RULES.maxTokensPerMessage));
}

/**
 * The tokens of a message's file names (SPEC SR-1), under the file labels; a message with text and
 * files carries both sets, which together must stay within `maxTokensPerMessage` (`budget`).
 */
export async function fileNameTokens(key: CryptoKey, names: readonly string[], budget: number = SEARCH_TOKEN_RULES.maxTokensPerMessage): Promise<string[]> {
  return blindAll(key, indexTerms(names, LABELS.file, Math.max(0, budget)));
}

export interface QueryOptions {
  /** Treat the last word as a prefix (search-as-you-type). Default true. */
  prefixLast?: boolean;
  /** Treat every word as a prefix. Default false. */
  prefixAll?: boolean;
  /** Message text (default) or file names. */
  scope?: SearchScope;
}

/** One term of a query, before blinding: every term must match. Opaque outside this module. */
export interface QueryTerm {
  readonly label: string;
  readonly text: string;
}

/**
 * The terms of a query, to be blinded under each key searched. A CJK word becomes its bigrams
 * (see the module comment); a prefix longer than `maxPrefix` is cut to it (the client may filter
 * the decrypted results further).
 */
export function queryTerms(query: string, options: QueryOptions = {}): QueryTerm[] {
  const labels = LABELS[options.scope ?? 'text'];
  const { words } = segmentTerms(query);
  const out = new Map<string, QueryTerm>();
  const add = (label: string, text: string) => out.set(label + text, { label, text });
  for (const [i, word] of words.entries()) {
    const cps = codePoints(word);
    if (CJK.test(word) && cps.length >= 2) {
      for (const b of bigramsOf(word)) add(labels.word, b);
      continue;
    }
    const asPrefix = options.prefixAll === true || (options.prefixLast !== false && i === words.length - 1);
    if (asPrefix && cps.length >= SEARCH_TOKEN_RULES.minPrefix) add(labels.prefix, cps.slice(0, SEARCH_TOKEN_RULES.maxPrefix).join(''));
    else add(labels.word, word);
  }
  return [...out.values()];
}

/** One term blinded under one key: the token's 16 bytes. */
export function blindTerm(key: CryptoKey, term: QueryTerm): Promise<Uint8Array> {
  return blindBytes(key, term.label, term.text);
}

/** Blinds a query for one space (one key): one 22-character token per term, every term required. */
export async function queryTokens(key: CryptoKey, query: string, options: QueryOptions = {}): Promise<string[]> {
  return Promise.all(queryTerms(query, options).map((t) => blind(key, t.label, t.text)));
}

/**
 * The wire form of a query over many keys (`terms` of POST /api/search/messages): per term, the
 * base64url of its tokens under every key, concatenated in one order shared by all terms — so the
 * i-th token of each term was blinded under the same key, which lets the core check the other
 * terms of a message found by one term with a single lookup each.
 */
export function packQuery(tokensByTerm: readonly (readonly Uint8Array[])[]): string[] {
  return tokensByTerm.map((tokens) => {
    const packed = new Uint8Array(tokens.length * SEARCH_TOKEN_RULES.tokenBytes);
    tokens.forEach((t, i) => packed.set(t, i * SEARCH_TOKEN_RULES.tokenBytes));
    return toBase64Url(packed);
  });
}
