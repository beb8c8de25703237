/**
 * A person's own data in a real Chromium (SPEC ID-10): Bob, in two spaces with messages (one a
 * thread reply) and a file, exports from Settings → Your data; the zip holds his profile, both
 * spaces with their members, every message he could read and the file byte for byte, and nothing of
 * a third space he is not in. Then he deletes his account: he cannot sign in again and Ada sees his
 * messages under "Deleted person" (the org's default policy, keep).
 * Runs on SQLite, or on PostgreSQL when FLINT_TEST_DATABASE_URL is set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { newDeviceSecret, passwordCredential, type Session } from '@flint/sdk';
import { unzipSync, strFromU8 } from 'fflate';
import { assertAccessible, launchChromium, openSpacePage, PAGE_WAIT, raw, signInPage, startFlint, TEST_PASSWORD, webDist, type TestFlint } from '@flint/testkit';

const SHOTS = fileURLToPath(new URL('../../test-results/web/', import.meta.url));

interface ExportedMessage {
  id: string;
  parentId?: string;
  personEmail: string;
  created: string;
  text?: string;
  files?: { name: string; path: string; size: number }[];
}

describe('web app, a person’s own data: export and account deletion (Chromium)', () => {
  let flint: TestFlint;
  let browser: Browser;
  let ada: Session;
  let bob: Session;
  const contexts: BrowserContext[] = [];
  const spaces: Record<string, string> = {};
  const expected = new Map<string, string>(); // message id → text, for every message Bob may read
  const FILE = new Uint8Array(randomBytes(300_000));

  async function newPage(options: { width?: number; locale?: string } = {}): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: options.width ?? 1280, height: 900 }, locale: options.locale ?? 'en-US', acceptDownloads: true });
    contexts.push(context);
    return context.newPage();
  }

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    flint = await startFlint({ webRoot: webDist() });
    browser = await launchChromium();
    const adaClient = await flint.signup({ email: 'ada@example.com', displayName: 'Ada Lovelace' });
    ada = await flint.connect(adaClient, { deviceId: 'ada-node', kmsCredential: { device: newDeviceSecret(), password: await passwordCredential(TEST_PASSWORD, adaClient.session!.personId) } });
    const bobClient = await flint.signup({ email: 'bob@example.com', displayName: 'Bob Babbage' });
    bob = await flint.connect(bobClient, { deviceId: 'bob-node', kmsCredential: { device: newDeviceSecret(), password: await passwordCredential(TEST_PASSWORD, bobClient.session!.personId) } });
    const carolClient = await flint.signup({ email: 'carol@example.com', displayName: 'Carol Shaw' });
    const carol = await flint.connect(carolClient, { deviceId: 'carol-node', kmsCredential: { device: newDeviceSecret(), password: await passwordCredential(TEST_PASSWORD, carolClient.session!.personId) } });

    spaces.plans = (await ada.spaces.create({ title: 'Launch plans' })).id;
    spaces.notes = (await ada.spaces.create({ title: 'Field notes' })).id;
    spaces.secret = (await ada.spaces.create({ title: 'Secret board' })).id;
    await ada.members.add(spaces.plans, { personEmail: 'bob@example.com' });
    await ada.members.add(spaces.notes, { personEmail: 'bob@example.com' });
    await ada.members.add(spaces.secret, { personEmail: 'carol@example.com' });
    const sent = async (who: Session, roomId: string, text: string, extra: { parentId?: string } = {}) => {
      const m = await who.messages.send({ roomId, text, ...extra });
      if (roomId !== spaces.secret) expected.set(m.id, text);
      return m;
    };
    const root = await sent(ada, spaces.plans, 'export-plans one from Ada');
    await sent(bob, spaces.plans, 'export-plans two from Bob', { parentId: root.id });
    await sent(bob, spaces.plans, 'export-plans three from Bob');
    await sent(ada, spaces.notes, 'export-notes one from Ada');
    const withFile = await bob.messages.send({ roomId: spaces.notes, text: 'export-notes the data', files: [{ source: FILE, name: 'readings.bin', type: 'application/octet-stream' }] });
    expected.set(withFile.id, 'export-notes the data');
    await sent(ada, spaces.secret, 'export-secret never for Bob');
    await sent(carol, spaces.secret, 'export-secret from Carol');
    await carol.messages.send({ roomId: spaces.secret, text: 'export-secret file', files: [{ source: new TextEncoder().encode('secret bytes'), name: 'secret.txt', type: 'text/plain' }] });
    carol.close();
  });

  after(async () => {
    ada?.close();
    bob?.close();
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await flint?.stop();
  });

  it('ID-10: the export holds every message Bob may read and his file byte for byte, and nothing of a space he is not in', async () => {
    const page = await newPage();
    await signInPage(page, flint.url, 'bob@example.com');
    await page.goto(`${flint.url}/#/settings`);
    await page.getByRole('heading', { name: 'Your data' }).waitFor(PAGE_WAIT);
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.getByRole('button', { name: 'Export', exact: true }).click()]);
    const status = page.locator('#own-data-title').locator('..').getByRole('status');
    await status.getByText(/^Export ready/).waitFor(PAGE_WAIT).catch(async (e: unknown) => assert.fail(`${String(e)}; status: ${await status.textContent()}`));
    assert.equal(await status.textContent(), 'Export ready. Spaces: 2 · messages: 5 · files: 1');
    await assertAccessible(page, 'settings, your data');
    await page.locator('#own-data-title').locator('..').screenshot({ path: `${SHOTS}own-data-export.png` });
    assert.match(download.suggestedFilename(), /^flint-export-\d{4}-\d{2}-\d{2}\.zip$/);
    const zip = unzipSync(new Uint8Array(readFileSync(await download.path())));
    const names = Object.keys(zip).sort();
    assert.deepEqual(
      names,
      [
        'profile.json',
        `spaces/${spaces.notes}/files/readings.bin`,
        `spaces/${spaces.notes}/messages.json`,
        `spaces/${spaces.notes}/space.json`,
        `spaces/${spaces.plans}/messages.json`,
        `spaces/${spaces.plans}/space.json`,
      ].sort(),
    );
    const profile = JSON.parse(strFromU8(zip['profile.json']!)) as { emails: string[]; displayName: string };
    assert.deepEqual(profile.emails, ['bob@example.com']);
    assert.equal(profile.displayName, 'Bob Babbage');

    const plansSpace = JSON.parse(strFromU8(zip[`spaces/${spaces.plans}/space.json`]!)) as { title: string; members: { email: string }[] };
    assert.equal(plansSpace.title, 'Launch plans');
    assert.deepEqual(plansSpace.members.map((m) => m.email).sort(), ['ada@example.com', 'bob@example.com']);
    const notesSpace = JSON.parse(strFromU8(zip[`spaces/${spaces.notes}/space.json`]!)) as { title: string };
    assert.equal(notesSpace.title, 'Field notes');

    const exported = new Map<string, ExportedMessage>();
    for (const id of [spaces.plans, spaces.notes]) {
      const list = JSON.parse(strFromU8(zip[`spaces/${id}/messages.json`]!)) as ExportedMessage[];
      // Oldest first.
      assert.deepEqual(list.map((m) => m.created), [...list.map((m) => m.created)].sort());
      for (const m of list) exported.set(m.id, m);
    }
    assert.deepEqual([...exported.keys()].sort(), [...expected.keys()].sort());
    for (const [id, text] of expected) assert.equal(exported.get(id)!.text, text);
    const reply = [...exported.values()].find((m) => m.text === 'export-plans two from Bob')!;
    assert.equal(reply.parentId, [...exported.values()].find((m) => m.text === 'export-plans one from Ada')!.id);
    const fileMessage = [...exported.values()].find((m) => m.text === 'export-notes the data')!;
    assert.deepEqual(fileMessage.files, [{ name: 'readings.bin', type: 'application/octet-stream', size: FILE.length, path: 'files/readings.bin' }]);
    assert.deepEqual(Buffer.from(zip[`spaces/${spaces.notes}/files/readings.bin`]!), Buffer.from(FILE));

    // Nothing of the third space, anywhere.
    const everything = Object.entries(zip)
      .map(([name, bytes]) => name + '\n' + Buffer.from(bytes).toString('latin1'))
      .join('\n');
    for (const word of [spaces.secret!, 'Secret board', 'export-secret', 'secret.txt', 'secret bytes', 'carol@example.com']) assert.ok(!everything.includes(word), `the export holds "${word}"`);

    // French, phone width.
    await bob.api.people.updateMe({ language: 'fr' });
    const phone = await newPage({ width: 390, locale: 'fr-FR' });
    await signInPage(phone, flint.url, 'bob@example.com', { button: 'Se connecter' });
    await phone.goto(`${flint.url}/#/settings`);
    await phone.getByRole('heading', { name: 'Vos données' }).waitFor(PAGE_WAIT);
    await assertAccessible(phone, 'settings, your data, French, phone');
    await phone.locator('#own-data-title').locator('..').screenshot({ path: `${SHOTS}own-data-export-phone-fr.png` });
    await bob.api.people.updateMe({ language: null });
  });
  it('ID-10: Bob deletes his account; he cannot sign in again; Ada sees his messages under “Deleted person”', async () => {
    const page = await newPage();
    await signInPage(page, flint.url, 'bob@example.com');
    await page.goto(`${flint.url}/#/settings`);
    await page.getByRole('heading', { name: 'Delete account' }).waitFor(PAGE_WAIT);
    const confirm = page.getByLabel('Type your e-mail address (bob@example.com) to confirm');
    const button = page.getByRole('button', { name: 'Delete my account' });
    await confirm.fill('someone@example.com');
    assert.equal(await button.isDisabled(), true, 'another address does not confirm');
    await confirm.fill('bob@example.com');
    await assertAccessible(page, 'settings, delete account');
    await page.locator('#delete-account-title').locator('..').screenshot({ path: `${SHOTS}own-data-delete.png` });
    const bobId = (await bob.api.people.me()).id;
    const kms = await ada.kmsClient();
    const kroOf = async (id: string) => (await ada.api.rooms.get(id)).kroUri!;
    assert.ok((await kms.listAuthorizations(await kroOf(spaces.plans!))).some((a) => a.authId === bobId), 'authorized before');
    await button.click();
    await page.getByRole('status').getByText('Your account was deleted.').waitFor(PAGE_WAIT);
    // The browser removed his own KMS authorizations on both spaces' resources before the core deleted him.
    for (const id of [spaces.plans!, spaces.notes!]) assert.ok(!(await kms.listAuthorizations(await kroOf(id))).some((a) => a.authId === bobId), `no authorization left on ${id}`);
    await page.screenshot({ path: `${SHOTS}own-data-deleted.png` });

    // He cannot sign in again, in the app or through the API.
    await page.locator('input[type=email]').fill('bob@example.com');
    await page.locator('input[type=password]').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor(PAGE_WAIT);
    assert.equal(await page.locator('nav.sidebar').count(), 0);
    assert.equal((await raw(flint.url, 'POST', '/api/auth/login', { body: { email: 'bob@example.com', password: TEST_PASSWORD } })).status, 401);

    // Ada sees his messages, kept (the org's default policy), under "Deleted person"; he is no member.
    const adaPage = await newPage();
    await signInPage(adaPage, flint.url, 'ada@example.com');
    await openSpacePage(adaPage, spaces.plans!);
    const his = adaPage.locator('.timeline article.message', { hasText: 'export-plans three from Bob' });
    await his.waitFor(PAGE_WAIT);
    await his.getByText('Deleted person').first().waitFor(PAGE_WAIT);
    assert.equal(await adaPage.locator('.timeline').getByText('Bob Babbage').count(), 0);
    const members = await ada.members.list({ roomId: spaces.plans! });
    assert.deepEqual(members.items.map((m) => m.personEmail), ['ada@example.com']);
    await adaPage.screenshot({ path: `${SHOTS}own-data-deleted-person.png` });
  });
});
