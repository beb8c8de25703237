/**
 * The test runner's choice of what the PostgreSQL + Redis pass runs (scripts/engine-dependence.mjs,
 * FLINT_TEST_ENGINE_ONLY in .ci/run): a file is left out only when nothing it imports, however
 * indirectly, reads FLINT_TEST_DATABASE_URL or FLINT_TEST_REDIS_URL. On a fixture workspace (each
 * kind of import once) and on the real one.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { engineDependence } from '../../scripts/engine-dependence.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('which test files depend on the storage engine', () => {
  let root: string;
  const write = async (path: string, text: string) => {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  };

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'flint-engine-dependence-'));
    await write('packages/testkit/package.json', JSON.stringify({ name: '@flint/testkit', exports: { '.': './src/index.ts', './pure': './src/pure.ts' } }));
    await write('packages/testkit/src/index.ts', "export * from './database.ts';\n");
    await write('packages/testkit/src/database.ts', "export const engine = process.env['FLINT_TEST_DATABASE_URL'] ?? 'sqlite';\n");
    await write('packages/testkit/src/pure.ts', 'export const pure = 1;\n');
    await write('packages/x/src/helper.ts', 'export const helper = 1;\n');
    await write('packages/x/src/lazy.ts', "export { engine } from '@flint/testkit';\n");
    await write('packages/x/src/pure.test.ts', "import type { engine } from '@flint/testkit';\nexport type { engine } from '@flint/testkit';\nimport { helper } from './helper.ts';\nimport { pure } from '@flint/testkit/pure';\nvoid helper; void pure;\n");
    await write('packages/x/src/static.test.ts', "import {\n  engine,\n} from '@flint/testkit';\nvoid engine;\n");
    await write('packages/x/src/dynamic.test.ts', "const { engine } = await import('./lazy.ts');\nvoid engine;\n");
    await write('packages/x/src/own.test.ts', "const redis = process.env['FLINT_TEST_REDIS_URL'];\nvoid redis;\n");
    await write('packages/x/src/side-effect.test.ts', "import '../../testkit/src/database.ts';\n");
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('follows static, multi-line, dynamic and side-effect imports, of paths and workspace packages, but not type-only ones', () => {
    assert.equal(engineDependence(root, 'packages/x/src/pure.test.ts'), undefined);
    assert.deepEqual(engineDependence(root, 'packages/x/src/static.test.ts'), ['packages/x/src/static.test.ts', 'packages/testkit/src/index.ts', 'packages/testkit/src/database.ts']);
    assert.deepEqual(engineDependence(root, 'packages/x/src/dynamic.test.ts'), ['packages/x/src/dynamic.test.ts', 'packages/x/src/lazy.ts', 'packages/testkit/src/index.ts', 'packages/testkit/src/database.ts']);
    assert.deepEqual(engineDependence(root, 'packages/x/src/own.test.ts'), ['packages/x/src/own.test.ts']);
    assert.deepEqual(engineDependence(root, 'packages/x/src/side-effect.test.ts'), ['packages/x/src/side-effect.test.ts', 'packages/testkit/src/database.ts']);
  });

  it('on the real workspace: the testkit, and a test reading the variables itself, count; pure units do not', () => {
    assert.deepEqual(engineDependence(ROOT, 'packages/server/src/admin/roles.test.ts')?.slice(0, 2), ['packages/server/src/admin/roles.test.ts', 'packages/testkit/src/index.ts']);
    assert.deepEqual(engineDependence(ROOT, 'packages/server/src/infra/rate-limiter.test.ts'), ['packages/server/src/infra/rate-limiter.test.ts']);
    for (const pure of ['packages/crypto/src/jose.test.ts', 'packages/protocol/src/kms.test.ts', 'tests/web/markdown.test.ts']) assert.equal(engineDependence(ROOT, pure), undefined, pure);
  });
});
