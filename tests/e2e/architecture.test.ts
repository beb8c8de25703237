/**
 * The dependency rules of ARCHITECTURE.md, checked on the source: clients never import the server,
 * the core never imports the KMS, the isomorphic packages use no Node APIs. The rules themselves
 * are enforced on every `npm run lint` (dependency-cruiser with .dependency-cruiser.mjs, then
 * ESLint); the tests below also prove that those rules bite, on fixtures that break each one.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cruise, type ICruiseResult, type IForbiddenRuleType } from 'dependency-cruiser';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The lint's dependency rules (.dependency-cruiser.mjs): the LAYERS table, and the rules for a workspace laid out under a folder. */
interface DependencyRules {
  LAYERS: Record<string, readonly string[]>;
  rulesFor: (workspace: string) => IForbiddenRuleType[];
  default: { options: Record<string, unknown> };
}
const rules = (await import(pathToFileURL(join(root, '.dependency-cruiser.mjs')).href)) as DependencyRules;

/** package → the workspace packages its (non-test) source may import: the lint's own table. */
const ALLOWED: Record<string, readonly string[]> = rules.LAYERS;
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
      const declared = JSON.parse(readFileSync(join(root, 'packages', pkg, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
      for (const dep of Object.keys(declared.dependencies ?? {})) {
        if (dep.startsWith('@flint/')) assert.ok(allowed.includes(dep.slice(7)), `${pkg}/package.json depends on ${dep}`);
      }
      // What only its tests use is a devDependency, never a runtime one (testkit reaches cli → server).
      for (const dep of Object.keys(declared.devDependencies ?? {})) {
        if (dep.startsWith('@flint/')) assert.ok(!(dep in (declared.dependencies ?? {})), `${pkg}/package.json lists ${dep} twice`);
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
    assert.deepEqual(imports(fileURLToPath(import.meta.url)).filter((s) => s.startsWith('node:')).sort(), ['node:assert/strict', 'node:fs', 'node:os', 'node:path', 'node:test', 'node:url']);
  });

  it('the whole workspace passes the lint’s dependency rules (no cycle, no forbidden import, test dependencies declared)', async () => {
    const result = await cruiseWith(root, ['packages', 'tests', 'scripts'], rules.rulesFor(root), true);
    assert.deepEqual(violations(result), []);
    assert.ok(result.summary.totalCruised > 300, `cruised ${result.summary.totalCruised} modules`);
  });

  it('the dependency rules bite: a fixture workspace breaking each one is refused, rule by rule', async () => {
    const dir = fixtureWorkspace();
    try {
      const found = violations(await cruiseWith(dir, ['packages'], rules.rulesFor(dir), false));
      const expected = [
        'isomorphic-no-node packages/sdk/src/index.ts → fs',
        'layers-server packages/server/src/kms-link/link.ts → packages/kms/src/index.ts',
        'layers-web packages/web/src/main.ts → packages/server/src/index.ts',
        'no-cycle packages/server/src/core.ts → packages/server/src/identity/auth-cache.ts',
        'server-domain-not-http packages/server/src/search/search.ts → packages/server/src/http/paging.ts',
        'server-routes-no-sql packages/server/src/http/routes/events.ts → node_modules/kysely/index.js',
        'undeclared-in-tests-server packages/server/src/spaces/rooms.test.ts → packages/testkit/src/index.ts',
        'undeclared-server packages/server/src/db/database.ts → packages/db/src/index.ts',
        'undeclared-web packages/web/src/main.ts → packages/server/src/index.ts',
        'web-state-not-views packages/web/src/app/store.ts → packages/web/src/ui/App.tsx',
      ];
      assert.deepEqual(found, expected);
      // The allowed imports of the same fixture (declared test dependency, Node-only entry, same-layer imports) pass.
      for (const ok of ['packages/sdk/src/node/http.ts', 'packages/server/src/http/paging.ts', 'packages/kms/src/index.ts', 'packages/server/src/index.ts', 'packages/kms/src/keys.test.ts']) {
        assert.ok(!found.some((v) => v.split(' ')[1] === ok), `${ok} was refused`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the lint’s syntax rules bite: SQL in a route and process.env outside the config modules are refused', async () => {
    // The real config, without type information (these rules need none, and it keeps the test fast).
    const eslint = new ESLint({ cwd: root, overrideConfig: [tseslint.configs.disableTypeChecked] });
    const lint = async (file: string, code: string) => (await eslint.lintText(code, { filePath: join(root, file) }))[0]!.messages.map((m) => `${m.ruleId}: ${m.message}`);
    const route = "import type { Core } from '../../core.ts';\nexport async function count(core: Core): Promise<unknown> {\n  return core.db.selectFrom('people').selectAll().execute();\n}\n";
    assert.deepEqual(await lint('packages/server/src/http/routes/probe.ts', route), ['no-restricted-syntax: Routes hold no SQL: move the query into a domain function.']);
    assert.deepEqual(await lint('packages/server/src/identity/probe.ts', route.replace('../../core.ts', '../core.ts')), [], 'domain functions may query');
    const env = "export const dir = process.env['FLINT_KMS_DATA_DIR'];\n";
    for (const file of ['packages/cli/src/commands/probe.ts', 'packages/kms/src/probe.ts', 'packages/server/src/probe.ts']) {
      assert.deepEqual(await lint(file, env), ["no-restricted-properties: 'process.env' is restricted from being used. Read settings from the typed config (server: config/config.ts, KMS: config.ts), not process.env."], file);
    }
    assert.deepEqual(await lint('packages/kms/src/config.ts', env), [], 'the config module reads the environment');
  });
});

/** Runs dependency-cruiser as `npm run lint` does, on `paths` under `base`, with `forbidden` rules. */
async function cruiseWith(base: string, paths: string[], forbidden: IForbiddenRuleType[], withTsConfig: boolean): Promise<ICruiseResult> {
  const options: Record<string, unknown> = { ...rules.default.options, baseDir: base, validate: true, ruleSet: { forbidden } };
  if (!withTsConfig) delete options['tsConfig'];
  const out = await cruise(paths, options);
  assert.equal(typeof out.output, 'object');
  return out.output as ICruiseResult;
}

/** Each violation as "rule from → to", sorted. */
function violations(result: ICruiseResult): string[] {
  return result.summary.violations.map((v) => `${v.rule.name} ${v.from} → ${v.to}`).sort();
}

/**
 * A small workspace laid out like this one (packages with package.json `exports`, linked under
 * node_modules/@flint) in which each rule is broken once, by the mistakes issue 13 found.
 */
function fixtureWorkspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'flint-arch-'));
  const write = (file: string, text: string) => {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  };
  const pkg = (name: string, deps: string[], devDeps: string[] = []) => {
    const record = (names: string[]) => Object.fromEntries(names.map((n) => [`@flint/${n}`, '0.1.0']));
    write(`packages/${name}/package.json`, JSON.stringify({ name: `@flint/${name}`, type: 'module', exports: { '.': './src/index.ts' }, dependencies: record(deps), devDependencies: record(devDeps) }));
    mkdirSync(join(dir, 'node_modules/@flint'), { recursive: true });
    symlinkSync(join(dir, 'packages', name), join(dir, 'node_modules/@flint', name));
  };
  pkg('protocol', []);
  pkg('db', []);
  pkg('kms', ['protocol'], ['testkit']);
  // Declares the KMS (as a mistaken package.json would): the layers still refuse the import.
  pkg('server', ['protocol', 'kms']);
  pkg('sdk', ['protocol']);
  pkg('web', ['sdk', 'protocol']);
  pkg('testkit', ['server', 'kms']);
  write('node_modules/kysely/package.json', JSON.stringify({ name: 'kysely', main: 'index.js' }));
  write('node_modules/kysely/index.js', 'export const sql = 1;\n');
  write('packages/protocol/src/index.ts', 'export const LIMIT = 1;\n');
  write('packages/kms/src/index.ts', "import { LIMIT } from '@flint/protocol';\nexport const kms = LIMIT;\n");
  write('packages/kms/src/keys.test.ts', "import { flint } from '@flint/testkit';\nexport const t = flint;\n");
  write('packages/testkit/src/index.ts', "import { core } from '@flint/server';\nexport const flint = core;\n");
  // The cycle issue 13 found (core.ts ↔ identity/auth-cache.ts), type-only as it was.
  write('packages/server/src/core.ts', "import type { AuthCache } from './identity/auth-cache.ts';\nexport interface Actor { id: string }\nexport interface Core { cache: AuthCache }\n");
  write('packages/server/src/identity/auth-cache.ts', "import type { Actor } from '../core.ts';\nexport interface AuthCache { get(): Actor }\n");
  // Allowed by the layers, but not in the server's package.json.
  write('packages/db/src/index.ts', 'export const openDatabase = 1;\n');
  write('packages/server/src/db/database.ts', "import { openDatabase } from '@flint/db';\nexport const db = openDatabase;\n");
  write('packages/server/src/index.ts', "import type { Core } from './core.ts';\nexport const core: Core | undefined = undefined;\n");
  write('packages/server/src/kms-link/link.ts', "import { kms } from '@flint/kms';\nexport const link = kms;\n");
  write('packages/server/src/http/paging.ts', "import { LIMIT } from '@flint/protocol';\nexport const pageSize = LIMIT;\n");
  write('packages/server/src/search/search.ts', "import { pageSize } from '../http/paging.ts';\nexport const page = pageSize;\n");
  write('packages/server/src/http/routes/events.ts', "import { sql } from 'kysely';\nexport const live = sql;\n");
  write('packages/server/src/spaces/rooms.test.ts', "import { flint } from '@flint/testkit';\nexport const t = flint;\n");
  write('packages/sdk/src/index.ts', "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n");
  write('packages/sdk/src/node/http.ts', "import { request } from 'node:http';\nexport const post = request;\n");
  write('packages/web/src/main.ts', "import { core } from '@flint/server';\nimport { read } from '@flint/sdk';\nexport const m = [core, read];\n");
  write('packages/web/src/ui/App.tsx', "export const App = 1;\n");
  write('packages/web/src/app/store.ts', "import { App } from '../ui/App.tsx';\nexport const store = App;\n");
  return dir;
}
