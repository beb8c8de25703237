/**
 * Notifications in a real Chromium (SPEC MS-5, issue 20).
 *
 * What is real: the web app's settings (defaults, do-not-disturb hours, a space's level and mute),
 * the open tab's notification with the decrypted text, the app filling IndexedDB with decrypt-only
 * keys, the core's push job, VAPID and RFC 8291 encryption to the testkit's push service on
 * loopback (which checks and decrypts it), and the service worker fetching the message through the
 * API with the browser's cookie and decrypting it with the IndexedDB key.
 *
 * What is simulated: Chromium's own push service (Google's, unreachable here). So the browser never
 * calls `PushManager.subscribe`: the test registers a testkit subscription for Bob through the API
 * and marks this browser as subscribed (the same `localStorage` entry `enablePush` writes), and
 * hands the payload the push service received to the service worker's push handler itself
 * (`self.flintHandlePush`, what the worker's `push` listener calls) — the step the browser's push
 * service would do.
 * Runs on SQLite, or on PostgreSQL when FLINT_TEST_DATABASE_URL is set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page, Worker } from 'playwright-core';
import { newDeviceSecret, passwordCredential, type FlintClient, type Session } from '@flint/sdk';
import { assertAccessible, launchChromium, openSpacePage, PAGE_WAIT, signInPage, startFlint, startPushService, TEST_PASSWORD, webDist, type TestFlint, type TestPushService } from '@flint/testkit';

const SHOTS = fileURLToPath(new URL('../../test-results/web/', import.meta.url));
const SECRET = 'meet at the old lighthouse 0417';

interface Shown {
  title: string;
  body: string;
  tag: string;
}

describe('web app: notifications, Web Push to a closed tab (Chromium)', () => {
  let flint: TestFlint;
  let push: TestPushService;
  let browser: Browser;
  let ada: Session;
  let bobApi: FlintClient;
  let bobId = '';
  let roomId = '';
  let bobContext: BrowserContext;
  let bob: Page;
  const problems: string[] = [];

  function watch(page: Page): void {
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`${m.text()} (${m.location().url})`);
    });
    page.on('pageerror', (e) => problems.push(String(e)));
  }

  async function worker(context: BrowserContext): Promise<Worker> {
    const existing = context.serviceWorkers()[0];
    return existing ?? (await context.waitForEvent('serviceworker', PAGE_WAIT));
  }

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    push = await startPushService();
    flint = await startFlint({ webRoot: webDist(), env: { FLINT_WEBHOOK_TARGETS: 'any', FLINT_JOBS_POLL_MS: '100' } });
    browser = await launchChromium();
    const adaApi = await flint.signup({ email: 'ada@example.com', displayName: 'Ada Lovelace' });
    bobApi = await flint.signup({ email: 'bob@example.com', displayName: 'Bob Babbage' });
    bobId = bobApi.session!.personId;
    ada = await flint.connect(adaApi, { deviceId: 'ada-node', kmsCredential: { device: newDeviceSecret(), password: await passwordCredential(TEST_PASSWORD, adaApi.session!.personId) } });
    const room = await ada.spaces.create({ title: 'Lighthouse plans' });
    roomId = room.id;
    await ada.members.add(roomId, { personId: bobId });
    await ada.messages.send({ roomId, text: 'welcome' });

    bobContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await bobContext.grantPermissions(['notifications'], { origin: flint.url });
    // Records what the page shows (the real calls still happen): page notifications and the
    // registration's, whichever the app uses.
    await bobContext.addInitScript(() => {
      const shown: { title: string; body: string; tag: string }[] = [];
      (window as unknown as { __shown: typeof shown }).__shown = shown;
      const real = Reflect.get(ServiceWorkerRegistration.prototype, 'showNotification');
      ServiceWorkerRegistration.prototype.showNotification = function (this: ServiceWorkerRegistration, title: string, options?: NotificationOptions) {
        shown.push({ title, body: options?.body ?? '', tag: options?.tag ?? '' });
        return real.call(this, title, options);
      };
    });
    bob = await bobContext.newPage();
    watch(bob);
    await signInPage(bob, flint.url, 'bob@example.com');
    await bob.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
  });

  after(async () => {
    ada?.close();
    await browser?.close();
    await flint?.stop();
    await push?.close();
  });

  it('Settings: defaults, do-not-disturb hours; a space\'s level and mute in its details (axe, EN and FR)', async () => {
    await bob.evaluate(() => (window.location.hash = '#/settings'));
    const card = bob.locator('section[aria-labelledby="notifications-title"]');
    await card.waitFor(PAGE_WAIT);
    await card.getByText('Browser notifications are allowed here.').waitFor(PAGE_WAIT);
    await card.getByLabel('Messages in my spaces').selectOption('mentions');
    await card.getByLabel('Do not disturb every day').check();
    await card.getByLabel('From').waitFor(PAGE_WAIT);
    const deadline = Date.now() + 10_000;
    let settings = await bobApi.notifications.settings();
    while ((settings.defaults.messages !== 'mentions' || settings.defaults.quietHours === undefined) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      settings = await bobApi.notifications.settings();
    }
    assert.equal(settings.defaults.messages, 'mentions');
    assert.deepEqual(settings.defaults.quietHours, { start: '22:00', end: '07:00' });
    await assertAccessible(bob, 'notification settings');
    await card.screenshot({ path: `${SHOTS}notification-settings.png` });
    // Back to every message, no quiet hours (the rest of the test needs pushes now).
    await card.getByLabel('Do not disturb every day').uncheck();
    await card.getByLabel('Messages in my spaces').selectOption('all');
    await card.getByLabel('From').waitFor({ state: 'detached', ...PAGE_WAIT });

    await openSpacePage(bob, roomId);
    await bob.getByRole('link', { name: 'Space details' }).click();
    const panel = bob.locator('section[aria-labelledby="space-notify-title"]');
    await panel.waitFor(PAGE_WAIT);
    await panel.getByLabel('Mute').selectOption({ label: 'For 1 hour' });
    await panel.getByRole('button', { name: 'Unmute' }).waitFor(PAGE_WAIT);
    assert.ok((await bobApi.notifications.settings()).spaces.some((s) => s.id === roomId && s.muteUntil !== undefined), 'the mute reached the server');
    await assertAccessible(bob, 'space details with notifications');
    await bob.screenshot({ path: `${SHOTS}space-notifications.png` });
    await panel.getByRole('button', { name: 'Unmute' }).click();
    await panel.getByLabel('Mute').waitFor(PAGE_WAIT);
    assert.deepEqual((await bobApi.notifications.settings()).spaces, []);

    // French.
    const fr = await browser.newContext({ locale: 'fr-FR', viewport: { width: 1280, height: 800 } });
    const page = await fr.newPage();
    watch(page);
    await signInPage(page, flint.url, 'bob@example.com', { button: 'Se connecter' });
    await page.evaluate(() => (window.location.hash = '#/settings'));
    await page.getByRole('heading', { name: 'Notifications' }).waitFor(PAGE_WAIT);
    await page.getByText('Messages de mes espaces').waitFor(PAGE_WAIT);
    await assertAccessible(page, 'notification settings (fr)');
    await page.screenshot({ path: `${SHOTS}notification-settings-fr.png`, fullPage: true });
    await fr.close();
  });

  it('the open app shows a notification with the decrypted text when the space is not on screen', async () => {
    await bob.evaluate(() => (window.location.hash = '#/settings'));
    await bob.locator('section[aria-labelledby="notifications-title"]').waitFor(PAGE_WAIT);
    await ada.messages.send({ roomId, text: 'the open tab hears this' });
    const shown = await bob.waitForFunction(() => (window as unknown as { __shown: Shown[] }).__shown.find((n) => n.body.includes('the open tab hears this')), undefined, PAGE_WAIT);
    const n = (await shown.jsonValue()) as Shown;
    assert.equal(n.title, 'Lighthouse plans');
    assert.equal(n.body, 'Ada Lovelace: the open tab hears this');
    assert.match(n.tag, /^flint:/);
  });

  it('Bob\'s tab is closed, Ada mentions him: the push holds no text; the service worker shows the decrypted text', async () => {
    // Bob's browser is "subscribed": the testkit push service stands in for Chromium's.
    const device = push.subscribe();
    const registered = await bobApi.notifications.subscribe(device.json);
    await bob.evaluate(({ key, id }) => localStorage.setItem(key, id), { key: `flint.push.subscription.${bobId}`, id: registered.id });
    // The app fills IndexedDB with the spaces' keys (decrypt-only, non-extractable) when push is on.
    await bob.reload();
    await bob.locator('nav.sidebar').waitFor(PAGE_WAIT);
    await bob.waitForFunction(
      async () => {
        const db = await new Promise<IDBDatabase>((resolve, reject) => {
          const r = indexedDB.open('flint-push');
          r.onsuccess = () => resolve(r.result);
          r.onerror = () => reject(new Error(String(r.error)));
        });
        if (!db.objectStoreNames.contains('keys')) return false;
        const keys = await new Promise<CryptoKey[]>((resolve) => {
          const r = db.transaction('keys').objectStore('keys').getAll();
          r.onsuccess = () => resolve(r.result as CryptoKey[]);
        });
        db.close();
        return keys.length > 0 && keys.every((k) => k instanceof CryptoKey && !k.extractable && k.usages.join() === 'decrypt');
      },
      undefined,
      PAGE_WAIT,
    );
    const sw = await worker(bobContext);
    await bob.close();
    assert.equal(bobContext.pages().length, 0, 'no page of Bob\'s is open');

    const sent = await ada.messages.send({ roomId, text: `Bob, ${SECRET}`, mentionedPeople: [bobId] });
    await push.waitFor((all) => all.some((p) => p.subscriptionId === device.id && p.plaintext.includes(sent.id)));
    const received = push.received.find((p) => p.subscriptionId === device.id && p.plaintext.includes(sent.id))!;
    for (const word of ['lighthouse', '0417', 'Bob', 'Ada', 'Lighthouse plans']) assert.ok(!received.plaintext.includes(word), `the push holds no "${word}"`);
    const payload = JSON.parse(received.plaintext) as unknown;
    assert.deepEqual(payload, { v: 1, kind: 'mention', spaceId: roomId, messageId: sent.id });

    const shown = (await sw.evaluate((p) => (self as unknown as { flintHandlePush(p: unknown): Promise<unknown> }).flintHandlePush(p), payload)) as { title: string; options: { body: string; tag: string } };
    assert.equal(shown.options.body, `Bob, ${SECRET}`, 'the worker decrypted the text on the device');
    assert.equal(shown.title, 'Ada Lovelace mentioned you · Lighthouse plans');
    assert.equal(shown.options.tag, `flint:${sent.id}`);
    const listed = await sw.evaluate(async () => {
      const scope = self as unknown as { registration: { getNotifications(): Promise<{ body: string }[]> } };
      return (await scope.registration.getNotifications()).map((n) => n.body);
    });
    assert.ok(listed.includes(`Bob, ${SECRET}`), `the browser lists the notification (${JSON.stringify(listed)})`);

    // A space whose key the worker does not hold (made while Bob's tab was closed): a neutral text, nothing of the content.
    const secretRoom = await ada.spaces.create({ title: 'Hidden agenda' });
    await ada.members.add(secretRoom.id, { personId: bobId });
    const hidden = await ada.messages.send({ roomId: secretRoom.id, text: 'nobody outside may read this' });
    await push.waitFor((all) => all.some((p) => p.subscriptionId === device.id && p.plaintext.includes(hidden.id)));
    const neutral = (await sw.evaluate((p) => (self as unknown as { flintHandlePush(p: unknown): Promise<unknown> }).flintHandlePush(p), JSON.parse(push.received.find((p) => p.plaintext.includes(hidden.id))!.plaintext) as unknown)) as {
      title: string;
      options: { body: string };
    };
    assert.deepEqual({ title: neutral.title, body: neutral.options.body }, { title: 'Flint', body: 'New message in a space' });

    // CL-1: Ada calls Bob while his tab is closed: the push names the call only; the worker asks who calls.
    const call = await ada.calls.dial({ personId: bobId }, 'video', 'ada-node-endpoint');
    await push.waitFor((all) => all.some((p) => p.subscriptionId === device.id && p.plaintext.includes(call.id)));
    const ringing = JSON.parse(push.received.find((p) => p.subscriptionId === device.id && p.plaintext.includes(call.id))!.plaintext) as unknown;
    assert.deepEqual(ringing, { v: 1, kind: 'call', callId: call.id, spaceId: call.roomId });
    const rings = (await sw.evaluate((p) => (self as unknown as { flintHandlePush(p: unknown): Promise<unknown> }).flintHandlePush(p), ringing)) as { title: string; options: { body: string; tag: string; requireInteraction?: boolean } };
    assert.deepEqual({ title: rings.title, body: rings.options.body, tag: rings.options.tag, stays: rings.options.requireInteraction }, { title: 'Ada Lovelace', body: 'Incoming video call', tag: `flint:call:${call.id}`, stays: true });
    await ada.calls.hangup(call.id);
    const missed = (await sw.evaluate((p) => (self as unknown as { flintHandlePush(p: unknown): Promise<unknown> }).flintHandlePush(p), ringing)) as { options: { body: string } };
    assert.equal(missed.options.body, 'Missed call', 'a push that arrives after the call stopped ringing says it was missed');
    assert.deepEqual(problems.filter((p) => !/Failed to load resource/.test(p)), []);
  });
});
