/**
 * The SDK README's example, run as it stands (SPEC PL-1): the first `ts` block of
 * packages/sdk/README.md is written to a file and run by Node in its own process against a test
 * server — only its `baseUrl` is pointed at that server. It must sign in, create a space, send, and
 * print the message its own listener opened; the core must hold only ciphertext.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { startFlint, TEST_PASSWORD, type TestFlint } from '@flint/testkit';

const SDK_DIR = fileURLToPath(new URL('..', import.meta.url));
const EXAMPLE_URL = "'http://127.0.0.1:8080'";

describe('the SDK README example', () => {
  let flint: TestFlint;
  before(async () => {
    flint = await startFlint();
  });
  after(() => flint.stop());

  it('signs in, opens a space, sends and hears its message, as written', async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(block !== undefined, 'the README has a ts block');
    assert.ok(block.split('\n').filter((l) => l.trim() !== '').length <= 12, 'about ten lines');
    assert.equal(block.split(EXAMPLE_URL).length, 2, 'the block names its server once');
    // The person the example signs in as (its password is the test password).
    const ada = await flint.signup({ email: 'ada@example.com', password: TEST_PASSWORD });
    assert.equal(TEST_PASSWORD, 'correct horse battery staple');

    const file = `${SDK_DIR}.readme-example-${randomBytes(6).toString('hex')}.mts`;
    await writeFile(file, block.replace(EXAMPLE_URL, `'${flint.url}'`));
    const child = spawn(process.execPath, ['--import', 'tsx', file], { cwd: SDK_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no output in time; stdout ${out}; stderr ${err}`)), 60_000);
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.on('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`the example exited (${code}): ${err}`));
        });
      });
      assert.equal(out.trim(), 'ada@example.com: Hello, encrypted world');
    } finally {
      child.kill('SIGTERM');
      await rm(file, { force: true });
    }

    // What the core holds: the space and the message, sealed.
    const rooms = await ada.rooms.list();
    assert.equal(rooms.items.length, 1);
    assert.ok(!rooms.items[0]!.title!.includes('Launch plans'));
    const messages = await ada.messages.list({ roomId: rooms.items[0]!.id });
    assert.equal(messages.items.length, 1);
    assert.ok(!messages.items[0]!.text!.includes('Hello'), 'ciphertext only');
    assert.ok(messages.items[0]!.encryptionKeyUrl?.startsWith('kms://'));
  });
});
