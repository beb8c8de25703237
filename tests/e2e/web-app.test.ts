/**
 * The web app in a real Chromium (SPEC PL-1, ID-1, SP-1, SP-2, SP-5, MS-1 … MS-4, MS-7, FL-1, FL-2,
 * SR-1, SEC-1, SEC-3): two people in two browser contexts sign up, make a space, talk (thread,
 * mention, edit, delete), share an image and see its preview, search, flag, and watch unread counts
 * and read receipts move — while a third person, not a member, sees none of it. Message content
 * that tries to inject markup renders inert. Screenshots of the main views go to
 * test-results/web/ (gitignored), and each of those views (and sign-in, sign-up) is audited with
 * axe-core: a serious or critical WCAG 2.x A/AA or best-practice violation fails the test.
 * Runs on SQLite, or on PostgreSQL when FLINT_TEST_DATABASE_URL is set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { assertAccessible, launchChromium, samplePdf, sampleImage, startFlint, TEST_PASSWORD, webDist, type TestFlint } from '@flint/testkit';

const SHOTS = fileURLToPath(new URL('../../test-results/web/', import.meta.url));
const WAIT = { timeout: 20_000 };


interface Person {
  name: string;
  email: string;
  context: BrowserContext;
  page: Page;
  dialogs: string[];
}

describe('web app (Chromium)', () => {
  let flint: TestFlint;
  let browser: Browser;
  const people: Record<'ada' | 'bob' | 'eve', Person> = {} as never;
  let roomId = '';

  async function open(key: 'ada' | 'bob' | 'eve', name: string, email: string, viewport = { width: 1280, height: 800 }): Promise<Person> {
    const context = await browser.newContext({ viewport, locale: 'en-US' });
    const page = await context.newPage();
    const person: Person = { name, email, context, page, dialogs: [] };
    page.on('dialog', (d) => {
      person.dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(flint.url + '/');
    const signUp = page.getByRole('button', { name: 'New here? Create an account' });
    await signUp.waitFor(WAIT);
    if (key === 'ada') await assertAccessible(page, 'sign-in');
    await signUp.click(WAIT);
    await page.getByLabel('Name').fill(name);
    if (key === 'ada') await assertAccessible(page, 'sign-up');
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Create an account' }).click();
    await page.getByRole('navigation', { name: 'Spaces and teams' }).waitFor(WAIT);
    people[key] = person;
    return person;
  }

  const messageIn = (p: Person, text: string) => p.page.locator('.timeline article.message', { hasText: text });

  async function send(p: Person, text: string, shows = text): Promise<void> {
    const box = p.page.getByRole('combobox', { name: /Write a message to/ });
    await box.fill(text);
    await box.press('Enter');
    await messageIn(p, shows).first().waitFor(WAIT);
  }

  /** Saves a screenshot of a main view and audits it with axe (SPEC PL-1: usable by screen reader and keyboard). */
  async function shot(p: Person, name: string): Promise<void> {
    await p.page.screenshot({ path: `${SHOTS}${name}.png` });
    await assertAccessible(p.page, name);
  }

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    flint = await startFlint({ webRoot: webDist() });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await flint?.stop();
  });

  it('PL-1, ID-1: serves the app with a strict CSP; three people sign up in their own browsers', async () => {
    const response = await fetch(flint.url + '/');
    const csp = response.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /connect-src 'self' ws:\/\/127\.0\.0\.1:\d+/);
    assert.match(csp, /object-src 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    const html = await response.text();
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script in the page');

    await open('ada', 'Ada Lovelace', 'ada@example.com');
    // The app's files came compressed (the build's brotli forms) and were decoded into a working app.
    const entry = await people.ada.page.evaluate(() =>
      (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).filter((e) => /\/assets\/index-[^/]+\.js$/.test(e.name)).map((e) => [e.encodedBodySize, e.decodedBodySize]),
    );
    assert.equal(entry.length, 1);
    assert.ok(entry[0]![0]! * 3 < entry[0]![1]!, `the entry script travelled compressed (${entry[0]!.join(' of ')} bytes)`);
    await shot(people.ada, '01-empty');
    await open('bob', 'Bob Babbage', 'bob@example.com');
    await open('eve', 'Eve Outsider', 'eve@example.com', { width: 390, height: 844 });
  });

  it('SP-1, SP-2: Ada creates a space and adds Bob; it appears in Bob’s list, not in Eve’s', async () => {
    const { page } = people.ada;
    await page.getByRole('button', { name: '+ New space' }).click();
    await page.getByRole('dialog').getByLabel('Title').fill('Launch plans');
    await page.getByRole('dialog').getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { name: 'Launch plans' }).waitFor(WAIT);
    roomId = /#\/space\/([^/]+)/.exec(page.url())![1]!;
    await page.getByRole('link', { name: 'Space details' }).click();
    await page.getByLabel('Add people').fill('bob@example.com');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.locator('.member', { hasText: 'Bob Babbage' }).waitFor(WAIT);
    // Removing someone (SP-2) takes them off the list; locking (SP-4) makes the one who locks a moderator.
    await flint.signup({ email: 'carol@example.com', displayName: 'Carol Clerk' });
    await page.getByLabel('Add people').fill('carol@example.com');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    const carol = page.locator('.member', { hasText: 'Carol Clerk' });
    await carol.waitFor(WAIT);
    await carol.getByRole('button', { name: 'Remove Carol Clerk' }).click();
    await carol.waitFor({ state: 'detached', ...WAIT });
    // The controls wait while the removal finishes (the key is rotated after it).
    await page.locator('.side-panel input[type="checkbox"]:enabled').first().waitFor(WAIT);
    // A click, not check(): the box shows the space's state, which changes when the server answers.
    await page.getByRole('checkbox', { name: /^Locked/ }).click();
    await page.locator('.member', { hasText: 'Ada Lovelace' }).getByText('Moderator', { exact: true }).waitFor(WAIT);
    await page.locator('.conv-header').getByRole('img', { name: /^Locked/ }).waitFor(WAIT);
    const bobRow = page.locator('.member', { hasText: 'Bob Babbage' });
    await bobRow.getByRole('button', { name: 'Make moderator' }).click();
    await bobRow.getByText('Moderator', { exact: true }).waitFor(WAIT);
    await shot(people.ada, '02-details');
    await page.getByRole('link', { name: 'Close' }).click();

    await people.bob.page.getByRole('link', { name: /^Launch plans/ }).waitFor(WAIT);
    assert.equal(await people.eve.page.getByRole('link', { name: /Launch plans/ }).count(), 0);
  });

  it('MS-4: a message raises Bob’s unread badge; reading it clears the badge and shows Ada the receipt', async () => {
    await send(people.ada, 'Quarterly numbers are in');
    const bobLink = people.bob.page.getByRole('link', { name: /^Launch plans, 1 unread message/ });
    await bobLink.waitFor(WAIT);
    assert.equal(await people.bob.page.locator(`[data-room-id="${roomId}"] [data-testid="unread-badge"]`).textContent(), '1');
    await shot(people.bob, '03-unread');
    await bobLink.click();
    await messageIn(people.bob, 'Quarterly numbers are in').waitFor(WAIT);
    await people.bob.page.locator(`[data-room-id="${roomId}"] [data-testid="unread-badge"]`).waitFor({ state: 'detached', ...WAIT });
    await people.ada.page.getByText('Seen by Bob Babbage').waitFor(WAIT);
  });

  it('MS-2, MS-7: Bob mentions Ada through autocomplete while she sees him typing', async () => {
    const { page } = people.bob;
    const box = page.getByRole('combobox', { name: /Write a message to/ });
    await box.pressSequentially('@Ad');
    await people.ada.page.getByText('Bob Babbage is typing…').waitFor(WAIT);
    await page.getByRole('option', { name: /@Ada Lovelace/ }).waitFor(WAIT);
    await box.press('Enter');
    await box.pressSequentially('can you check the **launch** date?');
    await box.press('Enter');
    const onAda = messageIn(people.ada, 'can you check the launch date?');
    await onAda.waitFor(WAIT);
    assert.equal(await onAda.locator('.mention-me').textContent(), '@Ada Lovelace');
    assert.equal(await onAda.locator('strong').textContent(), 'launch');
  });

  it('MS-1: threads, edits and deletes reach the other person', async () => {
    const ada = people.ada.page;
    const question = messageIn(people.ada, 'can you check the launch date?');
    await question.hover();
    await question.getByRole('link', { name: 'Reply in thread' }).click();
    const reply = ada.getByRole('combobox', { name: 'Reply in thread' });
    await reply.fill('Tuesday, confirmed');
    await reply.press('Enter');
    await ada.locator('.side-panel article.message', { hasText: 'Tuesday, confirmed' }).waitFor(WAIT);
    await shot(people.ada, '04-thread');
    await people.bob.page.getByRole('link', { name: '1 reply' }).waitFor(WAIT);

    await send(people.ada, 'Draft agenda v1');
    const mine = messageIn(people.ada, 'Draft agenda v1');
    await mine.hover();
    await mine.getByRole('button', { name: 'Edit' }).click();
    const editor = ada.getByRole('combobox', { name: 'Editing message' });
    await editor.fill('Final agenda v2');
    await editor.press('Enter');
    const edited = messageIn(people.bob, 'Final agenda v2');
    await edited.waitFor(WAIT);
    await edited.getByText('(edited)').waitFor(WAIT);
    assert.equal(await messageIn(people.bob, 'Draft agenda v1').count(), 0);

    await send(people.ada, 'oops, wrong space');
    const oops = messageIn(people.ada, 'oops, wrong space');
    await oops.hover();
    await oops.getByRole('button', { name: 'Delete' }).click();
    await ada.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await people.bob.page.waitForFunction(() => !document.body.innerText.includes('oops, wrong space'), undefined, WAIT);
    await people.bob.page.getByText('This message was deleted.').first().waitFor(WAIT);
  });

  it('MS-1, SEC-1: markup and javascript: links in a message render inert', async () => {
    await send(people.ada, 'Look <img src=x onerror=alert(1)> here [click me](javascript:alert(2)) and <script>alert(3)</script> [ok](https://example.com/x)', 'click me');
    const onBob = messageIn(people.bob, 'Look');
    await onBob.waitFor(WAIT);
    await onBob.getByText('click me').waitFor(WAIT);
    assert.equal(await onBob.locator('img').count(), 0, 'no <img> from message content');
    assert.equal(await onBob.locator('script').count(), 0);
    assert.equal(await onBob.locator('[onerror], [onclick], [onload]').count(), 0);
    assert.equal(await people.bob.page.locator('a[href^="javascript:"], [href*="javascript:"]').count(), 0);
    assert.equal(await onBob.locator('a[href="https://example.com/x"][rel~="noopener"]').count(), 1);
    await people.bob.page.waitForTimeout(300);
    assert.deepEqual(people.bob.dialogs, [], 'no dialog fired');
    assert.deepEqual(people.ada.dialogs, []);
  });

  it('FL-1, FL-2: an image and a PDF shared by Ada show as thumbnails made in her browser, and download', async () => {
    const PNG = Buffer.from(await sampleImage('png', 640, 400, { r: 200, g: 60, b: 40 }));
    await people.ada.page.getByLabel('Attach files').last().setInputFiles([
      { name: 'chart.png', mimeType: 'image/png', buffer: PNG },
      { name: 'report.pdf', mimeType: 'application/pdf', buffer: Buffer.from(samplePdf('Quarterly report')) },
    ]);
    // Chosen files wait in the composer for a caption (none here) until Send.
    await people.ada.page.getByRole('list', { name: 'Files to send' }).getByText('report.pdf').waitFor(WAIT);
    await people.ada.page.locator('.composer', { has: people.ada.page.getByRole('list', { name: 'Files to send' }) }).getByRole('button', { name: 'Send' }).click();
    for (const name of ['chart.png', 'report.pdf']) {
      await people.bob.page.getByRole('img', { name: `Preview of ${name}` }).waitFor(WAIT);
      // The thumbnail (at most 320 px wide), decrypted into a blob: URL — not the file itself.
      await people.bob.page.waitForFunction(
        (alt) => {
          const img = [...document.querySelectorAll<HTMLImageElement>('img.preview')].find((i) => i.alt === alt);
          return img !== undefined && img.complete && img.naturalWidth > 0 && img.naturalWidth <= 320 && img.src.startsWith('blob:');
        },
        `Preview of ${name}`,
        WAIT,
      );
    }
    const [download] = await Promise.all([people.bob.page.waitForEvent('download', WAIT), people.bob.page.locator('.file-meta').getByRole('button', { name: 'Download chart.png' }).first().click()]);
    assert.equal(download.suggestedFilename(), 'chart.png');
    const path = await download.path();
    const { readFile } = await import('node:fs/promises');
    assert.deepEqual(await readFile(path), PNG);
    await shot(people.bob, '05-conversation');
  });

  it('SR-1, MS-3: Bob finds a message by search, jumps to it in context and flags it', async () => {
    const { page } = people.bob;
    await page.getByRole('searchbox', { name: 'Search' }).fill('quarter');
    await page.getByRole('searchbox', { name: 'Search' }).press('Enter');
    const result = page.locator('.results a.result', { hasText: 'Quarterly numbers are in' });
    await result.waitFor(WAIT);
    await shot(people.bob, '06-search');
    await result.click();
    const target = page.locator('article.message.highlight', { hasText: 'Quarterly numbers are in' });
    await target.waitFor(WAIT);
    await target.hover();
    await target.getByRole('button', { name: 'Flag' }).click();
    await target.getByText('Flagged').waitFor(WAIT);
    await page.getByRole('button', { name: 'Flags' }).click();
    await page.getByRole('link', { name: /^Launch plans/ }).waitFor(WAIT);
    await page.getByRole('button', { name: 'All' }).click();

    // Files by name, people and spaces, grouped.
    await page.getByRole('searchbox', { name: 'Search' }).fill('chart');
    await page.getByRole('searchbox', { name: 'Search' }).press('Enter');
    await page.getByRole('region', { name: 'Files' }).getByRole('link', { name: /chart\.png/ }).waitFor(WAIT);
    await page.getByRole('searchbox', { name: 'Search' }).fill('launch');
    await page.getByRole('searchbox', { name: 'Search' }).press('Enter');
    await page.getByRole('region', { name: 'Spaces' }).getByRole('link', { name: /Launch plans/ }).waitFor(WAIT);
    await page.getByRole('searchbox', { name: 'Search' }).fill('Ada');
    await page.getByRole('searchbox', { name: 'Search' }).press('Enter');
    await page.getByRole('region', { name: 'People' }).getByRole('button', { name: /Ada Lovelace/ }).waitFor(WAIT);
  });

  it('SP-1, SP-5, MS-7: a direct message goes first in the list; filters, favourites, mention badges and presence', async () => {
    const bob = people.bob.page;
    const ada = people.ada.page;
    await bob.getByRole('button', { name: 'Message a person' }).click();
    await bob.getByRole('dialog').getByLabel('Name or e-mail address').fill('ada@example.com');
    await bob.getByRole('dialog').getByRole('button', { name: 'Create' }).click();
    await bob.getByRole('heading', { name: 'Ada Lovelace' }).waitFor(WAIT);
    // Ada's browser is open, so Bob sees her online.
    await bob.locator('.conv-header').getByText('Online', { exact: true }).waitFor(WAIT);
    await send(people.bob, 'a word in private');

    // Ada: the direct space, newest, comes first in her list, and the filters pick it out.
    await ada.getByRole('link', { name: /^Bob Babbage, 1 unread message/ }).waitFor(WAIT);
    assert.equal(await ada.locator('.room-list a.room-item .room-title').first().textContent(), 'Bob Babbage');
    const adaFilters = ada.getByRole('group', { name: 'Filter spaces' });
    await adaFilters.getByRole('button', { name: 'Direct' }).click();
    await ada.getByRole('link', { name: /^Launch plans/ }).waitFor({ state: 'detached', ...WAIT });
    assert.equal(await ada.locator('.room-list a.room-item').count(), 1);
    await adaFilters.getByRole('button', { name: 'Unread' }).click();
    await ada.getByRole('link', { name: /^Bob Babbage, 1 unread message/ }).waitFor(WAIT);
    assert.equal(await ada.getByRole('link', { name: /^Launch plans/ }).count(), 0);
    await adaFilters.getByRole('button', { name: 'All' }).click();

    // Ada mentions Bob in the space he is not looking at: a mention badge, and the Mentions filter.
    const box = ada.getByRole('combobox', { name: 'Write a message to Launch plans' });
    await box.pressSequentially('@Bo');
    await ada.getByRole('option', { name: /@Bob Babbage/ }).waitFor(WAIT);
    await box.press('Enter');
    await box.pressSequentially('please look at this');
    await box.press('Enter');
    await bob.getByRole('link', { name: /^Launch plans, 1 unread message, 1 mention$/ }).waitFor(WAIT);
    assert.equal(await bob.locator(`[data-room-id="${roomId}"] [data-testid="mention-badge"]`).textContent(), '@1');
    const bobFilters = bob.getByRole('group', { name: 'Filter spaces' });
    await bobFilters.getByRole('button', { name: 'Mentions' }).click();
    await bob.getByRole('link', { name: /^Ada Lovelace/ }).waitFor({ state: 'detached', ...WAIT });
    assert.equal(await bob.locator('.room-list a.room-item').count(), 1);

    // Bob makes the direct space a favourite.
    await bob.getByRole('button', { name: 'Favourite', exact: true }).click();
    await bob.getByRole('button', { name: 'Remove from favourites' }).waitFor(WAIT);
    await bobFilters.getByRole('button', { name: 'Favourites' }).click();
    await bob.getByRole('link', { name: /^Ada Lovelace/ }).waitFor(WAIT);
    assert.equal(await bob.locator('.room-list a.room-item').count(), 1);
    await bobFilters.getByRole('button', { name: 'All' }).click();
  });

  it('SEC-3: Eve, not a member, sees nothing — not in her list, not by the space’s URL, not by search', async () => {
    const { page } = people.eve;
    assert.equal(await page.getByRole('link', { name: /Launch plans/ }).count(), 0);
    await page.goto(`${flint.url}/#/space/${roomId}`);
    await page.getByText('This space is not available to you.').waitFor(WAIT);
    await page.waitForTimeout(500);
    const text = await page.locator('body').innerText();
    for (const secret of ['Quarterly', 'launch date', 'Tuesday', 'agenda', 'chart.png', 'Launch plans']) assert.ok(!text.includes(secret), `Eve sees "${secret}"`);
    await page.goto(`${flint.url}/#/search/quarter`);
    await page.getByText('Nothing found.').waitFor(WAIT);
    await shot(people.eve, '07-phone-outsider');
  });

  it('MS-1, SEC-7: a draft survives a reload, and browser storage holds only ciphertext', async () => {
    const { page } = people.ada;
    const box = page.getByRole('combobox', { name: /Write a message to/ });
    await box.fill('secret draft about the merger');
    await page.waitForTimeout(900);
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }));
    assert.ok(!stored.includes('merger'), 'no plaintext in localStorage');
    assert.match(stored, /flint\.draft\./);
    await page.reload();
    await page.getByRole('combobox', { name: /Write a message to/ }).waitFor(WAIT);
    await page.waitForFunction(() => document.querySelector('textarea')?.value === 'secret draft about the merger', undefined, WAIT);
    // IndexedDB holds the push key store (docs/notifications.md), empty with push off, and the
    // encrypted local cache (SPEC SEC-7): sealed entries, none with a title or message in plaintext.
    await page.evaluate('globalThis.__name = (f) => f');
    const idb = await page.evaluate(async () => {
      const names = (await indexedDB.databases()).flatMap((d) => (d.name !== undefined ? [d.name] : []));
      const counts: Record<string, number> = {};
      const parts: string[] = [];
      for (const name of names) {
        const db = await new Promise<IDBDatabase>((resolve, reject) => {
          const request = indexedDB.open(name);
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(new Error(String(request.error)));
        });
        for (const store of Array.from(db.objectStoreNames)) {
          const values = await new Promise<unknown[]>((resolve) => {
            const all = db.transaction(store).objectStore(store).getAll();
            all.onsuccess = () => resolve(all.result);
            all.onerror = () => resolve([]);
          });
          counts[`${name}/${store}`] = values.length;
          const walk = (v: unknown): void => {
            if (typeof v === 'string') parts.push(v);
            else if (v instanceof ArrayBuffer) parts.push(new TextDecoder('latin1').decode(v));
            else if (ArrayBuffer.isView(v)) parts.push(new TextDecoder('latin1').decode(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)));
            else if (v !== null && typeof v === 'object' && !(v instanceof CryptoKey)) for (const x of Object.values(v)) walk(x);
          };
          walk(values);
        }
        db.close();
      }
      return { others: names.filter((n) => n !== 'flint-push' && n !== 'flint-cache'), pushKeys: (counts['flint-push/keys'] ?? 0) + (counts['flint-push/meta'] ?? 0), cacheEntries: counts['flint-cache/entries'] ?? 0, text: parts.join('\n') };
    });
    assert.deepEqual(idb.others, [], 'no IndexedDB database but the push key store and the local cache');
    assert.equal(idb.pushKeys, 0, 'the push key store is empty with push off');
    assert.ok(idb.cacheEntries > 0, 'the local cache holds entries');
    for (const secret of ['Launch plans', 'Quarterly', 'merger', 'launch date']) assert.ok(!idb.text.includes(secret), `"${secret}" in IndexedDB in plaintext`);
  });

  it('ID-1, ID-4: at phone width Eve changes her password, signs out and signs in with the new one', async () => {
    const { page } = people.eve;
    const fresh = `${TEST_PASSWORD}-new`;
    await page.goto(`${flint.url}/#/settings`);
    await page.getByLabel('Current password').fill(TEST_PASSWORD);
    await page.getByLabel('New password').fill(fresh);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('status').filter({ hasText: 'Password changed.' }).waitFor(WAIT);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor(WAIT);
    await page.getByLabel('E-mail').fill('eve@example.com');
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor(WAIT);
    await page.getByLabel('Password').fill(fresh);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Spaces and teams' }).waitFor({ state: 'attached', ...WAIT });
  });
});
