/**
 * SPEC MS-1, MS-2, SEC-1 — the web app's message rendering, server-side rendered to a string so every
 * attribute can be inspected: Markdown becomes elements, raw HTML never does, links keep only
 * http/https/mailto URLs, images are never loaded, and mentions round-trip through the Markdown.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import Markdown, { safeHref } from '../../packages/web/src/markdown/Markdown.tsx';
import { decodeMentions, encodeMentions, plainText } from '../../packages/web/src/markdown/mentions.ts';

const render = (source: string) => renderToStaticMarkup(createElement(Markdown, { source, meId: 'me-id' }));

describe('web: safe Markdown', () => {
  it('renders Markdown as elements', () => {
    const html = render('**bold** _it_ `code`\n\n- one\n- two\n\n~~gone~~ https://example.com/a');
    assert.match(html, /<strong>bold<\/strong>/);
    assert.match(html, /<em>it<\/em>/);
    assert.match(html, /<code>code<\/code>/);
    assert.match(html, /<li>one<\/li>/);
    assert.match(html, /<del>gone<\/del>/);
    assert.match(html, /<a href="https:\/\/example.com\/a" target="_blank" rel="noopener noreferrer nofollow ugc">/);
  });

  it('keeps a single line break as a line break (Shift+Enter in the composer), inside a paragraph', () => {
    assert.match(render('Line one\nLine two'), /<p>Line one<br\/>\s*Line two<\/p>/);
    // A code block keeps its newlines as they are.
    assert.doesNotMatch(render('```\na\nb\n```'), /<br/);
  });

  it('inert: links render as their text (a search result is itself a link), formatting stays', () => {
    const html = renderToStaticMarkup(createElement(Markdown, { source: '~~old~~ [site](https://example.com) ![pic](https://example.com/p.png)', meId: 'me-id', inert: true }));
    assert.match(html, /<del>old<\/del>/);
    assert.doesNotMatch(html, /<a /);
    assert.match(html, /site/);
  });

  it('highlight: marks each occurrence of the words, any case, inside formatting too', () => {
    const html = renderToStaticMarkup(createElement(Markdown, { source: 'so **Good**, good (a+b)', meId: 'me-id', inert: true, highlight: ['good', 'a+b'] }));
    assert.match(html, /<strong><mark>Good<\/mark><\/strong>, <mark>good<\/mark> \(<mark>a\+b<\/mark>\)/);
  });

  it('drops raw HTML: no element, no event handler comes from message content', () => {
    for (const attack of [
      '<img src=x onerror=alert(1)>',
      '<script>alert(1)</script>',
      '<a href="javascript:alert(1)">x</a>',
      '<iframe src="https://evil.example"></iframe>',
      '<svg onload=alert(1)>',
      '<div style="background:url(javascript:alert(1))">x</div>',
    ]) {
      const html = render(`before ${attack} after`);
      assert.doesNotMatch(html, /<(img|script|iframe|svg|div style)/i, attack);
      assert.doesNotMatch(html, /\son\w+=/i, attack);
      assert.doesNotMatch(html, /javascript:/i, attack);
    }
  });

  it('keeps only http, https and mailto links; others lose their href', () => {
    for (const [link, kept] of [
      ['[a](javascript:alert(1))', false],
      ['[a](JAVASCRIPT:alert(1))', false],
      ['[a](java\tscript:alert(1))', false],
      ['[a](data:text/html,<script>alert(1)</script>)', false],
      ['[a](vbscript:msgbox)', false],
      ['[a](/relative/path)', false],
      ['[a](https://example.com/x?y=1)', true],
      ['[a](mailto:ada@example.com)', true],
      ['<https://example.com/auto>', true],
    ] as const) {
      const html = render(link);
      assert.equal(/<a /.test(html), kept, `${link} → ${html}`);
      assert.doesNotMatch(html, /javascript:|data:|vbscript:/i);
    }
    assert.equal(safeHref('javascript:alert(1)'), undefined);
    assert.equal(safeHref('https://example.com/'), 'https://example.com/');
  });

  it('never loads an image: it becomes a link with its alt text', () => {
    const html = render('![tracker](https://evil.example/pixel.png)');
    assert.doesNotMatch(html, /<img/);
    assert.match(html, /<a href="https:\/\/evil.example\/pixel.png"[^>]*>tracker<\/a>/);
  });

  it('MS-2: mentions round-trip and render as chips, mine highlighted', () => {
    const { markdown, ids, all } = encodeMentions('@Ada Lovelace and @Bob, see @all', new Map([['Ada Lovelace', 'me-id'], ['Bob', 'bob-id'], ['all', 'all']]));
    assert.equal(markdown, '[@Ada Lovelace](mention:me-id) and [@Bob](mention:bob-id), see [@all](mention:all)');
    assert.deepEqual(ids.sort(), ['bob-id', 'me-id']);
    assert.equal(all, true);
    assert.equal(plainText(markdown), '@Ada Lovelace and @Bob, see @all');
    assert.deepEqual([...decodeMentions(markdown).mentions], [['Ada Lovelace', 'me-id'], ['Bob', 'bob-id'], ['all', 'all']]);
    const html = render(markdown);
    assert.match(html, /<span class="mention mention-me" data-mention="me-id">@Ada Lovelace<\/span>/);
    assert.match(html, /<span class="mention" data-mention="bob-id">@Bob<\/span>/);
    assert.doesNotMatch(html, /href="mention:/);
  });

  it('a name with brackets cannot break out of its mention link', () => {
    const { markdown } = encodeMentions('hi @Eve [x](javascript:alert(1))', new Map([['Eve [x](javascript:alert(1))', 'eve-id']]));
    const html = render(markdown);
    // The whole name stays text inside the chip: no link is made from it.
    assert.doesNotMatch(html, /<a /);
    assert.match(html, /<span class="mention" data-mention="eve-id">@Eve \[x\]\(javascript:alert\(1\)\)<\/span>/);
  });
});
