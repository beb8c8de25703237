// The dependency rules of ARCHITECTURE.md ("Dependency rules"), enforced on every import by
// dependency-cruiser from `npm run lint` (a few seconds on the whole workspace, no type checking)
// and proved to bite by tests/e2e/architecture.test.ts. The LAYERS table is the one statement of
// which package may import which; the test reads it from here too.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

/** package → the workspace packages its source (not its tests) may import. */
export const LAYERS = {
  protocol: [],
  crypto: ['protocol'],
  db: [],
  sdk: ['protocol', 'crypto'],
  web: ['sdk', 'protocol', 'crypto'],
  // The Webex-compatible gateway acts as its callers through the SDK: never the core, the KMS or their storage.
  gateway: ['sdk', 'protocol', 'crypto'],
  // The core reaches the KMS only through a KmsLink carrying opaque messages.
  server: ['protocol', 'crypto', 'db'],
  // The KMS learns who a token belongs to through an injected verifyBearer, never from the core's code.
  kms: ['protocol', 'crypto', 'db'],
  cli: ['server', 'kms', 'gateway', 'sdk', 'protocol', 'crypto', 'db'],
  testkit: ['cli', 'server', 'kms', 'sdk', 'protocol', 'crypto', 'db'],
};

/** Packages that run in browsers as well as in Node: no Node built-ins outside their Node-only entries. */
export const ISOMORPHIC = ['protocol', 'crypto', 'sdk', 'web'];

/** Node-only entry points inside isomorphic packages, each behind its own subpath export. */
export const NODE_ONLY = ['packages/sdk/src/previews/node.ts', 'packages/sdk/src/node/'];

const TEST = '\\.test\\.tsx?$';
const esc = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** The workspace packages a package declares in its package.json: `dependencies`, or with `devDependencies` too. */
export function declaredWorkspaceDeps(root, pkg, { dev = true } = {}) {
  const file = join(root, 'packages', pkg, 'package.json');
  if (!existsSync(file)) return [];
  const json = JSON.parse(readFileSync(file, 'utf8'));
  return Object.keys({ ...json.dependencies, ...(dev ? json.devDependencies : {}) })
    .filter((name) => name.startsWith('@flint/'))
    .map((name) => name.slice('@flint/'.length));
}

/** The rules for a workspace laid out under `root` (the repository, or a test's fixture of one). */
export function rulesFor(root) {
  const packages = existsSync(join(root, 'packages')) ? readdirSync(join(root, 'packages')).filter((p) => p in LAYERS) : [];
  const others = (pkg, allowed) => `^packages/(?!(?:${[pkg, ...allowed].join('|')})/)[^/]+/`;
  return [
    {
      name: 'no-cycle',
      comment: 'Import cycles (type-only imports included) tangle modules that should layer; move the shared part into its own module.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...packages.map((pkg) => ({
      name: `layers-${pkg}`,
      comment: `${pkg} may import only ${LAYERS[pkg].join(', ') || 'no other workspace package'} (ARCHITECTURE.md, dependency rules).`,
      severity: 'error',
      from: { path: `^packages/${pkg}/`, pathNot: TEST },
      to: { path: others(pkg, LAYERS[pkg]) },
    })),
    ...packages.map((pkg) => ({
      name: `undeclared-${pkg}`,
      comment: `packages/${pkg} imports a workspace package its package.json does not list in dependencies.`,
      severity: 'error',
      from: { path: `^packages/${pkg}/`, pathNot: TEST },
      to: { path: others(pkg, declaredWorkspaceDeps(root, pkg, { dev: false })) },
    })),
    ...packages.map((pkg) => ({
      name: `undeclared-in-tests-${pkg}`,
      comment: `A test of ${pkg} imports a workspace package that packages/${pkg}/package.json does not declare (add it to devDependencies).`,
      severity: 'error',
      from: { path: `^packages/${pkg}/.*${TEST}` },
      to: { path: others(pkg, declaredWorkspaceDeps(root, pkg)) },
    })),
    {
      name: 'isomorphic-no-node',
      comment: 'protocol, crypto, sdk and web run in browsers too: no Node built-ins (Node-only code lives behind its own subpath export).',
      severity: 'error',
      from: { path: `^packages/(?:${ISOMORPHIC.join('|')})/src/`, pathNot: [TEST, ...NODE_ONLY.map((p) => `^${esc(p)}`)] },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'server-domain-not-http',
      comment: 'Domain code takes (core, actor, input), never a request: it must not import the HTTP layer (http/). Only server.ts composes it, and index.ts (the package surface) re-exports the validator for the fuzz suite.',
      severity: 'error',
      from: { path: '^packages/server/src/', pathNot: ['^packages/server/src/(?:http/|server\\.ts$|index\\.ts$)', TEST] },
      to: { path: '^packages/server/src/http/' },
    },
    {
      name: 'server-routes-no-sql',
      comment: 'Routes are thin: no query building in http/ (call a domain function).',
      severity: 'error',
      from: { path: '^packages/server/src/http/', pathNot: TEST },
      to: { path: '(?:^|/)node_modules/kysely/' },
    },
    {
      name: 'web-state-not-views',
      comment: 'The web app’s state (app/) never imports its views (ui/): views read state, not the reverse.',
      severity: 'error',
      from: { path: '^packages/web/src/app/' },
      to: { path: '^packages/web/src/ui/' },
    },
  ];
}

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: rulesFor(import.meta.dirname),
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: '(?:^|/)node_modules/' },
    exclude: { path: ['(?:^|/)dist/', '^packages/web/build/', '^packages/web/public/'] },
    // Workspace packages resolve through their package.json `exports` to their sources.
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'node', 'default'], extensions: ['.ts', '.tsx', '.mts', '.js', '.mjs', '.json'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
