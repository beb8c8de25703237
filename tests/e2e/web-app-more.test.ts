/**
 * The web app in a real Chromium, beyond the main conversation (SPEC PL-1, ID-1, ID-4, ID-8, SP-3,
 * SP-6, MS-7, MS-8): real time across tabs and after a lost connection, sign-out followed by every
 * tab, profile and sessions with revocation, teams, the retention line, French, keyboard and screen
 * reader basics (with axe-core audits of settings, a team's spaces, a conversation and phone width,
 * failing on serious or critical violations), phone width, and the installable shell whose service
 * worker keeps no content.
 * Runs on SQLite, or on PostgreSQL when FLINT_TEST_DATABASE_URL is set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { readKmsAudit } from '@flint/kms';
import { passwordCredential, newDeviceSecret } from '@flint/sdk';
import type { PreviewMaker, Session } from '@flint/sdk';
import { assertAccessible, launchChromium, raw, sampleImage, startFlint, TEST_PASSWORD, webDist, type TestFlint, signInPage, PAGE_WAIT } from '@flint/testkit';

const SHOTS = fileURLToPath(new URL('../../test-results/web/', import.meta.url));
const WAIT = PAGE_WAIT;

describe('web app, more (Chromium)', () => {
  let flint: TestFlint;
  let browser: Browser;
  let ada: Session;
  let roomId = '';
  let context: BrowserContext;
  let tab1: Page;
  let tab2: Page;


  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    flint = await startFlint({ webRoot: webDist() });
    browser = await launchChromium();
    const adaClient = await flint.signup({ email: 'ada@example.com', displayName: 'Ada Lovelace' });
    await flint.signup({ email: 'bob@example.com', displayName: 'Bob Babbage' });
    // Ada's first KMS device, with her password credential, so her browsers later enroll with the password.
    const adaDevice = { device: newDeviceSecret(), password: await passwordCredential(TEST_PASSWORD, adaClient.session!.personId) };
    ada = await flint.connect(adaClient, { deviceId: 'ada-node', kmsCredential: adaDevice });
    const room = await ada.spaces.create({ title: 'Ops' });
    roomId = room.id;
    await ada.members.add(room.id, { personEmail: 'bob@example.com' });
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
    tab1 = await context.newPage();
    await signInPage(tab1, flint.url, 'bob@example.com');
    await tab1.getByRole('link', { name: /^Ops/ }).click();
    await tab1.getByRole('heading', { name: 'Ops' }).waitFor(WAIT);
    tab2 = await context.newPage();
    // Back to Ops, fresh (the keyboard step below starts from the top of the page).
    await tab2.goto(`${flint.url}/#/space/${roomId}`);
    await tab2.reload();
    await tab2.getByRole('heading', { name: 'Ops' }).waitFor(WAIT);
  });

  after(async () => {
    ada?.close();
    await browser?.close();
    await flint?.stop();
  });

  it('MS-7, PL-1: a message reaches both tabs at once; a tab that lost its connection catches up', async () => {
    await ada.messages.send({ roomId, text: 'first, to every tab' });
    for (const tab of [tab1, tab2]) await tab.locator('article.message', { hasText: 'first, to every tab' }).waitFor(WAIT);
    // One event stream per tab, plus Ada's: a tab does not follow its own sign-in announcement.
    assert.equal(flint.server.core.events.hub.connectionCount, 3);

    // Tab 2 loses the network. A lost network delivers nothing — not even the server's close — and
    // Chromium's offline emulation does the same to an open WebSocket (it holds the frames until
    // the network is back). The tab learns it from the browser's `offline` event (or, on a network
    // that dies silently, from the event stream's own heartbeat: packages/sdk/src/event-stream.test.ts)
    // and says so. The server then ends Bob's connections: tab 1 reconnects at once; tab 2 cannot
    // until it is back online, and must then be given what it missed.
    const cdp = await context.newCDPSession(tab2);
    await cdp.send('Network.enable');
    const offline = (on: boolean) => cdp.send('Network.emulateNetworkConditions', { offline: on, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    try {
      await offline(true);
      await tab2.getByText('Connection lost. Reconnecting…').waitFor(WAIT);
      const bobId = ((await raw(flint.url, 'GET', '/api/people/me', { token: await tokenOf('bob@example.com') })).json as { id: string }).id;
      flint.server.core.events.hub.closeSessions(bobId);
      await tab1.getByText('Connection lost. Reconnecting…').waitFor({ state: 'detached', ...WAIT });
      await ada.messages.send({ roomId, text: 'sent while tab 2 was offline' });
      await tab1.locator('article.message', { hasText: 'sent while tab 2 was offline' }).waitFor(WAIT);
      assert.equal(await tab2.locator('article.message', { hasText: 'sent while tab 2 was offline' }).count(), 0);
      assert.equal(await tab2.getByText('Connection lost. Reconnecting…').count(), 1, 'still shown while offline');
    } finally {
      await offline(false);
    }
    await tab2.locator('article.message', { hasText: 'sent while tab 2 was offline' }).waitFor(WAIT);
    await tab2.getByText('Connection lost. Reconnecting…').waitFor({ state: 'detached', ...WAIT });
    await cdp.detach();
  });

  it('MS-4, MS-1, FL-1, SP-2: the last-read line and jump to unread, scrolling back to the beginning, a dropped file with its progress, and leaving', async () => {
    const archive = await ada.spaces.create({ title: 'Archive' });
    await ada.members.add(archive.id, { personEmail: 'bob@example.com' });
    // More than a page (50) of history, so the oldest must be scrolled back to.
    for (let i = 1; i <= 55; i++) await ada.messages.send({ roomId: archive.id, text: `old ${i}` });
    await ada.messages.send({ roomId: archive.id, text: 'read up to here' });
    // Bob reads it in tab 1; tab 2 hears of it and clears its badge too.
    await tab2.getByRole('link', { name: /^Archive, \d+ unread messages/ }).waitFor(WAIT);
    await tab1.getByRole('link', { name: /^Archive/ }).click();
    await tab1.locator('article.message', { hasText: 'read up to here' }).waitFor(WAIT);
    await tab2.locator(`[data-room-id="${archive.id}"] [data-testid="unread-badge"]`).waitFor({ state: 'detached', ...WAIT });
    await tab1.goto(`${flint.url}/#/space/${roomId}`);
    await tab1.getByRole('heading', { name: 'Ops' }).waitFor(WAIT);
    // More than a page unread: the line still goes above the first of them.
    for (let i = 1; i <= 55; i++) await ada.messages.send({ roomId: archive.id, text: `new ${i}` });
    await tab2.getByRole('link', { name: /^Archive, 55 unread messages/ }).waitFor(WAIT);

    await tab2.bringToFront();
    await tab2.getByRole('link', { name: /^Archive/ }).click();
    await tab2.locator('article.message', { hasText: 'new 55' }).waitFor(WAIT);
    // The line sits right above the first unread message; it is out of sight, so a button jumps to it.
    await tab2.locator('#unread-line').waitFor(WAIT);
    assert.match((await tab2.evaluate(() => document.getElementById('unread-line')?.nextElementSibling?.textContent)) ?? '', /new 1(?!\d)/);
    await tab2.getByRole('button', { name: /Jump to unread/ }).click();
    await tab2.waitForFunction(() => {
      const line = document.getElementById('unread-line')?.getBoundingClientRect();
      const box = document.querySelector('.timeline')!.getBoundingClientRect();
      return line !== undefined && line.top >= box.top - 1 && line.bottom <= box.bottom;
    }, undefined, WAIT);
    // Infinite scroll: at the top, the page before loads, down to the beginning.
    assert.equal(await tab2.getByText('old 1', { exact: true }).count(), 0);
    await tab2.locator('.timeline').evaluate((el) => (el.scrollTop = 0));
    await tab2.getByText('This is the beginning of the space.').waitFor(WAIT);
    await tab2.getByText('old 1', { exact: true }).waitFor(WAIT);

    // A file dropped on the conversation is shared on Send, with its upload progress shown meanwhile.
    await tab2.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { progressSeen: string[] }).progressSeen = seen;
      new MutationObserver(() => {
        const text = document.querySelector('.upload')?.textContent;
        if (text !== undefined && text !== null) seen.push(text);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
      const data = new DataTransfer();
      data.items.add(new File(['dropped notes '.repeat(20_000)], 'notes.txt', { type: 'text/plain' }));
      document.querySelector('.timeline')!.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    });
    // A dropped file waits in the composer for a caption (none here) until Send.
    await tab2.getByRole('list', { name: 'Files to send' }).getByText('notes.txt').waitFor(WAIT);
    await tab2.locator('.composer', { has: tab2.getByRole('list', { name: 'Files to send' }) }).getByRole('button', { name: 'Send' }).click();
    await tab2.locator('.file-meta').getByRole('button', { name: 'Download notes.txt' }).waitFor(WAIT);
    const progress = await tab2.evaluate(() => (window as unknown as { progressSeen: string[] }).progressSeen);
    assert.ok(progress.some((p) => /^Uploading notes\.txt: \d+%/.test(p)), `upload progress shown (${progress.join(' | ')})`);

    // Announcement-only: Bob, not a moderator, is told so instead of given a box the server would refuse.
    await ada.api.rooms.update(archive.id, { isLocked: true });
    await ada.api.rooms.update(archive.id, { isAnnouncementOnly: true });
    await tab2.getByText('Only moderators post in this space.').waitFor(WAIT);
    assert.equal(await tab2.getByRole('combobox', { name: 'Write a message to Archive' }).count(), 0);

    // Leaving: the space goes from the list, and from Ada's members.
    await tab2.getByRole('link', { name: 'Space details' }).click();
    await tab2.getByRole('button', { name: 'Leave space' }).click();
    // Asked first: Cancel keeps the space; confirming leaves.
    await tab2.getByRole('dialog').getByText('Leave this space?').waitFor(WAIT);
    await tab2.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    await tab2.getByRole('dialog').waitFor({ state: 'detached', ...WAIT });
    assert.equal(await tab2.getByRole('link', { name: /^Archive/ }).count(), 1);
    await tab2.getByRole('button', { name: 'Leave space' }).click();
    await tab2.getByRole('dialog').getByRole('button', { name: 'Leave space' }).click();
    await tab2.getByText('Pick a space, or start one.').waitFor(WAIT);
    await tab2.getByRole('link', { name: /^Archive/ }).waitFor({ state: 'detached', ...WAIT });
    await tab1.getByRole('link', { name: /^Archive/ }).waitFor({ state: 'detached', ...WAIT });
    const left = await ada.api.memberships.list({ roomId: archive.id });
    assert.deepEqual(left.items.map((m) => m.personEmail), ['ada@example.com']);
    // Back to Ops, fresh (the keyboard step below starts from the top of the page).
    await tab2.goto(`${flint.url}/#/space/${roomId}`);
    await tab2.reload();
    await tab2.getByRole('heading', { name: 'Ops' }).waitFor(WAIT);
  });

  it('FL-2: a file with an encrypted thumbnail made by its sender shows that thumbnail', async () => {
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP4z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==', 'base64');
    // The sender's thumbnail: this PNG, for a file no maker could render (not really a PDF).
    const previewMaker: PreviewMaker = { make: () => Promise.resolve({ data: new Uint8Array(png), type: 'image/png', width: 2, height: 2 }) };
    await ada.messages.send({ roomId, files: [{ source: new TextEncoder().encode('%PDF-1.4 not really'), name: 'report.pdf', type: 'application/pdf', previewMaker }] });
    await tab1.getByRole('img', { name: 'Preview of report.pdf' }).waitFor(WAIT);
    await tab1.waitForFunction(() => {
      const img = [...document.querySelectorAll<HTMLImageElement>('img.preview')].find((i) => i.alt === 'Preview of report.pdf');
      return img !== undefined && img.complete && img.naturalWidth === 2 && img.src.startsWith('blob:');
    }, undefined, WAIT);
  });

  it('SP-6, SP-3: the details show the retention policy; a team brings its general space', async () => {
    await tab1.getByRole('link', { name: 'Space details' }).click();
    // The policy is fetched when the details open ("Loading…" until then).
    const retention = tab1.getByTestId('retention');
    await retention.filter({ hasNotText: 'Loading' }).waitFor(WAIT);
    assert.equal(await retention.textContent(), 'Messages and files are kept forever.');
    await tab1.getByRole('button', { name: 'New team' }).click();
    await tab1.getByRole('dialog').getByLabel('Team name').fill('Rocket');
    await tab1.getByRole('dialog').getByRole('button', { name: 'Create' }).click();
    await tab1.getByRole('heading', { name: 'Rocket' }).waitFor(WAIT);
    await tab1.getByRole('group', { name: 'Teams' }).getByRole('button', { name: 'Rocket' }).waitFor(WAIT);
    await tab2.getByRole('group', { name: 'Teams' }).getByRole('button', { name: 'Rocket' }).waitFor(WAIT);
  });

  it('SP-3: added to a team later, Bob sees its spaces, joins one and reads it; removed, it goes', async () => {
    const team = await ada.teams.create({ name: 'Apollo' });
    const launch = await ada.spaces.create({ title: 'Launch', teamId: team.id });
    await ada.messages.send({ roomId: launch.id, text: 'T-minus 10' });
    const added = await ada.teams.addMember(team.id, { personEmail: 'bob@example.com' });
    const chip = tab1.getByRole('group', { name: 'Teams' }).getByRole('button', { name: 'Apollo' });
    await chip.click(WAIT);
    await tab1.getByRole('link', { name: /^Apollo/ }).waitFor(WAIT);
    await tab1.getByRole('button', { name: 'Join Launch' }).waitFor(WAIT);
    await assertAccessible(tab1, 'a team’s spaces to join');
    await tab1.getByRole('button', { name: 'Join Launch' }).click();
    await tab1.getByRole('heading', { name: 'Launch' }).waitFor(WAIT);
    await tab1.getByText('T-minus 10').waitFor(WAIT);
    await tab1.getByRole('link', { name: /^Launch/ }).waitFor(WAIT);
    await ada.teams.removeMember(added);
    await tab1.getByRole('link', { name: /^Launch/ }).waitFor({ state: 'detached', ...WAIT });
    await chip.waitFor({ state: 'detached', ...WAIT });
  });

  it('ID-4, ID-8: Bob renames himself and revokes another session, whose token stops working', async () => {
    const other = await raw(flint.url, 'POST', '/api/auth/login', { body: { email: 'bob@example.com', password: TEST_PASSWORD }, headers: { 'x-flint-client': 'flint-cli/9.9' } });
    const token = (other.json as { accessToken: string }).accessToken;
    assert.equal((await raw(flint.url, 'GET', '/api/people/me', { token })).status, 200);
    await tab1.getByRole('link', { name: 'Settings' }).click();
    await tab1.getByRole('heading', { name: 'Sessions' }).waitFor(WAIT);
    await tab1.getByText('This browser', { exact: true }).waitFor(WAIT);
    const row = tab1.locator('.session-list li', { hasText: 'flint-cli/9.9' });
    await row.waitFor(WAIT);
    await row.getByRole('button', { name: 'Revoke' }).click();
    await row.waitFor({ state: 'detached', ...WAIT });
    assert.equal((await raw(flint.url, 'GET', '/api/people/me', { token })).status, 401);

    await tab1.getByLabel('Name', { exact: true }).fill('Robert Babbage');
    // The profile's Save (Settings has another, for language and time zone).
    await tab1.locator('form', { has: tab1.getByLabel('Name', { exact: true }) }).getByRole('button', { name: 'Save', exact: true }).click();
    await tab1.getByRole('status').filter({ hasText: 'Saved.' }).waitFor(WAIT);
    const me = await raw(flint.url, 'GET', '/api/people/me', { token: (await tokenOf('bob@example.com')) });
    assert.equal((me.json as { displayName: string }).displayName, 'Robert Babbage');
    // An avatar, shown in place of the initials, then removed.
    const png = Buffer.from(await sampleImage('png', 64, 64, { r: 30, g: 120, b: 200 }));
    await tab1.getByLabel('Change avatar').setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: png });
    await tab1.getByRole('button', { name: 'Remove avatar' }).waitFor(WAIT);
    await tab1.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('.settings .avatar img')].some((i) => i.complete && i.naturalWidth > 0), undefined, WAIT);
    await tab1.getByRole('button', { name: 'Remove avatar' }).click();
    await tab1.getByRole('button', { name: 'Remove avatar' }).waitFor({ state: 'detached', ...WAIT });
    assert.equal(await tab1.locator('.settings .avatar img').count(), 0);
    await tab1.screenshot({ path: `${SHOTS}08-settings.png` });
    await assertAccessible(tab1, 'settings');
  });

  async function tokenOf(email: string): Promise<string> {
    const login = await raw(flint.url, 'POST', '/api/auth/login', { body: { email, password: TEST_PASSWORD } });
    return (login.json as { accessToken: string }).accessToken;
  }

  it('accessibility: landmarks, a skip link, every control named, and keyboard-only sending', async () => {
    await tab2.bringToFront();
    for (const role of ['banner', 'navigation', 'main', 'search'] as const) assert.ok((await tab2.getByRole(role).count()) >= 1, `a ${role} landmark`);
    const unnamed = await tab2.locator('button, a[href], input, textarea, select').evaluateAll((els) =>
      els
        .filter((el) => (el as HTMLElement).offsetParent !== null)
        .filter((el) => {
          const label = el.getAttribute('aria-label') ?? (el.id !== '' ? document.querySelector(`label[for="${el.id}"]`)?.textContent : null) ?? el.closest('label')?.textContent ?? el.textContent ?? '';
          return label.trim() === '' && (el as HTMLInputElement).placeholder === undefined;
        })
        .map((el) => el.outerHTML.slice(0, 80)),
    );
    assert.deepEqual(unnamed, []);
    // The axe audit the views go through is live: a nameless button and grey-on-grey text fail it.
    await assertAccessible(tab2, 'conversation');
    await tab2.evaluate(() => {
      const probe = document.createElement('div');
      probe.id = 'axe-probe';
      probe.style.cssText = 'position:fixed;top:0;left:0;z-index:9999;background:#fff;padding:8px';
      // Styled through the CSSOM: the app's CSP refuses style attributes written as markup.
      const faint = document.createElement('p');
      faint.textContent = 'faint';
      faint.style.cssText = 'color:#bbb;background:#fff';
      probe.append(document.createElement('button'), faint);
      document.body.append(probe);
    });
    await assert.rejects(assertAccessible(tab2, 'probe'), (e: Error) => /button-name/.test(e.message) && /color-contrast/.test(e.message));
    await tab2.evaluate(() => document.getElementById('axe-probe')!.remove());
    // Keyboard only: the skip link is the first stop, then the conversation; the composer sends on Enter.
    await tab2.locator('body').focus();
    await tab2.keyboard.press('Tab');
    assert.equal(await tab2.evaluate(() => document.activeElement?.textContent), 'Skip to the conversation');
    await tab2.getByRole('combobox', { name: 'Write a message to Ops' }).focus();
    await tab2.keyboard.type('typed without a mouse');
    await tab2.keyboard.press('Enter');
    await tab1.goto(`${flint.url}/#/space/${roomId}`);
    await tab1.locator('article.message', { hasText: 'typed without a mouse' }).waitFor(WAIT);
  });

  it('MS-8: French follows the browser’s language, and the switch changes it', async () => {
    const fr = await browser.newContext({ locale: 'fr-FR' });
    const page = await fr.newPage();
    await page.goto(flint.url + '/');
    await page.getByRole('heading', { name: 'Se connecter' }).waitFor(WAIT);
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'fr');
    await page.getByLabel('Langue').selectOption('en');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor(WAIT);
    await fr.close();
  });

  it('PL-1: phone width — the list, then the space with a way back', async () => {
    const phone = await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true });
    const page = await phone.newPage();
    await signInPage(page, flint.url, 'ada@example.com');
    await page.getByRole('link', { name: /^Ops/ }).click();
    await page.getByRole('heading', { name: 'Ops' }).waitFor(WAIT);
    assert.equal(await page.getByRole('navigation', { name: 'Spaces and teams' }).isVisible(), false);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 375, `no horizontal scrolling (${width}px)`);
    await page.screenshot({ path: `${SHOTS}09-phone-conversation.png` });
    await assertAccessible(page, 'phone conversation');
    await page.getByRole('link', { name: 'Back' }).click();
    await page.getByRole('navigation', { name: 'Spaces and teams' }).waitFor(WAIT);
    await phone.close();
  });

  it('PL-1: installable — a manifest, and a service worker that caches the app shell only', async () => {
    const manifest = (await (await fetch(`${flint.url}/manifest.webmanifest`)).json()) as { display: string; icons: { sizes: string }[] };
    assert.equal(manifest.display, 'standalone');
    assert.ok(manifest.icons.some((i) => i.sizes === '512x512'));
    await tab1.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    const cached = await tab1.evaluate(async () => {
      const urls: string[] = [];
      for (const name of await caches.keys()) for (const request of await (await caches.open(name)).keys()) urls.push(new URL(request.url).pathname);
      return urls;
    });
    assert.ok(cached.includes('/'), 'the shell is cached');
    assert.ok(cached.some((u) => u.startsWith('/assets/')));
    assert.deepEqual(cached.filter((u) => !/^\/($|assets\/|icon|manifest|index\.html)/.test(u)), [], 'nothing but the shell');
  });

  it('issue 14: the browser keeps its KMS device; a reload needs no password; the core’s session alone opens nothing', async () => {
    const bobId = (await tab1.evaluate(() => Object.keys(localStorage).find((k) => k.startsWith('flint.kms.device.'))))?.slice('flint.kms.device.'.length);
    assert.ok(bobId !== undefined, 'the device secret is in localStorage, per person');
    assert.match((await tab1.evaluate((k) => localStorage.getItem(k), `flint.kms.device.${bobId}`)) ?? '', /^[A-Za-z0-9_-]{43}$/);
    await ada.messages.send({ roomId, text: 'device check' });
    await tab1.goto(`${flint.url}/#/space/${roomId}`);
    await tab1.reload();
    await tab1.locator('article.message', { hasText: 'device check' }).waitFor(WAIT);

    // Another browser with only Bob's session cookie (what a forged session amounts to): the core
    // lets it in, the KMS does not, and the app asks for the password, which enrolls this browser.
    const other = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
    try {
      await other.addCookies(await context.cookies());
      const page = await other.newPage();
      await page.goto(`${flint.url}/#/space/${roomId}`);
      await page.getByRole('alert').filter({ hasText: /not enrolled/ }).waitFor(WAIT);
      await page.getByLabel('E-mail').fill('bob@example.com');
      await page.getByLabel('Password').fill(TEST_PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.goto(`${flint.url}/#/space/${roomId}`);
      await page.locator('article.message', { hasText: 'device check' }).waitFor(WAIT);
    } finally {
      await other.close();
    }
    const enrolled = await readKmsAudit({ dataDir: flint.config.kmsDataDir }, { userId: bobId, action: 'device.enroll' });
    assert.deepEqual(enrolled.map((e) => e.detail), ['first-use', 'password']);
  });

  it('ID-1: signing out in one tab signs out the other', async () => {
    await tab1.getByRole('button', { name: 'Sign out' }).click();
    await tab1.getByRole('heading', { name: 'Sign in' }).waitFor(WAIT);
    await tab2.getByRole('heading', { name: 'Sign in' }).waitFor(WAIT);
    await tab2.reload();
    await tab2.getByRole('heading', { name: 'Sign in' }).waitFor(WAIT);
  });
});
