/**
 * Issue 16 — the web app's emoji data (picker search and `:shortcode:` completion, from
 * emojibase-data), its code highlighting (lowlight, class names only), and how reactions group
 * into chips.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { createElement, Fragment } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { buildIndex, completeShortcode, fold, searchEmoji, type CompactEmoji, type Shortcodes } from '../../packages/web/src/emoji/emoji-data.ts';
import { highlightCode } from '../../packages/web/src/markdown/code-highlight.tsx';
import { groupReactions } from '../../packages/web/src/ui/ReactionBar.tsx';

const require = createRequire(import.meta.url);
const dataOf = (lang: string) => require(`emojibase-data/${lang}/compact.json`) as CompactEmoji[];
const github = require('emojibase-data/en/shortcodes/github.json') as Shortcodes;
const strip = (s: string) => s.replace(/\uFE0F/g, '');

describe('web: emoji', () => {
  const en = buildIndex(dataOf('en'), github);
  const fr = buildIndex(dataOf('fr'), github);

  it('indexes the emoji people pick (no skin-tone components), in order', () => {
    assert.ok(en.all.length > 1800, `${en.all.length} emoji`);
    assert.equal(strip(en.all[0]!.emoji), '😀');
    assert.ok(!en.all.some((e) => e.group === 2), 'no components');
    assert.equal(strip(en.byShortcode.get('thumbsup')!.emoji), '👍');
    assert.equal(strip(en.byShortcode.get('+1')!.emoji), '👍');
  });

  it('completes a shortcode from two characters on: `:thu` offers 👍 first', () => {
    const hits = completeShortcode(en, 'thu');
    assert.equal(strip(hits[0]!.emoji.emoji), '👍');
    assert.ok(hits.some((h) => strip(h.emoji.emoji) === '👎'));
    assert.deepEqual(completeShortcode(en, 't'), [], 'one character is not enough');
    assert.ok(completeShortcode(en, 'zzzz').length === 0);
    assert.ok(completeShortcode(en, 'a').length === 0 && completeShortcode(en, 'ro', 3).length === 3, 'bounded');
  });

  it('searches names, keywords and shortcodes, in English and in French without accents', () => {
    assert.equal(strip(searchEmoji(en, 'unicorn')[0]!.emoji), '🦄');
    assert.equal(strip(searchEmoji(en, ':tada:')[0]!.emoji), '🎉');
    assert.ok(searchEmoji(en, 'thumbs up').some((e) => strip(e.emoji) === '👍'));
    assert.equal(strip(searchEmoji(fr, 'fusee')[0]!.emoji), '🚀');
    assert.equal(searchEmoji(fr, 'fusee')[0]!.label, 'fusée');
    assert.deepEqual(searchEmoji(en, '   '), []);
    assert.deepEqual(searchEmoji(en, 'qqqqqq'), []);
    assert.equal(fold('Épée'), 'epee');
  });
});

describe('web: code highlighting', () => {
  const render = (node: unknown) => renderToStaticMarkup(createElement(Fragment, null, node as never));

  it('highlights a named language with class names only (no inline style)', () => {
    const html = render(highlightCode('const answer: number = 42; // the answer', 'ts'));
    assert.match(html, /<span class="hljs-keyword">const<\/span>/);
    assert.match(html, /<span class="hljs-comment">\/\/ the answer<\/span>/);
    assert.doesNotMatch(html, /style=/);
  });

  it('escapes what it highlights: markup in code stays text', () => {
    const html = render(highlightCode('<img src=x onerror=alert(1)>', 'html'));
    assert.doesNotMatch(html, /<img/);
    assert.match(html, /&lt;/);
  });

  it('leaves plain text and unknown languages plain, and guesses only when sure', () => {
    assert.equal(highlightCode('just some words here', undefined), undefined);
    assert.equal(highlightCode('x', 'no-such-language'), undefined);
    const guessed = highlightCode('def greet(name):\n    return f"Hello {name}"\n\nclass Greeter:\n    pass\n', undefined);
    assert.match(render(guessed), /hljs-keyword/);
  });
});

describe('web: reaction chips', () => {
  it('groups by emoji in first-use order, counts each person once, and marks mine', () => {
    const chips = groupReactions(
      [
        { emoji: '👍', personId: 'bob' },
        { emoji: '🎉', personId: 'me' },
        { emoji: '👍', personId: 'me' },
        { emoji: '👍', personId: 'bob' },
        { personId: 'eve' },
      ],
      'me',
    );
    assert.deepEqual(chips, [
      { emoji: '👍', people: ['bob', 'me'], mine: true },
      { emoji: '🎉', people: ['me'], mine: true },
    ]);
  });
});
