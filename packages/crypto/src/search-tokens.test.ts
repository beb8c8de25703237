/**
 * SPEC SR-1 — normalization, segmentation, prefixes and blinding of search tokens, with known
 * answers (HMAC-SHA-256 recomputed independently, and fixed values so a change to the scheme — which
 * would orphan every stored token — cannot pass unnoticed).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toBase64Url, utf8 } from './encoding.ts';
import { SEARCH_TOKEN_RULES, deriveSearchKey, importSearchKey, messageTokens, prefixToken, prefixesOf, queryTokens, segmentTerms, wordToken } from './search-tokens.ts';

const RAW = new Uint8Array(32).fill(7);

async function hmac(label: string, term: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', RAW, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, utf8.encode(label + term) as Uint8Array<ArrayBuffer>));
  return toBase64Url(mac.subarray(0, 16));
}

test('normalizes with NFKC and lower case, and keeps only words', () => {
  assert.deepEqual(segmentTerms('Hello, WORLD! Ｆｕｌｌ-width ÉCOLE').words, ['hello', 'world', 'full', 'width', 'école']);
  assert.deepEqual(segmentTerms('Привет, мир! Встреча ЗАВТРА').words, ['привет', 'мир', 'встреча', 'завтра']);
  assert.deepEqual(segmentTerms('…  !!! --').words, []);
});

test('segments Japanese by dictionary and indexes CJK runs as bigrams too', () => {
  const terms = segmentTerms('東京都に住んでいます');
  assert.ok(terms.words.includes('東京'));
  assert.ok(terms.bigrams.includes('京都'), 'a bigram across the segmenter’s cut');
  assert.deepEqual(segmentTerms('ラーメン').bigrams, ['ラー', 'ーメ', 'メン']);
});

test('prefixes run from 2 to 12 code points, the word included', () => {
  assert.deepEqual(prefixesOf('hello'), ['he', 'hel', 'hell', 'hello']);
  assert.deepEqual(prefixesOf('a'), []);
  assert.equal(prefixesOf('internationalization').length, SEARCH_TOKEN_RULES.maxPrefix - 1);
  assert.deepEqual(prefixesOf('привет').at(0), 'пр');
});

test('blinds words and prefixes under separate labels (known answers)', async () => {
  const key = await importSearchKey(RAW);
  assert.equal(await wordToken(key, 'hello'), await hmac('flint-search-v1:w:', 'hello'));
  assert.equal(await prefixToken(key, 'he'), await hmac('flint-search-v1:p:', 'he'));
  assert.equal(await wordToken(key, 'hello'), 'HHAbfyCwOMyQfmN-WBeMeg');
  assert.equal(await prefixToken(key, 'he'), 'ZPMFu-SpSDjJ0tQYJNQ1mg');
  assert.equal(await wordToken(key, '東京'), 'OnNaQOSIAJbZq70eqimmog');
  assert.equal(await prefixToken(key, 'при'), 'bKPm7PuUKdkMzCQTpmI1rg');
  assert.notEqual(await wordToken(key, 'hello'), await prefixToken(key, 'hello'));
});

test('derives a per-space search key with HKDF (known answer), different per salt', async () => {
  const a = await deriveSearchKey(new Uint8Array(32).fill(1), 'kms://x/resources/1');
  const b = await deriveSearchKey(new Uint8Array(32).fill(1), 'kms://x/resources/2');
  assert.equal(await wordToken(a, 'hello'), 'fdM8xnIFVmSSUHN9gVpDag');
  assert.notEqual(await wordToken(a, 'hello'), await wordToken(b, 'hello'));
});

test('message tokens are deduplicated, sorted, 22 characters, and bounded', async () => {
  const key = await importSearchKey(RAW);
  const tokens = await messageTokens(key, 'hello hello world', undefined, '**Hello**');
  // hello, world + he, hel, hell, hello, wo, wor, worl, world
  assert.equal(tokens.length, 10);
  assert.deepEqual(tokens, [...tokens].sort());
  assert.ok(tokens.every((t) => /^[A-Za-z0-9_-]{22}$/.test(t)));
  const long = Array.from({ length: 3000 }, (_, i) => `word${i}x`).join(' ');
  assert.equal((await messageTokens(key, long)).length, SEARCH_TOKEN_RULES.maxTokensPerMessage);
});

test('a query is blinded so that it matches what the message carries', async () => {
  const key = await importSearchKey(RAW);
  const message = new Set(await messageTokens(key, 'Встреча завтра в Токио: 東京都に住んでいます'));
  for (const q of ['встреча', 'ЗАВТ', 'токио встр', '東京', '京都', '住んで']) {
    const terms = await queryTokens(key, q);
    assert.ok(terms.length > 0 && terms.every((t) => message.has(t)), q);
  }
  assert.ok(!(await queryTokens(key, 'завтрак')).every((t) => message.has(t)));
  // Exact words only when prefixes are off.
  assert.ok(!(await queryTokens(key, 'завт', { prefixLast: false })).every((t) => message.has(t)));
});
