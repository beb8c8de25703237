// Whether a test file's run depends on the storage engine the suite runs on. The engine is chosen
// only through FLINT_TEST_DATABASE_URL and FLINT_TEST_REDIS_URL (the testkit's database.ts and
// flint.ts, and the few tests that read them themselves), so a test whose modules — followed through
// every import, static or `import()`, of a relative path or a workspace package — never read either
// runs the same on SQLite as on PostgreSQL + Redis: the second pass would repeat it to the byte.
// Type-only imports load nothing and are not followed. Third-party packages cannot read the
// variables (they are Flint's own), so they are not followed either.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ENGINE_VARIABLES = /\bFLINT_TEST_(DATABASE|REDIS)_URL\b/;
// `import x from '…'`, `import '…'`, `export … from '…'`, `import('…')`; not `import type` / `export type`.
const IMPORTS = /(?:^|[;\s])(?:import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

const workspaceCache = new Map();
/** `@flint/<name>[/<sub>]` → the source file its package.json exports, if it is one of ours. */
function resolveWorkspace(root, spec) {
  const match = /^@flint\/([^/]+)(\/.*)?$/.exec(spec);
  if (match === null) return undefined;
  const [, name, sub] = match;
  const key = `${root}\0${name}`;
  let pkg = workspaceCache.get(key);
  if (pkg === undefined) {
    const dir = [join(root, 'packages', name), join(root, 'tests', name)].find((d) => existsSync(join(d, 'package.json')));
    pkg = dir === undefined ? null : { dir, exports: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).exports ?? {} };
    workspaceCache.set(key, pkg);
  }
  if (pkg === null) return undefined;
  const target = pkg.exports[`.${sub ?? ''}`];
  const path = typeof target === 'string' ? target : typeof target === 'object' && target !== null ? Object.values(target).find((v) => typeof v === 'string') : undefined;
  return path === undefined ? undefined : resolve(pkg.dir, path);
}

function resolveImport(root, from, spec) {
  if (spec.startsWith('.')) {
    const path = resolve(dirname(from), spec);
    if (existsSync(path)) return path;
    // TypeScript's `.js` for a `.ts` source.
    const ts = path.replace(/\.js$/, '.ts');
    return existsSync(ts) ? ts : undefined;
  }
  return resolveWorkspace(root, spec);
}

const verdicts = new Map();
/**
 * undefined when the file's run does not depend on the engine; otherwise the chain of modules
 * from the test to one that reads an engine variable (for the runner's explanation and tests).
 */
export function engineDependence(root, testFile) {
  const start = resolve(root, testFile);
  const seen = new Set([start]);
  const queue = [[start]];
  while (queue.length > 0) {
    const chain = queue.shift();
    const file = chain[chain.length - 1];
    if (verdicts.has(file) && verdicts.get(file) === undefined) continue;
    if (!/\.(ts|tsx|mjs|js)$/.test(file)) continue;
    const text = readFileSync(file, 'utf8');
    if (ENGINE_VARIABLES.test(text)) return chain.map((f) => relative(root, f));
    for (const m of text.matchAll(IMPORTS)) {
      const next = resolveImport(root, file, m[1] ?? m[2]);
      if (next !== undefined && !seen.has(next)) {
        seen.add(next);
        queue.push([...chain, next]);
      }
    }
  }
  verdicts.set(start, undefined);
  return undefined;
}
