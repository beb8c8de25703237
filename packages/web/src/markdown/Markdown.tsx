/* @jsxRuntime automatic */
// (The pragma lets tests render this file under Node, where the root tsconfig does not apply to it.)
/**
 * Safe rendering of message Markdown (SPEC MS-1). react-markdown turns Markdown into React
 * elements — never into an HTML string — so nothing in a message can become markup:
 * - raw HTML in a message is dropped (`skipHtml`), so `<img onerror=…>` shows as nothing;
 * - a link keeps its URL only for http:, https: and mailto: (everything else, `javascript:` and
 *   `data:` included, loses its href and is rendered as plain text);
 * - images are never fetched (a remote image would tell its server who read the message, and
 *   the CSP would block it anyway): they show as a link with their alt text;
 * - `mention:` links are the app's own mentions and render as a chip, without a link.
 * A line break typed in the composer (Shift+Enter) is a line break in the message, as chat users
 * expect, not a soft break that CommonMark would fold into a space (remark-breaks).
 * With `inert`, links render as their text (a search result is itself a link: no link inside it).
 * `highlight` marks the given words wherever they occur in the text (`<mark>`, search results).
 * Code blocks are syntax-highlighted once the highlighter (its own chunk) has loaded; until then,
 * and in inert views (search results), they show plain.
 * @module
 */
import { memo, useEffect, useState, type ReactNode } from 'react';
import ReactMarkdown, { type Components } from 'react-markdown';
import remarkBreaks from 'remark-breaks';
import remarkGfm from 'remark-gfm';
import type { highlightCode } from './code-highlight.tsx';

const SAFE_PROTOCOLS = new Set(['http:', 'https:', 'mailto:']);

/** The URL if it is safe to link to, else undefined. Relative URLs are refused too: a message has no base. */
export function safeHref(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return SAFE_PROTOCOLS.has(parsed.protocol) ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

function urlTransform(url: string): string {
  if (/^mention:[A-Za-z0-9-]{1,64}$/.test(url)) return url;
  return safeHref(url) ?? '';
}

type Highlighter = { highlightCode: typeof highlightCode };
let highlighter: Promise<Highlighter> | undefined;

/** The text of a hast element (the code inside a `<pre>`). */
function textOf(node: HastNode | undefined): string {
  if (node === undefined) return '';
  if (node.type === 'text') return node.value ?? '';
  return (node.children ?? []).map(textOf).join('');
}

/** A fenced or indented code block: plain at once, highlighted when the highlighter has loaded. */
function CodeBlock({ code, language, plain }: { code: string; language: string | undefined; plain: ReactNode }) {
  const [highlighted, setHighlighted] = useState<ReactNode | undefined>();
  useEffect(() => {
    let live = true;
    highlighter ??= import('./code-highlight.tsx');
    highlighter.then(
      (h) => live && setHighlighted(h.highlightCode(code, language)),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [code, language]);
  return (
    // Focusable: a line wider than the message scrolls sideways, and the keyboard must be able to scroll it too.
    <pre className="code-block" data-language={language} tabIndex={0}>
      {highlighted !== undefined ? <code className={`hljs${language !== undefined ? ` language-${language}` : ''}`}>{highlighted}</code> : plain}
    </pre>
  );
}

function makeComponents(mentionClass: (id: string) => string, inert: boolean): Components {
  return {
    pre({ node, children }) {
      if (inert) return <pre>{children}</pre>;
      const code = (node as HastNode | undefined)?.children?.find((c) => c.type === 'element' && c.tagName === 'code');
      const classes = code?.properties?.['className'];
      const language = Array.isArray(classes) ? classes.map(String).find((c) => c.startsWith('language-'))?.slice('language-'.length) : undefined;
      return <CodeBlock code={textOf(code).replace(/\n$/, '')} language={language} plain={children} />;
    },
    a({ href, children }) {
      if (href?.startsWith('mention:')) {
        const id = href.slice('mention:'.length);
        return <span className={mentionClass(id)} data-mention={id}>{children}</span>;
      }
      const safe = href !== undefined ? safeHref(href) : undefined;
      if (safe === undefined || inert) return <span className={inert ? 'inert-link' : 'unsafe-link'}>{children}</span>;
      return (
        <a href={safe} target="_blank" rel="noopener noreferrer nofollow ugc">
          {children}
        </a>
      );
    },
    img({ src, alt }) {
      const safe = typeof src === 'string' ? safeHref(src) : undefined;
      const label = alt !== undefined && alt !== '' ? alt : (safe ?? '');
      return safe === undefined || inert ? <span>{label}</span> : <a href={safe} target="_blank" rel="noopener noreferrer nofollow ugc">{label}</a>;
    },
    // Headings inside a message stay small: a message must not shout over the page structure.
    h1: ({ children }) => <p className="md-heading">{children}</p>,
    h2: ({ children }) => <p className="md-heading">{children}</p>,
    h3: ({ children }) => <p className="md-heading">{children}</p>,
    h4: ({ children }) => <p className="md-heading">{children}</p>,
    h5: ({ children }) => <p className="md-heading">{children}</p>,
    h6: ({ children }) => <p className="md-heading">{children}</p>,
  };
}

const PLUGINS = [remarkGfm, remarkBreaks];

/** The part of a hast tree the highlighter walks (text nodes and elements with children). */
interface HastNode {
  type: string;
  value?: string;
  tagName?: string;
  properties?: Record<string, unknown>;
  children?: HastNode[];
}

/** A rehype plugin wrapping each occurrence of the words (any case) in a `<mark>`. */
function rehypeHighlight(words: readonly string[]) {
  const wanted = words.map((w) => w.trim()).filter((w) => w.length > 0);
  if (wanted.length === 0) return () => undefined;
  const pattern = new RegExp(`(${wanted.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})`, 'iu');
  const walk = (node: HastNode): void => {
    if (node.children === undefined) return;
    node.children = node.children.flatMap((child): HastNode[] => {
      if (child.type !== 'text' || child.value === undefined) {
        walk(child);
        return [child];
      }
      const parts = child.value.split(pattern);
      if (parts.length === 1) return [child];
      // split() with one capturing group alternates: text, match, text, match, … (some texts empty).
      return parts
        .map((part, i): HastNode => (i % 2 === 1 ? { type: 'element', tagName: 'mark', properties: {}, children: [{ type: 'text', value: part }] } : { type: 'text', value: part }))
        .filter((node) => node.type !== 'text' || node.value !== '');
    });
  };
  return () => (tree: HastNode) => walk(tree);
}

const Markdown = memo(function Markdown({ source, meId, inert = false, highlight }: { source: string; meId: string; inert?: boolean; highlight?: readonly string[] }): ReactNode {
  const components = makeComponents((id) => (id === meId || id === 'all' ? 'mention mention-me' : 'mention'), inert);
  const highlighted = highlight !== undefined && highlight.length > 0 ? [rehypeHighlight(highlight)] : [];
  return (
    <div className={inert ? 'md md-inert' : 'md'}>
      <ReactMarkdown remarkPlugins={PLUGINS} rehypePlugins={highlighted} skipHtml urlTransform={urlTransform} components={components}>
        {source}
      </ReactMarkdown>
    </div>
  );
});

// The default export is what MessageItem loads lazily: the Markdown toolchain is the largest part of the bundle.
export default Markdown;
