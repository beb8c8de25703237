/**
 * The dependency rules of ARCHITECTURE.md, checked on the source: clients never import the server,
 * the core never imports the KMS, and the isomorphic packages use no Node APIs.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** package → the workspace packages its (non-test) source may import. */
const ALLOWED: Record<string, readonly string[]> = {
  protocol: [],
  crypto: ['protocol'],
  db: [],
  sdk: ['protocol', 'crypto'],
  server: ['protocol', 'crypto', 'db'],
  kms: ['protocol', 'crypto', 'db'],
  web: ['sdk', 'protocol', 'crypto'],
  // The Webex-compatible gateway (security realm) acts as its callers through the SDK: never the core's or the KMS's code.
  gateway: ['sdk', 'protocol', 'crypto'],
  cli: ['server', 'kms', 'gateway', 'sdk', 'protocol', 'crypto', 'db'],
  testkit: ['cli', 'server', 'kms', 'sdk', 'protocol', 'crypto', 'db'],
};
/** Packages that must run in a browser as well as in Node. */
const ISOMORPHIC = new Set(['protocol', 'crypto', 'sdk', 'web']);
/**
 * Node-only entry points inside isomorphic packages, each behind its own subpath export (never the
 * main entry): the SDK's Node preview maker (sharp, pdf.js on @napi-rs/canvas) and its
 * back-pressured node:http fetch for large uploads (`@flint/sdk/node`).
 */
const NODE_ONLY = new Set(['packages/sdk/src/previews/node.ts', 'packages/sdk/src/node/index.ts', 'packages/sdk/src/node/http-fetch.ts']);
/** Packages that only run in Node: no browser entry may reach them. */
const NODE_ONLY_PACKAGES = ['sharp', '@napi-rs/canvas', 'pdfjs-dist/legacy/'];

function sources(dir: string): string[] {
  const out: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'dist') continue;
    if (statSync(path).isDirectory()) out.push(...sources(path));
    else if (/\.(ts|tsx)$/.test(name) && !name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/g)) found.push(m[1]!);
  for (const m of text.matchAll(/(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g)) found.push(m[1]!);
  for (const m of text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push(m[1]!);
  return found;
}

describe('architecture', () => {
  for (const [pkg, allowed] of Object.entries(ALLOWED)) {
    it(`${pkg} imports only ${allowed.length ? allowed.join(', ') : 'no other workspace package'}`, () => {
      const declared = JSON.parse(readFileSync(join(root, 'packages', pkg, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
      for (const dep of Object.keys(declared.dependencies ?? {})) {
        if (dep.startsWith('@flint/')) assert.ok(allowed.includes(dep.slice(7)), `${pkg}/package.json depends on ${dep}`);
      }
      for (const file of sources(join(root, 'packages', pkg, 'src'))) {
        for (const spec of imports(file)) {
          const where = relative(root, file);
          if (spec.startsWith('@flint/')) {
            const target = spec.slice(7).split('/')[0]!;
            assert.ok(allowed.includes(target), `${where} imports ${spec}`);
          }
          if (spec.startsWith('.')) {
            const target = resolve(dirname(file), spec);
            assert.ok(target.startsWith(join(root, 'packages', pkg) + sep), `${where} reaches into another package: ${spec}`);
          }
          if (ISOMORPHIC.has(pkg) && !NODE_ONLY.has(where)) assert.ok(!spec.startsWith('node:') && !['fs', 'path', 'crypto', 'os', 'http'].includes(spec), `${where} (isomorphic) imports ${spec}`);
        }
      }
    });
  }

  it('FL-2: the SDK’s browser entries (main, previews/browser) never reach Node-only code', () => {
    for (const entry of ['packages/sdk/src/index.ts', 'packages/sdk/src/previews/browser.ts']) {
      const seen = new Set<string>();
      const queue = [join(root, entry)];
      while (queue.length > 0) {
        const file = queue.pop()!;
        if (seen.has(file)) continue;
        seen.add(file);
        const where = relative(root, file);
        assert.ok(!NODE_ONLY.has(where), `${entry} reaches ${where}`);
        for (const spec of imports(file)) {
          assert.ok(!spec.startsWith('node:') && !NODE_ONLY_PACKAGES.some((p) => spec === p || spec.startsWith(p.endsWith('/') ? p : `${p}/`)), `${where} (reached from ${entry}) imports ${spec}`);
          if (spec.startsWith('.')) queue.push(resolve(dirname(file), spec));
        }
      }
      assert.ok(seen.size > 1, `${entry} was scanned`);
    }
  });

  it('the import scanner finds every import of a file (checked on this one)', () => {
    assert.deepEqual(imports(fileURLToPath(import.meta.url)).filter((s) => s.startsWith('node:')).sort(), ['node:assert/strict', 'node:fs', 'node:path', 'node:test', 'node:url']);
  });
});
