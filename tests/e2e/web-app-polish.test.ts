/**
 * The web app in a real Chromium: what issue 16 found broken on a first visit, one step each, every
 * one failing before its fix (SPEC PL-1, ID-1, MS-1, MS-4, SR-1, FL-1, MS-8, SP-5): signing out (or
 * being signed out elsewhere) sends no stream of token requests, a first visit logs no 401; a
 * Shift+Enter line break stays; "All" clears a team filter; "Seen by" never sits above the reader's
 * own later message; the thread panel shows no action bar of its own; a space whose newest message
 * is an image opens at the bottom; search results show text, not Markdown; file sizes follow the
 * language; /docs keeps to its CSP; at phone width the actions wait for a touch, images and the
 * composer's placeholder fit.
 * Runs on SQLite, or on PostgreSQL when FLINT_TEST_DATABASE_URL is set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Session } from '@flint/sdk';
import { assertAccessible, launchChromium, raw, sampleImage, startFlint, TEST_PASSWORD, webDist, type TestFlint, signInPage, PAGE_WAIT, openSpacePage } from '@flint/testkit';

const SHOTS = fileURLToPath(new URL('../../test-results/web/', import.meta.url));
const WAIT = PAGE_WAIT;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('web app, what a first visit found broken (Chromium)', () => {
  let flint: TestFlint;
  let browser: Browser;
  let ada: Session;
  let roomId = '';
  let galleryId = '';
  let context: BrowserContext;
  let bob: Page;



  /** Counts the page's requests to a path from now on. */
  function countRequests(page: Page, path: string): { count: () => number; statuses: number[] } {
    let count = 0;
    const statuses: number[] = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === path) count++;
    });
    page.on('response', (r) => {
      if (new URL(r.url()).pathname === path) statuses.push(r.status());
    });
    return { count: () => count, statuses };
  }

  async function shareImage(room: string, name: string, width: number, height: number): Promise<void> {
    const png = new Uint8Array(await sampleImage('png', width, height, { r: 40, g: 110, b: 190 }));
    await ada.messages.send({ roomId: room, files: [{ source: png, name, type: 'image/png' }] });
  }

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    flint = await startFlint({ webRoot: webDist() });
    browser = await launchChromium();
    const adaClient = await flint.signup({ email: 'ada@example.com', displayName: 'Ada Lovelace' });
    await flint.signup({ email: 'bob@example.com', displayName: 'Bob Babbage' });
    ada = await flint.connect(adaClient, { deviceId: 'ada-node' });
    const room = await ada.spaces.create({ title: 'Polish' });
    roomId = room.id;
    await ada.members.add(room.id, { personEmail: 'bob@example.com' });
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
    bob = await context.newPage();
    await signInPage(bob, flint.url, 'bob@example.com');
    await bob.getByRole('link', { name: /^Polish/ }).click();
    await bob.getByRole('heading', { name: 'Polish' }).waitFor(WAIT);
  });

  after(async () => {
    ada?.close();
    await browser?.close();
    await flint?.stop();
  });

  it('ID-1: a first visit asks for no token it cannot have, and logs no error', async () => {
    const fresh = await browser.newContext({ locale: 'en-US' });
    const page = await fresh.newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    const tokens = countRequests(page, '/api/auth/web-token');
    await page.goto(flint.url + '/');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor(WAIT);
    await sleep(500);
    assert.deepEqual(errors, []);
    assert.equal(tokens.count(), 0, 'no token asked for without a session');
    await fresh.close();
  });

  it('ID-1: signing out sends nothing more, and signing back in works at once', async () => {
    const own = await browser.newContext({ locale: 'en-US' });
    const page = await own.newPage();
    await signInPage(page, flint.url, 'bob@example.com');
    const tokens = countRequests(page, '/api/auth/web-token');
    let after = 0;
    page.on('request', (r) => {
      if (new URL(r.url()).pathname.startsWith('/api/')) after++;
    });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor(WAIT);
    await sleep(3000);
    assert.equal(tokens.count(), 0, `token requests after sign-out (${tokens.statuses.length} answered: ${[...new Set(tokens.statuses)].join(',')})`);
    assert.ok(after <= 2, `API requests after sign-out: ${after}`);
    // Not rate-limited: signing straight back in works.
    await page.locator('input[type=email]').fill('bob@example.com');
    await page.locator('input[type=password]').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('nav.sidebar').waitFor(WAIT);

    // Signed out from elsewhere (the session revoked): the tab asks once, then shows the sign-in page.
    const login = await raw(flint.url, 'POST', '/api/auth/login', { body: { email: 'bob@example.com', password: TEST_PASSWORD }, headers: { 'x-flint-client': 'revoker/1' } });
    const token = (login.json as { accessToken: string }).accessToken;
    const sessions = (await raw(flint.url, 'GET', '/api/sessions', { token })).json as { items: { id: string; current: boolean; clientVersion?: string; created: string }[] };
    const web = sessions.items.filter((s) => !s.current && s.clientVersion === 'flint-web/0.1.0').sort((a, b) => b.created.localeCompare(a.created))[0];
    assert.ok(web !== undefined);
    const revokedTokens = countRequests(page, '/api/auth/web-token');
    assert.equal((await raw(flint.url, 'DELETE', `/api/sessions/${web.id}`, { token })).status, 204);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor({ timeout: 60_000 });
    await sleep(3000);
    assert.ok(revokedTokens.count() <= 2, `token requests after revocation: ${revokedTokens.count()}`);
    await own.close();
  });

  it('MS-1: a Shift+Enter line break is kept in the message', async () => {
    const box = bob.getByRole('combobox', { name: 'Write a message to Polish' });
    await box.click();
    await bob.keyboard.type('Line one');
    await bob.keyboard.press('Shift+Enter');
    await bob.keyboard.type('Line two');
    await bob.keyboard.press('Enter');
    const message = bob.locator('.timeline article.message', { hasText: 'Line two' });
    await message.waitFor(WAIT);
    await message.locator('.md br').waitFor({ state: 'attached', ...WAIT });
    assert.match(await message.locator('.md').innerText(), /Line one\nLine two/);
  });

  it('SP-5: "All" clears a team filter', async () => {
    const team = await ada.teams.create({ name: 'Orbit' });
    await ada.teams.addMember(team.id, { personEmail: 'bob@example.com' });
    const chip = bob.getByRole('group', { name: 'Teams' }).getByRole('button', { name: 'Orbit' });
    await chip.click(WAIT);
    await bob.getByRole('link', { name: /^Polish/ }).waitFor({ state: 'detached', ...WAIT });
    await bob.getByRole('group', { name: 'Filter spaces' }).getByRole('button', { name: 'All' }).click();
    assert.equal(await chip.getAttribute('aria-pressed'), 'false');
    await bob.getByRole('link', { name: /^Polish/ }).waitFor(WAIT);
  });

  it('MS-4: "Seen by" never sits above the reader’s own later message', async () => {
    const box = bob.getByRole('combobox', { name: 'Write a message to Polish' });
    await box.fill('bob says hi');
    await box.press('Enter');
    await bob.locator('article.message', { hasText: 'bob says hi' }).waitFor(WAIT);
    const newest = (await ada.api.messages.list({ roomId, max: 1 })).items[0]!;
    await ada.api.rooms.markRead(roomId, newest.id);
    const seenHi = bob.locator('.timeline-content > div', { has: bob.locator('article.message', { hasText: 'bob says hi' }) });
    await seenHi.getByText('Seen by Ada Lovelace').waitFor(WAIT);
    // Ada answers: she has seen what she sent, so her receipt cannot stay above her own message.
    await ada.messages.send({ roomId, text: 'ada answers' });
    await bob.locator('article.message', { hasText: 'ada answers' }).waitFor(WAIT);
    await sleep(500);
    const order = await bob.locator('.timeline').evaluate((el) => [...el.querySelectorAll('article.message .md, .seen-by')].map((n) => n.textContent ?? ''));
    const seenAt = order.findIndex((s) => s.includes('Seen by Ada'));
    const answerAt = order.findIndex((s) => s.includes('ada answers'));
    assert.ok(seenAt === -1 || seenAt > answerAt, `"Seen by Ada" at ${seenAt}, her later message at ${answerAt}: ${order.join(' | ')}`);
  });

  it('MS-1: the thread panel shows its first message without a floating action bar', async () => {
    const first = await ada.messages.send({ roomId, text: 'thread root here' });
    await ada.messages.send({ roomId, parentId: first.id, text: 'a reply' });
    await bob.goto(`${flint.url}/#/space/${roomId}/thread/${first.id}`);
    const panel = bob.locator('aside.side-panel');
    await panel.locator('article.message', { hasText: 'a reply' }).waitFor(WAIT);
    await bob.mouse.move(5, 5);
    await bob.screenshot({ path: `${SHOTS}polish-thread.png` });
    // Nothing hovered or focused: no action bar shows in the panel.
    const shown = await panel.locator('.message-actions').evaluateAll((bars) => bars.filter((b) => getComputedStyle(b).opacity !== '0' && getComputedStyle(b).display !== 'none').length);
    assert.equal(shown, 0);
    // The first message is the thread's heading: under the pointer that opened the thread (or hovered),
    // no action bar floats over it; its actions are in the timeline. Replies keep theirs.
    const root = panel.locator('article.message', { hasText: 'thread root here' });
    await root.hover();
    assert.equal(await root.locator('.message-actions').count(), 0);
    await panel.locator('article.message', { hasText: 'a reply' }).hover();
    await panel.locator('article.message', { hasText: 'a reply' }).getByRole('button', { name: 'Flag' }).waitFor(WAIT);
    await assertAccessible(bob, 'thread panel');
  });

  it('FL-1: a space whose newest message is an image opens at the bottom', async () => {
    const gallery = await ada.spaces.create({ title: 'Gallery' });
    galleryId = gallery.id;
    await ada.members.add(gallery.id, { personEmail: 'bob@example.com' });
    for (let i = 1; i <= 25; i++) await ada.messages.send({ roomId: gallery.id, text: `photo note ${i}` });
    await shareImage(gallery.id, 'wide.png', 640, 400);
    // The image arrives late (a slow network): after the space has settled at the bottom.
    await bob.route('**/api/files/*/content', async (route) => {
      await sleep(1500);
      await route.continue();
    });
    await bob.getByRole('link', { name: /^Gallery/ }).click();
    await bob.getByRole('heading', { name: 'Gallery' }).waitFor(WAIT);
    await bob.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('.timeline img.preview')].some((i) => i.complete && i.naturalWidth > 0), undefined, WAIT);
    await sleep(400);
    const gap = await bob.locator('.timeline').evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight);
    await bob.unroute('**/api/files/*/content');
    assert.ok(gap < 4, `${gap}px below the view`);
  });

  it('SR-1: search results show the text, not its Markdown', async () => {
    const box = bob.getByRole('combobox', { name: 'Write a message to Polish' });
    await openSpacePage(bob, roomId);
    await box.fill('this is ~~strikingly~~ good');
    await box.press('Enter');
    await bob.locator('article.message del', { hasText: 'strikingly' }).waitFor(WAIT);
    await box.fill('```\nfencedword = 1\n```');
    await box.press('Enter');
    await bob.locator('article.message pre', { hasText: 'fencedword' }).waitFor(WAIT);
    for (const [query, raw] of [['strikingly', '~~'], ['fencedword', '```']] as const) {
      await bob.getByRole('searchbox', { name: 'Search' }).fill(query);
      await bob.getByRole('searchbox', { name: 'Search' }).press('Enter');
      const result = bob.getByRole('region', { name: 'Messages' }).locator('.result', { hasText: query });
      await result.waitFor(WAIT);
      assert.ok(!(await result.innerText()).includes(raw), `no ${raw} in "${await result.innerText()}"`);
    }
    await bob.screenshot({ path: `${SHOTS}polish-search.png` });
    await assertAccessible(bob, 'search results');
  });

  it('MS-8: file sizes follow the language ("194,7 Ko" in French)', async () => {
    await ada.messages.send({ roomId: roomId, files: [{ source: new Uint8Array(199_373).fill(65), name: 'rapport.txt', type: 'text/plain' }] });
    await openSpacePage(bob, roomId);
    await bob.locator('.file-card', { hasText: 'rapport.txt' }).getByText('194.7 KB').waitFor(WAIT);
    const fr = await browser.newContext({ locale: 'fr-FR', viewport: { width: 1280, height: 800 } });
    const page = await fr.newPage();
    await signInPage(page, flint.url, 'bob@example.com', { button: 'Se connecter' });
    await page.goto(`${flint.url}/#/space/${roomId}`);
    await page.locator('.file-card', { hasText: 'rapport.txt' }).getByText('194,7 Ko').waitFor(WAIT);
    await fr.close();
  });

  it('PL-1: /docs keeps to its Content-Security-Policy', async () => {
    const page = await context.newPage();
    const violations: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') violations.push(m.text());
    });
    await page.goto(flint.url + '/docs');
    await page.locator('.swagger-ui .info').waitFor(WAIT);
    await page.locator('.opblock').first().waitFor(WAIT);
    await page.locator('.opblock-summary').first().click();
    await sleep(500);
    assert.deepEqual(violations, []);
    await page.close();
  });

  it('PL-1: at phone width actions wait for a touch, names and times share a line, images and the placeholder fit', async () => {
    const phone = await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true, locale: 'en-US' });
    const page = await phone.newPage();
    await signInPage(page, flint.url, 'bob@example.com');
    await page.goto(`${flint.url}/#/space/${galleryId}`);
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('.timeline img.preview')].some((i) => i.complete && i.naturalWidth > 0), undefined, WAIT);
    await page.screenshot({ path: `${SHOTS}polish-phone-gallery.png` });
    const image = await page.locator('.timeline img.preview').first().boundingBox();
    assert.ok(image !== null && image.x + image.width <= 375, `image from ${image?.x} to ${(image?.x ?? 0) + (image?.width ?? 0)}`);
    // The newest message that starts a block (a follow-up in the same minute shows no name).
    const last = page.locator('.timeline article.message:has(.sender)', { hasText: 'photo note' }).last();
    const visibleBars = await last.locator('.message-actions').evaluate((b) => getComputedStyle(b).opacity !== '0' && getComputedStyle(b).display !== 'none');
    assert.equal(visibleBars, false, 'actions hidden until the message is touched or focused');
    const [name, time] = await Promise.all([last.locator('.sender').boundingBox(), last.locator('time').boundingBox()]);
    assert.ok(name !== null && time !== null && Math.abs(name.y + name.height - (time.y + time.height)) < 6, 'name and time on one line');
    // A tap on the message shows its actions.
    await last.locator('.md').tap();
    assert.equal(await last.locator('.message-actions').evaluate((b) => getComputedStyle(b).opacity !== '0'), true);
    const fits = await page.getByRole('combobox', { name: 'Write a message to Gallery' }).evaluate((el: HTMLTextAreaElement) => {
      const style = getComputedStyle(el);
      const ctx = document.createElement('canvas').getContext('2d')!;
      ctx.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
      const room = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      return { need: ctx.measureText(el.placeholder).width, room };
    });
    assert.ok(fits.need <= fits.room, `placeholder needs ${fits.need}px, has ${fits.room}px`);
    await assertAccessible(page, 'phone gallery');
    await phone.close();
  });
});
