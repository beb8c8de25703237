/**
 * Accessibility audits of the web app with axe-core (Deque's rules engine for WCAG 2.x A/AA and
 * best practice), run inside the page the test drives. The engine goes in through the DevTools
 * protocol (`page.evaluate`), not a script tag: the app's Content-Security-Policy rightly refuses
 * inline scripts, and the audit must see the app as it is served.
 * @module
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import type { Page as FirefoxPage } from 'puppeteer-core';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** What the tests fail on: the impacts axe ranks highest. */
const FAILING = new Set(['serious', 'critical']);

export interface AxeViolation {
  id: string;
  impact: string;
  help: string;
  nodes: { target: string; html: string; summary: string }[];
}

interface AxeRaw {
  id: string;
  impact?: string | null;
  help: string;
  nodes: { target: unknown[]; html: string; failureSummary?: string }[];
}

/** A page of either driver: playwright-core's (Chromium) or puppeteer-core's (Firefox over WebDriver BiDi). */
export type AuditedPage = Page | FirefoxPage;

/** Runs `script` in the page with whichever driver holds it (both serialize a function or take a string). */
function inPage<R>(page: AuditedPage, script: string | (() => R | Promise<R>)): Promise<R> {
  return 'getByRole' in page ? page.evaluate(script as () => R) : page.evaluate(script as () => R);
}

/** The serious and critical violations axe finds in the page as it is now. */
export async function axeViolations(page: AuditedPage): Promise<AxeViolation[]> {
  if (!(await inPage(page, () => 'axe' in globalThis))) await inPage(page, AXE_SOURCE);
  const raw = await inPage(page, async () => {
    const axe = (globalThis as unknown as { axe: { run(context: unknown, options: unknown): Promise<{ violations: AxeRaw[] }> } }).axe;
    const result = await axe.run(document, { resultTypes: ['violations'], runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] } });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact ?? '', help: v.help, nodes: v.nodes.map((n) => ({ target: n.target.map(String).join(' '), html: n.html.slice(0, 200), summary: n.failureSummary ?? '' })) }));
  });
  return raw.filter((v) => FAILING.has(v.impact));
}

/** Throws, naming every rule broken and where, when the view has serious or critical violations. */
export async function assertAccessible(page: AuditedPage, view: string): Promise<void> {
  const violations = await axeViolations(page);
  if (violations.length === 0) return;
  const lines = violations.flatMap((v) => [`${v.impact} ${v.id}: ${v.help}`, ...v.nodes.slice(0, 5).map((n) => `    at ${n.target}: ${n.html}\n      ${n.summary.replace(/\n/g, '\n      ')}`)]);
  throw new Error(`axe found ${violations.length} serious or critical accessibility problem(s) in ${view}:\n${lines.join('\n')}`);
}
