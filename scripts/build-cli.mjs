#!/usr/bin/env node
// Compiles the `flint` command into JavaScript, packages/cli/dist/flint.mjs, so that `npm start`
// runs plain JavaScript instead of compiling TypeScript through tsx at every start. Code split: what
// a source loads with `await import()` (commands other than `serve`, S3, SAML, Redis, PostgreSQL…)
// becomes a chunk beside it (dist/chunk-*.mjs), with its dependencies, loaded only when used — so
// `flint serve` does not load, compile and keep in memory what this server will not run.
// Our workspace packages are bundled (they export TypeScript sources); every other dependency
// stays an import from node_modules (native addons, lazily loaded libraries, packages that read
// their own files), rewritten to the file Node would have loaded from the importing source — a
// path relative to the bundle, since npm may install a package under packages/<name>/node_modules
// rather than at the root.
// Run by the root `prepare` script, so `npm ci` builds it; `npm run build:cli` rebuilds it; `npm start`
// rebuilds it first when a source file is newer than the bundle (`--if-stale`, a few ms when fresh).
import { readFileSync, readdirSync, existsSync, statSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const external = new Set();
for (const name of readdirSync(join(root, 'packages'))) {
  const file = join(root, 'packages', name, 'package.json');
  if (!existsSync(file)) continue;
  const pkg = JSON.parse(readFileSync(file, 'utf8'));
  for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies, ...pkg.peerDependencies })) {
    if (!dep.startsWith('@flint/')) external.add(dep);
  }
}

const outdir = join(root, 'packages/cli/dist');
const outfile = join(outdir, 'flint.mjs');

/** The newest modification time of the sources the bundle is made of (every package but the web app). */
function newestSource() {
  let newest = 0;
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name === 'dist') continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  for (const name of readdirSync(join(root, 'packages'))) if (name !== 'web' && existsSync(join(root, 'packages', name, 'src'))) walk(join(root, 'packages', name, 'src'));
  for (const name of ['package-lock.json', 'scripts/build-cli.mjs']) newest = Math.max(newest, statSync(join(root, name)).mtimeMs);
  return newest;
}

if (process.argv.includes('--if-stale') && existsSync(outfile) && statSync(outfile).mtimeMs >= newestSource()) process.exit(0);
const isExternal = (path) => [...external].some((dep) => path === dep || path.startsWith(`${dep}/`));

/** Resolves an external import as from its importer (esbuild's resolver, import conditions), then points the bundle at that file. */
const externalsInPlace = {
  name: 'externals-in-place',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.pluginData === 'inner' || !isExternal(args.path)) return undefined;
      const found = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: 'inner' });
      if (found.errors.length > 0) return { errors: found.errors };
      let path = relative(dirname(outfile), found.path);
      if (!path.startsWith('.')) path = `./${path}`;
      return { path, external: true };
    });
  },
};

const { build } = await import('esbuild');
const started = performance.now();
// Chunks are named by content: clear the last build's, which nothing would load any more.
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { flint: join(root, 'packages/cli/src/main.ts') },
  outdir,
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunk-[hash]',
  splitting: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20.19',
  plugins: [externalsInPlace],
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
});
console.log(`built packages/cli/dist/flint.mjs in ${Math.round(performance.now() - started)} ms`);
