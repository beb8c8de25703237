/**
 * Voicemail in the web app, in a real Chromium with a fake microphone (SPEC CL-3, SEC-1, SEC-4):
 * Bob turns on voicemail to e-mail in Settings and sets a PIN (an argon2id hash in the core); Ada
 * opens their direct space, chooses "Leave a voicemail", records, listens back and sends. The core holds the recording only as ciphertext: no run of the
 * plaintext recording (read from Ada's browser) is anywhere in its database, blob folder or log.
 * Bob's message-waiting badge appears live; he plays the message (his browser decrypts it, the
 * audio element plays it and WebAudio decodes it with a length above zero), marks it read and the
 * badge clears. His browser handed the audio to the key server's mail relay, and the test SMTP
 * server got it with the recording attached, byte for byte. Axe on the dialog, the mailbox and
 * Settings. Runs on SQLite, or on PostgreSQL when FLINT_TEST_DATABASE_URL is set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { newDeviceSecret, passwordCredential, type Session } from '@flint/sdk';
import { assertAccessible, launchChromium, startFlint, startSmtpServer, TEST_PASSWORD, webDist, type TestFlint, type TestSmtpServer } from '@flint/testkit';

const WAIT = { timeout: 30_000 };
const CHROMIUM_MEDIA = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--autoplay-policy=no-user-gesture-required'];

/**
 * The app's CSP keeps `blob:` out of connect-src, so a test cannot fetch a blob URL back: this
 * records each Blob the page turns into a URL, to read the bytes the audio elements play.
 */
const KEEP_BLOBS = () => {
  const made = new Map<string, Blob>();
  const create = URL.createObjectURL.bind(URL);
  URL.createObjectURL = (object: Blob | MediaSource) => {
    const url = create(object);
    if (object instanceof Blob) made.set(url, object);
    return url;
  };
  (window as unknown as { blobOf: (url: string) => Blob | undefined }).blobOf = (url) => made.get(url);
};

/** Files under `dir` holding `needle` (bytes). */
async function filesHolding(dir: string, needle: Uint8Array): Promise<string[]> {
  const hits: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    if ((await readFile(path)).includes(Buffer.from(needle.buffer, needle.byteOffset, needle.length))) hits.push(path);
  }
  return hits;
}

describe('web app: voicemail (Chromium, fake microphone)', () => {
  let flint: TestFlint;
  let smtp: TestSmtpServer;
  let browser: Browser;
  let adaSdk: Session;
  let roomId = '';
  let adaContext: BrowserContext;
  let bobContext: BrowserContext;
  let ada: Page;
  let bob: Page;
  const problems: string[] = [];

  async function signIn(page: Page, email: string): Promise<void> {
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`${m.text()} (${m.location().url})`);
    });
    page.on('pageerror', (e) => problems.push(String(e)));
    await page.goto(flint.url + '/');
    await page.locator('input[type=email]').fill(email);
    await page.locator('input[type=password]').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('nav.sidebar').waitFor(WAIT);
  }

  before(async () => {
    smtp = await startSmtpServer();
    flint = await startFlint({ webRoot: webDist(), env: { FLINT_KMS_SMTP_URL: smtp.url } });
    browser = await launchChromium({ args: CHROMIUM_MEDIA });
    const adaClient = await flint.signup({ email: 'ada@example.com', displayName: 'Ada Lovelace' });
    const bobClient = await flint.signup({ email: 'bob@example.com', displayName: 'Bob Babbage' });
    // Ada's Node device makes the direct space and sets the password credential her browser enrolls with.
    adaSdk = await flint.connect(adaClient, { deviceId: 'ada-node', kmsCredential: { device: newDeviceSecret(), password: await passwordCredential(TEST_PASSWORD, adaClient.session!.personId) } });
    roomId = (await adaSdk.spaces.direct({ personId: bobClient.session!.personId })).id;
    adaContext = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
    bobContext = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
    await adaContext.addInitScript(KEEP_BLOBS);
    await bobContext.addInitScript(KEEP_BLOBS);
    ada = await adaContext.newPage();
    bob = await bobContext.newPage();
    await signIn(ada, 'ada@example.com');
    await signIn(bob, 'bob@example.com');
  });

  after(async () => {
    adaSdk?.close();
    await browser?.close();
    await flint?.stop();
    await smtp?.close();
  });

  it('is recorded and encrypted in the caller’s browser, raises the indicator live, plays back, clears, and is e-mailed', { timeout: 240_000 }, async () => {
    // Bob opts in to voicemail to e-mail, in Settings.
    await bob.goto(`${flint.url}/#/settings`);
    const optIn = bob.getByRole('checkbox', { name: 'E-mail me a copy of each new voicemail' });
    await optIn.waitFor(WAIT);
    await optIn.check();
    // Saved in the core (the opt-in is what lets Bob's device claim the copy).
    const deadline = Date.now() + 20_000;
    while ((await flint.server.core.db.selectFrom('voicemail_settings').select('email_copy').executeTakeFirst())?.email_copy !== 1) {
      assert.ok(Date.now() < deadline, 'the opt-in is saved');
      await new Promise((r) => setTimeout(r, 100));
    }
    // And sets a voicemail PIN (kept by the core as an argon2id hash only).
    await bob.getByLabel('New PIN').fill('2468');
    await bob.getByRole('button', { name: 'Save PIN' }).click();
    await bob.getByText('Your voicemail PIN is saved.').waitFor(WAIT);
    await bob.getByText('A PIN is set.', { exact: false }).waitFor(WAIT);
    const pinHash = (await flint.server.core.db.selectFrom('voicemail_settings').select('pin_hash').executeTakeFirstOrThrow()).pin_hash!;
    assert.match(pinHash, /^\$argon2id\$/);
    await assertAccessible(bob, 'settings with voicemail');
    await bob.goto(`${flint.url}/#/`);
    await bob.locator('nav.sidebar').waitFor(WAIT);
    assert.equal(await bob.getByTestId('voicemail-badge').count(), 0, 'no message waiting yet');

    // Ada leaves a voicemail from the direct space's header.
    await ada.goto(`${flint.url}/#/space/${roomId}`);
    await ada.getByRole('button', { name: 'Leave a voicemail' }).click();
    const dialog = ada.getByRole('dialog', { name: 'Voicemail for Bob Babbage' });
    await dialog.waitFor(WAIT);
    await assertAccessible(ada, 'leave a voicemail');
    await dialog.getByRole('button', { name: 'Record' }).click();
    await dialog.getByText(/Recording: 0:0[2-9]/).waitFor(WAIT);
    await dialog.getByRole('button', { name: 'Stop' }).click();
    const preview = dialog.getByTestId('voicemail-preview');
    await preview.waitFor(WAIT);
    // The plaintext recording, as Ada's browser holds it before encrypting it.
    const recording = Buffer.from(
      await ada.evaluate(async () => {
        const src = document.querySelector<HTMLAudioElement>('[data-testid=voicemail-preview]')!.src;
        const blob = (window as unknown as { blobOf: (url: string) => Blob | undefined }).blobOf(src)!;
        return [...new Uint8Array(await blob.arrayBuffer())];
      }),
    );
    assert.ok(recording.length > 1000, `a real recording (${recording.length} bytes)`);
    await dialog.getByRole('button', { name: 'Send voicemail' }).click();
    await dialog.waitFor({ state: 'detached', ...WAIT });
    await ada.getByText('Voicemail sent to Bob Babbage.').waitFor(WAIT);

    // Bob's indicator appears without a reload.
    await bob.getByTestId('voicemail-badge').filter({ hasText: '1' }).waitFor(WAIT);

    // SEC-1: no run of the recording anywhere in the core's folder (database file, blobs) or log.
    const windows = [0.3, 0.5, 0.7, 0.9].map((f) => recording.subarray(Math.floor(recording.length * f), Math.floor(recording.length * f) + 48));
    for (const w of windows) {
      assert.deepEqual(await filesHolding(flint.dataDir, w), [], 'the core’s files never hold the recording');
      assert.ok(!flint.logText().includes(w.toString('base64')) && !flint.logText().includes(w.toString('base64url')));
    }
    const rows = await flint.server.core.db.selectFrom('voicemails').selectAll().execute();
    assert.equal(rows.length, 1);
    const rowText = JSON.stringify(rows);
    for (const w of windows) assert.ok(!rowText.includes(w.toString('base64')) && !rowText.includes(w.toString('base64url')) && !rowText.includes(w.toString('hex')));
    const blob = await flint.server.core.blobs.get(rows[0]!.blob_key);
    assert.ok(blob !== undefined && blob.data.length > recording.length, 'the stored blob is the (longer) ciphertext');
    for (const w of windows) assert.ok(!Buffer.from(blob.data).includes(w), 'the blob is not the recording');

    // Bob plays it back in his browser.
    await bob.getByRole('link', { name: /Voicemail/ }).click();
    const item = bob.locator('.voicemail-item').first();
    await item.getByText('From Ada Lovelace', { exact: true }).waitFor(WAIT);
    await assertAccessible(bob, 'voicemail mailbox');
    await item.getByRole('button', { name: 'Play' }).click();
    const audio = item.getByTestId('voicemail-audio');
    await audio.waitFor(WAIT);
    await bob.waitForFunction(() => (document.querySelector<HTMLAudioElement>('[data-testid=voicemail-audio]')?.currentTime ?? 0) > 0, undefined, WAIT);
    const decoded = await bob.evaluate(async () => {
      const src = document.querySelector<HTMLAudioElement>('[data-testid=voicemail-audio]')!.src;
      const bytes = await (window as unknown as { blobOf: (url: string) => Blob | undefined }).blobOf(src)!.arrayBuffer();
      const context = new AudioContext();
      const buffer = await context.decodeAudioData(bytes.slice(0));
      const samples = buffer.getChannelData(0);
      let peak = 0;
      for (const s of samples) peak = Math.max(peak, Math.abs(s));
      await context.close();
      return { duration: buffer.duration, peak, bytes: [...new Uint8Array(bytes)] };
    });
    assert.ok(decoded.duration > 1, `the audio decodes (${decoded.duration} s)`);
    assert.ok(decoded.peak > 0.01, 'and is not silence (the fake microphone beeps)');
    assert.deepEqual(Buffer.from(decoded.bytes), recording, 'Bob hears exactly what Ada recorded');

    // He marks it read; the indicator clears.
    await item.getByRole('button', { name: 'Mark as read' }).click();
    await item.getByRole('button', { name: 'Mark as unread' }).waitFor(WAIT);
    await bob.getByTestId('voicemail-badge').waitFor({ state: 'detached', ...WAIT });

    // The e-mail copy: decrypted in Bob's browser, mailed by the key server's relay to his address.
    const mail = await smtp.waitFor((m) => m.envelopeTo.includes('bob@example.com'), 60_000);
    assert.match(mail.subject, /^Voicemail from Ada Lovelace/);
    assert.equal(mail.attachments.length, 1);
    assert.deepEqual(mail.attachments[0]!.content, recording, 'the attachment is the recording');
    assert.equal(smtp.mails.filter((m) => m.envelopeTo.includes('ada@example.com')).length, 0);
    await item.getByText('A copy of the voicemail from Ada Lovelace was e-mailed to you.').waitFor(WAIT);
    // Still nowhere in the core after the e-mail went out.
    for (const w of windows) assert.deepEqual(await filesHolding(flint.dataDir, w), []);

    // At phone width the header keeps the button (its name only for screen readers) without scrolling sideways.
    await ada.setViewportSize({ width: 390, height: 844 });
    await ada.goto(`${flint.url}/#/space/${roomId}`);
    await ada.getByRole('button', { name: 'Leave a voicemail' }).waitFor(WAIT);
    assert.ok((await ada.evaluate(() => document.documentElement.scrollWidth)) <= 390, 'no horizontal scrolling');
    assert.ok((await ada.locator('#space-title').evaluate((h) => h.getBoundingClientRect().width)) > 40, 'the space’s name keeps its room');

    assert.deepEqual(
      problems.filter((p) => !/favicon|Failed to load resource/.test(p)),
      [],
      'no console errors',
    );
  });
});
