/**
 * Directory sync in a real Chromium (issue 18): an org admin creates the org's SCIM token in the
 * console (shown once; it then works on the org's SCIM routes and nowhere else), the directory
 * pushes groups with it, and the admin maps one group to the administrator role (its member becomes
 * an org admin) and another to a team she moderates — her open tab then shares the team's key, so
 * the member reads the team's general space. Replacing the token stops the old one. Axe on the
 * page, English and French, desktop and phone screenshots. SQLite, or PostgreSQL when
 * FLINT_TEST_DATABASE_URL is set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { newDeviceSecret, passwordCredential, type FlintClient, type Session } from '@flint/sdk';
import { assertAccessible, launchChromium, raw, startFlint, TEST_PASSWORD, webDist, type TestFlint } from '@flint/testkit';

const SHOTS = fileURLToPath(new URL('../../test-results/web/', import.meta.url));
const WAIT = { timeout: 20_000 };
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';

async function until(what: string, check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('web app, directory sync: the SCIM token and group mappings (Chromium)', () => {
  let flint: TestFlint;
  let browser: Browser;
  let ada: Session;
  let bobClient: FlintClient;
  let context: BrowserContext;
  let admin: Page;
  let orgId = '';
  let bobId = '';
  let teamId = '';
  let generalId = '';
  let token = '';

  const signIn = async (page: Page, email: string) => {
    await page.goto(flint.url + '/');
    await page.getByLabel(/^(E-mail|Adresse e-mail)$/).fill(email);
    await page.getByLabel(/^(Password|Mot de passe)$/).fill(TEST_PASSWORD);
    await page.getByRole('button', { name: /^(Sign in|Se connecter)$/ }).click();
  };

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    flint = await startFlint({ webRoot: webDist() });
    browser = await launchChromium();
    const adaClient = await flint.signup({ email: 'ada@example.com', displayName: 'Ada Lovelace' });
    bobClient = await flint.signup({ email: 'bob@example.com', displayName: 'Bob Babbage' });
    bobId = bobClient.session!.personId;
    orgId = (await adaClient.people.me()).orgId!;
    // Ada's Node app (enrolled with her password credential, as her browser will be) makes a team.
    ada = await flint.connect(adaClient, { deviceId: 'ada-node', kmsCredential: { device: newDeviceSecret(), password: await passwordCredential(TEST_PASSWORD, adaClient.session!.personId) } });
    const team = await ada.teams.create({ name: 'Apollo' });
    teamId = team.id;
    generalId = team.generalRoomId;
    await ada.messages.send({ roomId: generalId, text: 'welcome to Apollo' });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
    admin = await context.newPage();
    await signIn(admin, 'ada@example.com');
    await admin.getByRole('navigation', { name: 'Spaces and teams' }).waitFor(WAIT);
  });

  after(async () => {
    ada?.close();
    await browser?.close();
    await flint?.stop();
  });

  it('the admin creates the SCIM token: shown once, it works on SCIM only', async () => {
    await admin.goto(`${flint.url}/#/admin/scim`);
    await admin.getByRole('heading', { name: 'Directory sync (SCIM)' }).waitFor(WAIT);
    await admin.getByText(`${flint.url}/identity/scim/${orgId}/v2`).waitFor(WAIT);
    await admin.getByText('No SCIM token yet').waitFor(WAIT);
    await admin.getByRole('button', { name: 'Create a SCIM token' }).click();
    const field = admin.getByLabel(/Your new SCIM token/);
    await field.waitFor(WAIT);
    token = await field.inputValue();
    assert.match(token, /^flsc-[0-9a-f]{64}$/);
    await admin.getByText(/Created .* by Ada Lovelace\./).waitFor(WAIT);
    await assertAccessible(admin, 'admin directory sync, token shown once');
    await admin.screenshot({ path: `${SHOTS}admin-scim-token.png`, fullPage: true });
    assert.equal((await raw(flint.url, 'GET', `/identity/scim/${orgId}/v2/Users`, { token })).status, 200);
    assert.equal((await raw(flint.url, 'GET', '/api/people/me', { token })).status, 401, 'not a token for the rest of the API');
    // Shown once: a reload shows when it was made, not the token.
    await admin.reload();
    await admin.getByText(/Created .* by Ada Lovelace\./).waitFor(WAIT);
    assert.equal(await admin.getByLabel(/Your new SCIM token/).count(), 0);
    assert.ok(!(await admin.content()).includes(token));
  });

  it('groups pushed by the directory map to the administrator role and to a team', async () => {
    const base = `/identity/scim/${orgId}/v2`;
    for (const displayName of ['Flint admins', 'Apollo crew']) {
      const r = await raw(flint.url, 'POST', `${base}/Groups`, { token, body: JSON.stringify({ schemas: [GROUP], displayName, members: [{ value: bobId }] }), contentType: 'application/scim+json' });
      assert.equal(r.status, 201, r.text);
    }
    await admin.reload();
    const table = admin.getByTestId('scim-groups');
    await table.waitFor(WAIT);
    const bobToken = bobClient.session!.accessToken;
    assert.equal((await raw(flint.url, 'GET', '/api/admin/roles', { token: bobToken })).status, 403);
    await admin.getByLabel('What the group Flint admins gives its members').selectOption({ label: 'The administrator role' });
    await admin.getByText('Group mapping saved.').waitFor(WAIT);
    await until('Bob to be an admin', async () => (await raw(flint.url, 'GET', '/api/admin/roles', { token: bobToken })).status === 200);
    // The team: Ada's tab is its moderator's app, so it shares the key as soon as the core asks.
    assert.equal((await bobClient.teams.list()).length, 0);
    await admin.getByLabel('What the group Apollo crew gives its members').selectOption({ label: 'The team Apollo' });
    await admin.getByText('Group mapping saved.').waitFor(WAIT);
    await until('Bob to be in the team', async () => (await bobClient.teams.list()).some((t) => t.id === teamId));
    const bob = await flint.connect(bobClient, { deviceId: 'bob-node' });
    try {
      assert.deepEqual((await bob.messages.list({ roomId: generalId })).items.map((m) => m.text), ['welcome to Apollo']);
    } finally {
      bob.close();
    }
    assert.equal(await admin.getByLabel('What the group Apollo crew gives its members').inputValue(), `team:${teamId}`);
    await assertAccessible(admin, 'admin directory sync, groups mapped');
    await admin.screenshot({ path: `${SHOTS}admin-scim-groups.png`, fullPage: true });
    await table.screenshot({ path: `${SHOTS}admin-scim-groups-table.png` });
    const phone = await context.newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(`${flint.url}/#/admin/scim`);
    await phone.getByTestId('scim-groups').waitFor(WAIT);
    await phone.screenshot({ path: `${SHOTS}admin-scim-phone.png`, fullPage: true });
    await phone.close();
  });

  it('replacing the token stops the old one', async () => {
    await admin.getByRole('button', { name: 'Replace the token' }).click();
    await admin.getByRole('dialog').getByText('The current one stops working at once').waitFor(WAIT);
    await admin.getByRole('dialog').getByRole('button', { name: 'Replace the token' }).click();
    const field = admin.getByLabel(/Your new SCIM token/);
    await field.waitFor(WAIT);
    const next = await field.inputValue();
    assert.notEqual(next, token);
    assert.equal((await raw(flint.url, 'GET', `/identity/scim/${orgId}/v2/Groups`, { token })).status, 401);
    assert.equal((await raw(flint.url, 'GET', `/identity/scim/${orgId}/v2/Groups`, { token: next })).status, 200);
  });

  it('French', async () => {
    const fr = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'fr-FR' });
    try {
      const page = await fr.newPage();
      await signIn(page, 'ada@example.com');
      await page.getByRole('navigation', { name: 'Espaces et équipes' }).waitFor(WAIT);
      await page.goto(`${flint.url}/#/admin/scim`);
      await page.getByRole('heading', { name: 'Synchronisation d’annuaire (SCIM)' }).waitFor(WAIT);
      await page.getByLabel('Ce que le groupe Flint admins donne à ses membres').waitFor(WAIT);
      await assertAccessible(page, 'admin directory sync (fr)');
      await page.screenshot({ path: `${SHOTS}admin-scim-fr-phone.png`, fullPage: true });
    } finally {
      await fr.close();
    }
  });
});
