/* @jsxRuntime automatic */
/**
 * Syntax highlighting of code blocks (issue 16), loaded on the first code block shown: lowlight
 * (highlight.js's grammars for about 35 common languages, as a syntax tree rather than an HTML
 * string) turned into React elements by hast-util-to-jsx-runtime — no `innerHTML`, and only class
 * names (`hljs-keyword`…), so the CSP's `style-src 'self'` holds; the colours are in styles.css, for
 * light and dark. A block that names no language is highlighted only when highlight.js is fairly
 * sure what it is (plain text and logs stay plain).
 * @module
 */
import { common, createLowlight } from 'lowlight';
import { toJsxRuntime } from 'hast-util-to-jsx-runtime';
import { Fragment, jsx, jsxs } from 'react/jsx-runtime';
import type { ReactNode } from 'react';

const lowlight = createLowlight(common);

/** highlight.js's relevance below which a guessed language is not trusted. */
const MIN_RELEVANCE = 7;
/** Longer blocks are shown plain: highlighting is for reading snippets, not for pasted dumps. */
const MAX_CHARS = 50_000;

/** The highlighted code as React elements, or undefined when it is better shown plain. */
export function highlightCode(code: string, language: string | undefined): ReactNode | undefined {
  if (code.length > MAX_CHARS) return undefined;
  let tree;
  if (language !== undefined && language !== '') {
    if (!lowlight.registered(language)) return undefined;
    tree = lowlight.highlight(language, code);
  } else {
    tree = lowlight.highlightAuto(code);
    const relevance = tree.data?.relevance ?? 0;
    if (relevance < MIN_RELEVANCE) return undefined;
  }
  const elements = toJsxRuntime(tree, { Fragment, jsx, jsxs }) as ReactNode;
  return elements;
}
