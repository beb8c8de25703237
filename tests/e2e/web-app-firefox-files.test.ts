/**
 * More of the web app in Firefox (Debian's firefox-esr through WebDriver BiDi): what leans on the
 * browser's own WebCrypto, canvas, streams and IndexedDB beyond messages, which the Chromium tests
 * cannot vouch for. A PNG chosen in Ada's Firefox is encrypted there with a preview drawn there; her
 * Node client downloads it byte-identical and finds the preview; Bob's Firefox shows the preview
 * decrypted. Bob's Firefox computes the blinded search tokens that find a message a Node client
 * sealed and indexed. And the encrypted local cache in Firefox's IndexedDB holds entries but neither
 * the space's title nor its messages in plaintext. `.ci/run` installs firefox-esr; without it the
 * suite is skipped with that reason, except in CI, where it must run.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newDeviceSecret, passwordCredential, type Session } from '@flint/sdk';
import { FIREFOX_WAIT, hasFirefox, indexedDbDump, launchFirefox, sampleImage, signInFirefox, startFlint, TEST_PASSWORD, until, webDist, type FirefoxBrowser, type FirefoxPage, type TestFlint } from '@flint/testkit';

const skip = !hasFirefox() && process.env['CI'] !== 'true' ? 'firefox-esr is not installed (apt-get install -y firefox-esr)' : false;
const TITLE = 'Harbour plans';
const SEALED_IN_NODE = 'The tide tables arrive on Monday';

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks);
    chunks.push(value);
  }
}

describe('the web app in Firefox ESR: files, previews, search and the local cache', { skip }, () => {
  let flint: TestFlint;
  let browser: FirefoxBrowser;
  let ada: FirefoxPage;
  let bob: FirefoxPage;
  let adaSdk: Session;
  let roomId: string;
  let folder: string;

  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'flint-firefox-files-'));
    flint = await startFlint({ webRoot: webDist() });
    const adaClient = await flint.signup({ email: 'ada@harbour.test', displayName: 'Ada Lovelace' });
    await flint.signup({ email: 'bob@harbour.test', displayName: 'Bob Babbage' });
    adaSdk = await flint.connect(adaClient, { deviceId: 'ada-node', kmsCredential: { device: newDeviceSecret(), password: await passwordCredential(TEST_PASSWORD, adaClient.session!.personId) } });
    roomId = (await adaSdk.spaces.create({ title: TITLE })).id;
    await adaSdk.members.add(roomId, { personEmail: 'bob@harbour.test' });
    await adaSdk.messages.send({ roomId, text: SEALED_IN_NODE });
    browser = await launchFirefox();
    ada = await (await browser.createBrowserContext()).newPage();
    bob = await (await browser.createBrowserContext()).newPage();
    for (const page of [ada, bob]) await page.setViewport({ width: 1280, height: 800 });
    await signInFirefox(ada, flint.url, 'ada@harbour.test');
    await signInFirefox(bob, flint.url, 'bob@harbour.test');
    for (const page of [ada, bob]) {
      await page.goto(`${flint.url}/#/space/${roomId}`);
      await page.waitForSelector(`article.message ::-p-text(${SEALED_IN_NODE})`, FIREFOX_WAIT);
    }
  });

  after(async () => {
    adaSdk?.close();
    await browser?.close();
    await flint?.stop();
    if (folder !== undefined) await rm(folder, { recursive: true, force: true });
  });

  it('FL-1, FL-2: a PNG encrypted in Firefox with its preview made there; Node downloads it byte-identical; Bob’s Firefox shows the preview', async () => {
    const png = Buffer.from(await sampleImage('png', 640, 400, { r: 30, g: 90, b: 160 }));
    const path = join(folder, 'tide.png');
    await writeFile(path, png);
    const inputs = await ada.$$('.composer input[type=file]');
    assert.ok(inputs.length > 0, 'the composer has a file input');
    await inputs[inputs.length - 1]!.uploadFile(path);
    await ada.waitForSelector('.composer ::-p-text(tide.png)', FIREFOX_WAIT);
    await (await ada.waitForSelector('.composer button ::-p-text(Send)', FIREFOX_WAIT))!.click();

    const entry = await until('the file in the space', async () => (await adaSdk.files.list(roomId)).find((f) => f.reference?.name === 'tide.png'), 60_000);
    assert.ok(entry.reference !== undefined, String(entry.error));
    const download = await adaSdk.files.download(entry.reference);
    assert.deepEqual(await readAll(download.stream), png, 'the bytes Firefox encrypted decrypt to the file');
    await download.verified;
    const preview = await adaSdk.files.preview(entry.reference);
    assert.ok(preview !== undefined, 'Firefox made a preview');

    // Bob's Firefox decrypts the thumbnail into a blob: URL (at most 320 px wide: the preview, not the file).
    await bob.waitForFunction(
      () => {
        const img = [...document.querySelectorAll<HTMLImageElement>('img.preview')].find((i) => i.alt === 'Preview of tide.png');
        return img !== undefined && img.complete && img.naturalWidth > 0 && img.naturalWidth <= 320 && img.src.startsWith('blob:');
      },
      FIREFOX_WAIT,
    );
  });

  it('SR-1: Bob’s Firefox blinds his query and finds what a Node client sealed and indexed', async () => {
    const box = await bob.waitForSelector('input[type=search]', FIREFOX_WAIT);
    await box!.type('tide');
    await bob.keyboard.press('Enter');
    await bob.waitForSelector(`.results a.result ::-p-text(${SEALED_IN_NODE})`, FIREFOX_WAIT);
    const stored = await flint.server.core.db.selectFrom('messages').select(['text', 'markdown']).where('space_id', '=', roomId).execute();
    assert.ok(stored.every((m) => !`${m.text ?? ''}${m.markdown ?? ''}`.includes('tide')), 'the core holds ciphertext only');
  });

  it('SEC-7: Firefox’s IndexedDB keeps the local cache sealed: entries, but no title or message in plaintext', async () => {
    await bob.goto(`${flint.url}/#/space/${roomId}`);
    await bob.waitForSelector(`article.message ::-p-text(${SEALED_IN_NODE})`, FIREFOX_WAIT);
    const dump = await until('the space’s messages in the cache', async () => {
      const d = await indexedDbDump(bob);
      return d.keys.some((k) => k.startsWith('timeline:')) ? d : undefined;
    }, 60_000);
    assert.ok((dump.databases['flint-cache']?.['entries'] ?? 0) >= 2, `the cache holds entries: ${JSON.stringify(dump.databases)}`);
    for (const secret of [TITLE, SEALED_IN_NODE, 'tide tables']) assert.ok(!dump.text.includes(secret), `"${secret}" in Firefox's IndexedDB in plaintext`);
    // A reload opens the cache with this browser's (non-extractable) device key and the app comes back.
    await bob.reload();
    await bob.waitForSelector(`article.message ::-p-text(${SEALED_IN_NODE})`, FIREFOX_WAIT);
  });
});
