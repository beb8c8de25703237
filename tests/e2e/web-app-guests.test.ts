/**
 * External guests in a real Chromium (issue 14, "domain ownership"; SPEC SP-2, ID-2): Ada, of org1,
 * invites bob@org2.test — an account of another org — into her space from its details and is told
 * "Invitation sent", as for any address; Bob sees the invitation in his sidebar, accepts it, and once
 * Ada's browser has shared the space's key with him (the core cannot) he reads what Ada sent. Ada's
 * member list marks him external. The invitation list passes axe, in English and French.
 * Runs on SQLite, or on PostgreSQL when FLINT_TEST_DATABASE_URL is set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { newDeviceSecret, passwordCredential, type Session } from '@flint/sdk';
import { assertAccessible, launchChromium, startFlint, TEST_PASSWORD, webDist, type TestFlint, signInPage, PAGE_WAIT } from '@flint/testkit';

const SHOTS = fileURLToPath(new URL('../../test-results/web/', import.meta.url));
const WAIT = PAGE_WAIT;

describe('web app, external guests (Chromium)', () => {
  let flint: TestFlint;
  let browser: Browser;
  let ada: Session;
  let adaContext: BrowserContext;
  let bobContext: BrowserContext;
  let adaPage: Page;
  let bobPage: Page;
  let roomId = '';

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    flint = await startFlint({ webRoot: webDist(), env: { FLINT_SIGNUP: 'open' } });
    browser = await launchChromium();
    const adaClient = await flint.signup({ email: 'ada@org1.test', displayName: 'Ada Lovelace' });
    await flint.signup({ email: 'bob@org2.test', displayName: 'Bob Babbage' });
    // Ada's first KMS device holds her password credential, so her browser can enroll with the password later.
    const adaDevice = { device: newDeviceSecret(), password: await passwordCredential(TEST_PASSWORD, adaClient.session!.personId) };
    ada = await flint.connect(adaClient, { deviceId: 'ada-node', kmsCredential: adaDevice });
    roomId = (await ada.spaces.create({ title: 'Partners' })).id;
    await ada.messages.send({ roomId, text: 'welcome from org1' });
    ada.close();
    adaContext = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
    adaPage = await adaContext.newPage();
    await signInPage(adaPage, flint.url, 'ada@org1.test');
    bobContext = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
    bobPage = await bobContext.newPage();
    await signInPage(bobPage, flint.url, 'bob@org2.test');
  });

  after(async () => {
    await browser?.close();
    await flint?.stop();
  });

  it('SP-2, ID-2: Ada invites another org’s account; Bob accepts in his browser and reads what Ada sent; he is marked external', async () => {
    await adaPage.goto(`${flint.url}/#/space/${roomId}/details`);
    await adaPage.getByRole('heading', { name: 'Space details' }).waitFor(WAIT);
    await adaPage.getByLabel('Add people').fill('bob@org2.test');
    await adaPage.getByRole('button', { name: 'Add', exact: true }).click();
    // The same words as for an address without an account: the page cannot tell.
    await adaPage.getByText('Invitation sent to bob@org2.test.').waitFor(WAIT);
    const pending = adaPage.locator('.member-list li', { hasText: 'bob@org2.test' });
    await pending.getByText('Invited').waitFor(WAIT);
    await pending.getByText('Guest').waitFor(WAIT);
    await adaPage.screenshot({ path: `${SHOTS}guests-invited.png` });

    // Bob's sidebar shows the invitation (it arrives on his event stream).
    const card = bobPage.getByTestId('space-invitation');
    await card.getByText('Ada Lovelace').waitFor(WAIT);
    await card.getByText('external guest').waitFor(WAIT);
    await assertAccessible(bobPage, 'invitation list');
    await bobPage.screenshot({ path: `${SHOTS}guests-invitation.png` });
    await card.getByRole('button', { name: 'Accept the invitation from Ada Lovelace' }).click();

    // Ada's browser authorizes him at the KMS and admits him; the space appears, its title and message decrypted.
    const link = bobPage.getByRole('link', { name: /Partners/ });
    await link.waitFor(WAIT);
    assert.equal(await bobPage.getByTestId('space-invitation').count(), 0, 'the invitation is gone once admitted');
    await link.click();
    await bobPage.locator('article.message', { hasText: 'welcome from org1' }).waitFor(WAIT);
    await bobPage.screenshot({ path: `${SHOTS}guests-admitted.png` });

    const member = adaPage.locator('.member-list li', { hasText: 'bob@org2.test' });
    await member.getByText('Bob Babbage').waitFor(WAIT);
    await member.getByText('External').waitFor(WAIT);
    assert.equal(await member.getByText('Invited').count(), 0);
    await assertAccessible(adaPage, 'space details with an external member');
    await adaPage.screenshot({ path: `${SHOTS}guests-external-member.png` });
  });

  it('SP-2: an invitation declined in the browser is gone, and the space never appears (in French)', async () => {
    const frContext = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'fr-FR' });
    const frBob = await frContext.newPage();
    await signInPage(frBob, flint.url, 'bob@org2.test', { button: 'Se connecter' });
    await adaPage.getByRole('button', { name: '+ New space' }).click();
    await adaPage.getByRole('dialog').getByLabel('Title').fill('Board');
    await adaPage.getByRole('dialog').getByRole('button', { name: 'Create' }).click();
    await adaPage.getByRole('heading', { name: 'Board' }).waitFor(WAIT);
    const boardId = /#\/space\/([^/]+)/.exec(adaPage.url())![1]!;
    await adaPage.goto(`${flint.url}/#/space/${boardId}/details`);
    await adaPage.getByLabel('Add people').fill('bob@org2.test');
    await adaPage.getByRole('button', { name: 'Add', exact: true }).click();
    await adaPage.getByText('Invitation sent to bob@org2.test.').waitFor(WAIT);

    const card = frBob.getByTestId('space-invitation');
    await card.getByText('invité externe').waitFor(WAIT);
    await assertAccessible(frBob, 'invitation list (French)');
    await frBob.screenshot({ path: `${SHOTS}guests-invitation-fr.png` });
    await card.getByRole('button', { name: 'Refuser l’invitation de Ada Lovelace' }).click();
    await frBob.getByTestId('space-invitation').waitFor({ ...WAIT, state: 'detached' });
    // Ada's list loses it; Bob has no way in.
    await adaPage.reload();
    await adaPage.getByRole('heading', { name: 'Space details' }).waitFor(WAIT);
    await adaPage.locator('.member-list li', { hasText: 'ada@org1.test' }).waitFor(WAIT);
    assert.equal(await adaPage.locator('.member-list li', { hasText: 'bob@org2.test' }).count(), 0);
    assert.equal(await frBob.getByRole('link', { name: /Board/ }).count(), 0);
    await frContext.close();
  });
});
