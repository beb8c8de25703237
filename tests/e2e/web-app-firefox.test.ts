/**
 * The web app in Firefox (Debian's firefox-esr, driven through WebDriver BiDi by puppeteer-core):
 * README promises "current Chrome and Firefox", and the end-to-end encryption runs on the browser's
 * own WebCrypto, so what Chromium proves does not carry over. Two people in two Firefox contexts
 * sign in (each browser enrolling its KMS device with the password credential), read what a Node
 * client sealed, send to each other live over the event stream, and make a space whose key and
 * title were made in Firefox, which a Node client then opens. `.ci/run` installs firefox-esr; on a
 * machine without it the suite is skipped with that reason, except in CI, where it must run.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { newDeviceSecret, passwordCredential, type Session } from '@flint/sdk';
import { FIREFOX_WAIT, hasFirefox, launchFirefox, signInFirefox, startFlint, TEST_PASSWORD, webDist, type FirefoxBrowser, type FirefoxPage, type TestFlint } from '@flint/testkit';

const SHOTS = 'test-results/web/';
const skip = !hasFirefox() && process.env['CI'] !== 'true' ? 'firefox-esr is not installed (apt-get install -y firefox-esr)' : false;

/** A message in the timeline whose decrypted text contains `text`. */
const messageWith = (page: FirefoxPage, text: string) => page.waitForSelector(`article.message ::-p-text(${text})`, FIREFOX_WAIT);

describe('the web app in Firefox ESR (WebDriver BiDi)', { skip }, () => {
  let flint: TestFlint;
  let browser: FirefoxBrowser;
  let ada: FirefoxPage;
  let bob: FirefoxPage;
  let adaSdk: Session;
  let roomId: string;

  before(async () => {
    await mkdir(SHOTS, { recursive: true });
    flint = await startFlint({ webRoot: webDist() });
    const adaClient = await flint.signup({ email: 'ada@fox.test', displayName: 'Ada Lovelace' });
    await flint.signup({ email: 'bob@fox.test', displayName: 'Bob Babbage' });
    adaSdk = await flint.connect(adaClient, { deviceId: 'ada-node', kmsCredential: { device: newDeviceSecret(), password: await passwordCredential(TEST_PASSWORD, adaClient.session!.personId) } });
    const room = await adaSdk.spaces.create({ title: 'Launch' });
    roomId = room.id;
    await adaSdk.members.add(roomId, { personEmail: 'bob@fox.test' });
    await adaSdk.messages.send({ roomId, markdown: 'Ship it on **Friday**?' });
    browser = await launchFirefox();
    ada = await (await browser.createBrowserContext()).newPage();
    bob = await (await browser.createBrowserContext()).newPage();
    for (const page of [ada, bob]) await page.setViewport({ width: 1280, height: 800 });
  });

  after(async () => {
    adaSdk?.close();
    await browser?.close();
    await flint?.stop();
  });

  it('PL-1, SEC-1: both sign in, enrolling their browser at the KMS, and read what a Node client sealed', async () => {
    await signInFirefox(ada, flint.url, 'ada@fox.test');
    await signInFirefox(bob, flint.url, 'bob@fox.test');
    for (const page of [ada, bob]) {
      await page.goto(`${flint.url}/#/space/${roomId}`);
      await messageWith(page, 'Ship it on');
      // Markdown rendered as elements, not as text.
      const strong = await page.waitForSelector('article.message strong', FIREFOX_WAIT);
      assert.equal(await strong!.evaluate((e) => e.textContent), 'Friday');
    }
    await bob.screenshot({ path: `${SHOTS}firefox-space.png` });
  });

  it('MS-1: Bob sends from Firefox; Ada sees it live in Firefox and her Node client opens it', async () => {
    const box = await bob.waitForSelector('.composer textarea', FIREFOX_WAIT);
    await box!.type('Friday works for me');
    await bob.keyboard.press('Enter');
    await messageWith(ada, 'Friday works for me');
    const latest = (await adaSdk.messages.list({ roomId, max: 1 })).items[0];
    assert.equal(latest?.decryptError, undefined);
    assert.match(latest?.markdown ?? latest?.text ?? '', /^Friday works for me$/);
    const stored = await flint.server.core.db.selectFrom('messages').select(['text', 'markdown']).where('space_id', '=', roomId).execute();
    assert.ok(stored.every((m) => !`${m.text ?? ''}${m.markdown ?? ''}`.includes('Friday')), 'the core holds ciphertext only');
  });

  it('SP-1: a space made in Firefox (its key and sealed title made there) opens in Node', async () => {
    await (await ada.waitForSelector('button ::-p-text(New space)', FIREFOX_WAIT))!.click();
    await (await ada.waitForSelector('dialog[open] input', FIREFOX_WAIT))!.type('Made in Firefox');
    await (await ada.waitForSelector('dialog[open] button ::-p-text(Create)', FIREFOX_WAIT))!.click();
    await ada.waitForSelector('h1 ::-p-text(Made in Firefox), h2 ::-p-text(Made in Firefox)', FIREFOX_WAIT);
    const made = /#\/space\/([^/]+)/.exec(ada.url())?.[1];
    assert.ok(made !== undefined, ada.url());
    const room = await adaSdk.spaces.get(made);
    assert.equal(room.decryptError, undefined);
    assert.equal(room.title, 'Made in Firefox');
    await ada.screenshot({ path: `${SHOTS}firefox-new-space.png` });
  });
});
