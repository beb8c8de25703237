#!/usr/bin/env node
// Compiles the `flint` command into JavaScript, packages/cli/dist/flint.mjs, so that `npm start`
// runs plain JavaScript instead of compiling TypeScript through tsx at every start.
// Our workspace packages and most dependencies are bundled: loading one file instead of hundreds of
// modules from node_modules (each resolved, read, format-detected and, for CommonJS, lexed by Node)
// was about a second of `flint serve`'s start-up. Left as imports of their installed files (`KEPT`)
// are native addons, packages that read their own files, and the libraries a server loads only when
// it uses them — each rewritten to the file Node would have loaded from the importing source, a path
// relative to the bundle, since npm may install a package under packages/<name>/node_modules rather
// than at the root. The build fails if a bundled dependency reads files beside its own source
// (`__dirname`, `__filename`, `import.meta.url`, `require.resolve`): such a package must be KEPT.
// Code split: what a source loads with `await import()` (commands other than `serve`, S3, SAML,
// Redis, PostgreSQL…) becomes a chunk beside it (dist/chunk-*.mjs), loaded only when used.
// Run by the root `prepare` script, so `npm ci` builds it; `npm run build:cli` rebuilds it; `npm start`
// rebuilds it first when a source file is newer than the bundle (`--if-stale`, a few ms when fresh).
import { readFileSync, readdirSync, existsSync, statSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

/** Dependencies left as imports of their installed files, and why. */
const KEPT = {
  'better-sqlite3': 'native addon',
  '@node-rs/argon2': 'native addon',
  sharp: 'native addon',
  '@napi-rs/canvas': 'native addon',
  'pdfjs-dist': 'starts its worker from its own files',
  '@fastify/swagger': 'reads its package.json beside its source',
  '@fastify/swagger-ui': 'serves the Swagger UI files beside its source',
  pino: 'starts transports from its own files in worker threads',
  '@aws-sdk/client-s3': 'imported only with S3 configured',
  ioredis: 'imported only with Redis configured',
  pg: 'imported only with PostgreSQL configured',
  '@node-saml/node-saml': 'imported only when an org uses SAML',
  '@xmldom/xmldom': 'imported only when an org uses SAML',
  'openid-client': 'imported only when an org uses OpenID Connect',
  'web-push': 'imported with the first push',
  nodemailer: 'imported with the first mail',
  '@peculiar/x509': 'imported only to make the KMS certificates',
  'reflect-metadata': "@peculiar/x509's companion",
};
/** Optional dependencies of bundled packages, never installed here: their `require` fails and they do without. */
const ABSENT = ['bufferutil', 'utf-8-validate', 'pg-native'];

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
const isExternal = (path) => Object.keys(KEPT).some((dep) => path === dep || path.startsWith(`${dep}/`));

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
const result = await build({
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
  external: ABSENT,
  // Bundled CommonJS calls require() (Node's built-ins, optional dependencies): give the ES module one.
  banner: { js: "import { createRequire as __flintCreateRequire } from 'node:module'; const require = __flintCreateRequire(import.meta.url);" },
  metafile: true,
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
});

// A bundled file that finds its own files by its location would look beside the bundle instead.
const readsOwnFiles = /\b__dirname\b|\b__filename\b|\bimport\.meta\.url\b|\brequire\.resolve\(/;
const withoutComments = (code) => code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
const offenders = Object.keys(result.metafile.inputs).filter((input) => input.includes('node_modules/') && readsOwnFiles.test(withoutComments(readFileSync(join(root, input), 'utf8'))));
if (offenders.length > 0) {
  console.error(`scripts/build-cli.mjs: these bundled files locate files beside their own source; add their package to KEPT:\n  ${offenders.join('\n  ')}`);
  process.exit(1);
}
console.log(`built packages/cli/dist/flint.mjs in ${Math.round(performance.now() - started)} ms`);
