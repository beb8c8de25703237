/**
 * The rest of the web app's everyday areas in Firefox ESR (WebDriver BiDi, puppeteer-core), one
 * Firefox and one Flint for all of them, so the launch is paid once: Ada and Bob, each in their own
 * Firefox context, mention each other from the `@` list, reply in a thread, react from the emoji
 * picker, read each other ("Seen by"), flag a message and find it in Flagged and in Mentions of me
 * (SPEC MS-1, MS-4); Bob's open tab shows a browser notification with the decrypted text (the
 * Notification API through the app's service worker; Web Push to a closed tab needs Mozilla's push
 * service, see docs/web-app.md); Ada runs the admin console (people, roles, the audit log that
 * records Firefox's user agent, ID-7, CP-5), sets the org's OpenID provider there, and Cy signs in
 * through that provider in Firefox, his browser enrolling at the KMS on first use (ID-6); Ada and Bob
 * draw together on a whiteboard (Excalidraw in Firefox) and Ada saves a sealed snapshot. Axe runs on
 * each view in Firefox. `.ci/run` installs firefox-esr; without it the suite is skipped with that
 * reason, except in CI, where it must run.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readKmsAudit } from '@flint/kms';
import { newDeviceSecret, passwordCredential, type FlintClient, type Session } from '@flint/sdk';
import {
  assertAccessible,
  clickIn,
  fillIn,
  FIREFOX_WAIT,
  hasFirefox,
  indexedDbDump,
  launchFirefox,
  raw,
  role,
  scanForPlaintext,
  seeText,
  signInFirefox,
  startFlint,
  startOidcIdp,
  TEST_PASSWORD,
  until,
  webDist,
  type FirefoxBrowser,
  type FirefoxPage,
  type TestFlint,
  type TestIdp,
} from '@flint/testkit';

const SHOTS = fileURLToPath(new URL('../../test-results/web/', import.meta.url));
const skip = !hasFirefox() && process.env['CI'] !== 'true' ? 'firefox-esr is not installed (apt-get install -y firefox-esr)' : false;
const LONG = { timeout: 120_000 } as const;
const PASSCODE = 'lantern-5521';

type Shown = { title: string; body: string; tag: string };

/**
 * In Bob's pages, before the app loads: record what the app shows as notifications (the real calls
 * still happen), through the service worker's registration or the page's Notification.
 */
function recordNotifications(): void {
  // Pages where the app does not run (about:blank, the provider's sign-in page) may lack service workers.
  if (typeof ServiceWorkerRegistration === 'undefined') return;
  const shown: Shown[] = [];
  (window as unknown as { flintShown: Shown[] }).flintShown = shown;
  const real = Object.getOwnPropertyDescriptor(ServiceWorkerRegistration.prototype, 'showNotification')!.value as (this: ServiceWorkerRegistration, title: string, options?: NotificationOptions) => Promise<void>;
  ServiceWorkerRegistration.prototype.showNotification = function (this: ServiceWorkerRegistration, title: string, options?: NotificationOptions) {
    shown.push({ title, body: options?.body ?? '', tag: options?.tag ?? '' });
    return real.call(this, title, options);
  };
}

describe('the web app in Firefox ESR: messaging, notifications, admin console, single sign-on, whiteboard', { skip }, () => {
  let flint: TestFlint;
  let idp: TestIdp;
  let browser: FirefoxBrowser;
  let ada: FirefoxPage;
  let bob: FirefoxPage;
  let adaNode: Session;
  let people: Record<'ada' | 'bob' | 'cy', FlintClient>;
  let roomId = '';
  const problems: string[] = [];

  const watch = (page: FirefoxPage, who: string) => {
    page.on('pageerror', (e) => problems.push(`[${who}] ${String(e)} ${(e as Error).stack ?? ''} at ${page.url()}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`[${who} console] ${m.text()}`);
    });
  };
  /** The message (its <article>) whose text contains `text`, waited for. */
  const messageId = async (page: FirefoxPage, text: string, scope = '.timeline'): Promise<string> => {
    // Looked up in one go in the page: the timeline re-renders, and a handle held across two calls can go stale.
    const found = await page.waitForFunction((within: string, wanted: string) => [...document.querySelectorAll(`${within} article.message`)].find((a) => (a.textContent ?? '').includes(wanted))?.id, FIREFOX_WAIT, scope, text);
    return (await found.jsonValue()) as string;
  };

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    flint = await startFlint({ webRoot: webDist(), env: { FLINT_SSO_ALLOW_LOOPBACK_HTTP: 'true' } });
    idp = await startOidcIdp({
      redirectUris: [`${flint.url}/api/auth/sso/callback`],
      postLogoutRedirectUris: [`${flint.url}/`],
      accounts: [{ login: 'cy', password: 'idp-pass-cy', email: 'cy@fox.test', name: 'Cy Fox' }],
    });
    people = {
      ada: await flint.signup({ email: 'ada@fox.test', displayName: 'Ada Lovelace' }),
      bob: await flint.signup({ email: 'bob@fox.test', displayName: 'Bob Babbage' }),
      cy: await flint.signup({ email: 'cy@fox.test', displayName: 'Cy Fox' }),
    };
    // First KMS devices hold the password credentials, so the browsers enroll with the password.
    const connect = async (api: FlintClient, deviceId: string) => flint.connect(api, { deviceId, kmsCredential: { device: newDeviceSecret(), password: await passwordCredential(TEST_PASSWORD, api.session!.personId) } });
    adaNode = await connect(people.ada, 'ada-node');
    (await connect(people.bob, 'bob-node')).close();
    roomId = (await adaNode.spaces.create({ title: 'Tide tables' })).id;
    await adaNode.members.add(roomId, { personEmail: 'bob@fox.test' });
    await adaNode.members.add(roomId, { personEmail: 'cy@fox.test' });
    await adaNode.messages.send({ roomId, text: 'High water at six' });

    // Notifications allowed for every site, as if Bob had said yes to the prompt.
    browser = await launchFirefox({ prefs: { 'permissions.default.desktop-notification': 1, 'alerts.useSystemBackend': false } });
    ada = await (await browser.createBrowserContext()).newPage();
    bob = await (await browser.createBrowserContext()).newPage();
    watch(ada, 'ada');
    watch(bob, 'bob');
    await bob.evaluateOnNewDocument(recordNotifications);
    for (const page of [ada, bob]) await page.setViewport({ width: 1280, height: 800 });
    await signInFirefox(ada, flint.url, 'ada@fox.test');
    await signInFirefox(bob, flint.url, 'bob@fox.test');
    for (const page of [ada, bob]) {
      await page.goto(`${flint.url}/#/space/${roomId}`);
      await messageId(page, 'High water at six');
    }
  });

  after(async () => {
    if (problems.length > 0) console.log(`page problems:\n${problems.join('\n')}`);
    adaNode?.close();
    await browser?.close();
    await idp?.close();
    await flint?.stop();
  });

  it('MS-1: Ada mentions Bob from the @ list in Firefox; the message carries the mention; Bob finds it in Mentions of me', LONG, async () => {
    const box = `.composer ${role('combobox', 'Write a message to Tide tables')}`;
    await clickIn(ada, box);
    await ada.keyboard.type('@Bo');
    await clickIn(ada, `${role('listbox', 'Members')} ::-p-text(Bob Babbage)`);
    await ada.keyboard.type('can you check the moorings?');
    await ada.keyboard.press('Enter');
    await messageId(bob, 'can you check the moorings?');
    const sent = await until('the mention reached the core', async () => (await adaNode.messages.list({ roomId, max: 1 })).items.find((m) => (m.text ?? '').includes('moorings')));
    assert.deepEqual(sent.mentionedPeople, [people.bob.session!.personId]);
    await bob.goto(`${flint.url}/#/mentions`);
    await seeText(bob, 'can you check the moorings?', role('list', 'Mentions of me'));
    await assertAccessible(bob, 'mentions of me in Firefox');
  });

  it('MS-1: Bob replies in a thread from Firefox; Ada’s Firefox shows it in the thread panel', LONG, async () => {
    await bob.goto(`${flint.url}/#/space/${roomId}`);
    const id = await messageId(bob, 'can you check the moorings?');
    await (await bob.waitForSelector(`#${id}`, FIREFOX_WAIT))!.hover();
    await clickIn(bob, `#${id} ${role('link', 'Reply in thread')}`);
    await clickIn(bob, `aside.side-panel ${role('combobox', 'Reply in thread')}`);
    await bob.keyboard.type('Moorings checked, all fine');
    await bob.keyboard.press('Enter');
    const reply = await until('the reply reached the core', async () => (await adaNode.messages.list({ roomId, max: 3 })).items.find((m) => (m.text ?? '').includes('Moorings checked')));
    assert.equal(reply.parentId, id.replace(/^m-/, ''));
    await ada.goto(`${flint.url}/#/space/${roomId}/thread/${reply.parentId}`);
    await seeText(ada, 'Moorings checked, all fine', 'aside.side-panel');
    await assertAccessible(ada, 'thread panel in Firefox');
  });

  it('MS-1: Bob reacts from the emoji picker in Firefox; Ada sees it live; the core never holds the emoji', LONG, async () => {
    await ada.goto(`${flint.url}/#/space/${roomId}`);
    const id = await messageId(bob, 'High water at six');
    await (await bob.waitForSelector(`#${id}`, FIREFOX_WAIT))!.hover();
    await clickIn(bob, `#${id} ${role('button', 'Add a reaction')}`);
    await bob.waitForSelector(role('dialog', 'Choose an emoji'), FIREFOX_WAIT);
    await assertAccessible(bob, 'emoji picker in Firefox');
    await bob.keyboard.type('unicorn');
    await bob.waitForSelector(`${role('dialog', 'Choose an emoji')} ${role('option', 'unicorn')}`, FIREFOX_WAIT);
    await bob.keyboard.press('Enter');
    for (const page of [bob, ada]) await page.waitForSelector(`#${id} .reactions button.reaction ::-p-text(🦄)`, FIREFOX_WAIT);
    const scan = await scanForPlaintext(flint, ['🦄'], 'bob@fox.test');
    assert.ok(scan.controlInDatabase, 'the scan read the database');
    assert.deepEqual([...scan.inDatabase, ...scan.inFiles, ...scan.inLogs], []);
  });

  it('MS-4: Ada sends from Firefox and sees "Seen by Bob Babbage" once his Firefox shows it', LONG, async () => {
    await clickIn(ada, `.composer ${role('combobox', 'Write a message to Tide tables')}`);
    await ada.keyboard.type('Low water at noon');
    await ada.keyboard.press('Enter');
    await messageId(bob, 'Low water at noon');
    await seeText(ada, 'Seen by Bob Babbage', '.timeline');
  });

  it('MS-1: Bob flags a message in Firefox and finds it under Flagged', LONG, async () => {
    const id = await messageId(bob, 'Low water at noon');
    await (await bob.waitForSelector(`#${id}`, FIREFOX_WAIT))!.hover();
    await clickIn(bob, `#${id} ${role('button', 'Flag')}`);
    await bob.waitForSelector(`#${id} button[aria-label="Remove flag"][aria-pressed="true"]`, FIREFOX_WAIT);
    await bob.goto(`${flint.url}/#/flagged`);
    await seeText(bob, 'Low water at noon');
    await assertAccessible(bob, 'flagged messages in Firefox');
  });

  it('the open tab in Firefox shows a notification with the decrypted text when the space is not on screen', LONG, async () => {
    await bob.goto(`${flint.url}/#/settings`);
    await bob.waitForSelector('section[aria-labelledby="notifications-title"]', FIREFOX_WAIT);
    await seeText(bob, 'Browser notifications are allowed here.', 'section[aria-labelledby="notifications-title"]');
    await assertAccessible(bob, 'settings in Firefox');
    await adaNode.messages.send({ roomId, text: 'the open Firefox tab hears this' });
    const shown = await bob.waitForFunction(() => (window as unknown as { flintShown: Shown[] }).flintShown.find((n) => n.body.includes('the open Firefox tab hears this')), FIREFOX_WAIT);
    const n = (await shown.jsonValue()) as Shown;
    assert.equal(n.title, 'Tide tables');
    assert.equal(n.body, 'Ada Lovelace: the open Firefox tab hears this');
    assert.match(n.tag, /^flint:/);
  });

  it('ID-7, CP-5: Ada runs the admin console in Firefox: a role given and taken back, in the audit log with Firefox’s user agent', LONG, async () => {
    await ada.goto(`${flint.url}/#/`);
    await clickIn(ada, role('link', 'Administration'));
    await ada.waitForSelector(role('heading', 'People'), FIREFOX_WAIT);
    await clickIn(ada, role('button', 'Make administrator: bob@fox.test'));
    await clickIn(ada, role('button', 'Remove administrator: bob@fox.test'));
    await ada.waitForSelector(role('button', 'Make administrator: bob@fox.test'), FIREFOX_WAIT);
    await fillIn(ada, role('searchbox', 'Search people by name or e-mail'), 'cy@fox.test');
    await until('the search narrows the list', async () => ((await ada.$('tr ::-p-text(bob@fox.test)')) === null ? true : undefined));
    await seeText(ada, 'cy@fox.test', 'tr');
    await assertAccessible(ada, 'admin people in Firefox');
    await ada.screenshot({ path: `${SHOTS}firefox-admin-people.png` });
    await clickIn(ada, role('link', 'Audit log'));
    await seeText(ada, 'Ada Lovelace changed the roles of bob@fox.test', '[data-testid="audit-log"]');
    await assertAccessible(ada, 'admin audit log in Firefox');
    const orgId = (await people.ada.people.me()).orgId!;
    const hydraOrg = Buffer.from(`ciscospark://us/ORGANIZATION/${orgId}`).toString('base64url');
    const from = new Date(Date.now() - 3600_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const v1 = await raw(flint.url, 'GET', `/v1/adminAudit/events?orgId=${hydraOrg}&from=${from}&to=${to}`, { token: people.ada.transport.accessToken! });
    assert.equal(v1.status, 200);
    const roles = (v1.json as { items: { data: { actionText: string; actorUserAgent?: string } }[] }).items.filter((e) => e.data.actionText.includes('changed the roles of bob@fox.test'));
    assert.equal(roles.length, 2);
    assert.ok(roles.every((e) => /Firefox\//.test(e.data.actorUserAgent ?? '')), `Firefox’s user agent is recorded: ${roles.map((e) => e.data.actorUserAgent).join(', ')}`);
  });

  it('ID-6: Ada sets the org’s OpenID provider in Firefox; Cy signs in through it in Firefox, enrolls on first use and reads the space', LONG, async () => {
    await ada.goto(`${flint.url}/#/admin/sso`);
    await ada.waitForSelector(role('heading', 'Single sign-on'), FIREFOX_WAIT);
    await fillIn(ada, role('textbox', 'Issuer URL'), idp.issuer);
    await fillIn(ada, role('textbox', 'Client ID'), idp.clientId);
    // A password field has no textbox role (nor a name in the accessibility tree): found by its name.
    await (await ada.waitForSelector('input[name=clientSecret]', FIREFOX_WAIT))!.type(idp.clientSecret);
    await clickIn(ada, role('button', 'Save'));
    await seeText(ada, 'Single sign-on saved.');
    await assertAccessible(ada, 'admin single sign-on in Firefox');

    const context = await browser.createBrowserContext();
    const cy = await context.newPage();
    watch(cy, 'cy');
    await cy.setViewport({ width: 1280, height: 800 });
    await cy.goto(`${flint.url}/`);
    await fillIn(cy, role('textbox', 'E-mail'), 'cy@fox.test');
    await clickIn(cy, role('button', 'Continue with single sign-on'));
    await cy.waitForSelector(role('heading', 'Test IdP sign-in'), FIREFOX_WAIT);
    assert.ok(cy.url().startsWith(idp.issuer), cy.url());
    await fillIn(cy, role('textbox', 'IdP user'), 'cy');
    await (await cy.waitForSelector('input[type=password]', FIREFOX_WAIT))!.type('idp-pass-cy');
    await clickIn(cy, role('button', 'Sign in to the IdP'));
    await cy.waitForSelector('nav.sidebar', FIREFOX_WAIT);
    assert.ok(cy.url().startsWith(flint.url), cy.url());
    assert.deepEqual(idp.signIns, ['cy']);
    await cy.goto(`${flint.url}/#/space/${roomId}`);
    await messageId(cy, 'High water at six');
    const enrolled = await readKmsAudit({ dataDir: flint.config.kmsDataDir }, { userId: people.cy.session!.personId, action: 'device.enroll' });
    assert.deepEqual(enrolled.map((e) => e.detail), ['first-use']);
    await context.close();
  });

  it('Ada and Bob draw on a whiteboard in Firefox, each sees the other’s shape; Ada saves a sealed snapshot', LONG, async () => {
    const canvas = '.whiteboard-canvas';
    const drawRectangle = async (page: FirefoxPage, x: number, y: number) => {
      const box = (await (await page.waitForSelector(canvas, FIREFOX_WAIT))!.boundingBox())!;
      await clickIn(page, 'label:has([data-testid="toolbar-rectangle"])');
      await page.mouse.move(box.x + x, box.y + y);
      await page.mouse.down();
      await page.mouse.move(box.x + x + 120, box.y + y + 80, { steps: 8 });
      await page.mouse.up();
    };
    await ada.goto(`${flint.url}/#/space/${roomId}`);
    await clickIn(ada, role('link', 'Whiteboards'));
    await fillIn(ada, role('textbox', 'Whiteboard title'), 'Harbour map');
    await clickIn(ada, role('button', 'New whiteboard'));
    await ada.waitForSelector(`${canvas} canvas`, FIREFOX_WAIT);
    const boardId = /whiteboard\/([0-9a-f-]{36})/.exec(await ada.evaluate(() => window.location.hash))![1]!;
    await bob.goto(`${flint.url}/#/space/${roomId}/whiteboard/${boardId}`);
    await bob.waitForSelector(`${canvas} canvas`, FIREFOX_WAIT);

    await drawRectangle(ada, 560, 230);
    await seeText(bob, '1 shape on the board', '[data-testid="whiteboard-summary"]');
    await drawRectangle(bob, 860, 230);
    await seeText(ada, '2 shapes on the board', '[data-testid="whiteboard-summary"]');
    await ada.screenshot({ path: `${SHOTS}firefox-whiteboard.png` });

    await clickIn(ada, role('button', 'Save'));
    await ada.waitForSelector('::-p-text(Saved at )', FIREFOX_WAIT);
    const board = await flint.server.core.db.selectFrom('whiteboards').selectAll().where('id', '=', boardId).executeTakeFirstOrThrow();
    assert.ok(board.snapshot_state !== null && board.snapshot_state.split('.').length === 5, 'the state is a JWE');
    assert.ok(board.snapshot_thumbnail !== null && board.snapshot_thumbnail.split('.').length === 5, 'the thumbnail, drawn in Firefox, is a JWE');
    // As in Chromium (docs/whiteboards.md): the CSP refuses only Excalidraw's CDN fall-back fonts and its inline data: images.
    const csp = problems.filter((p) => p.includes('Content-Security-Policy'));
    assert.deepEqual(csp.filter((p) => !/\(font-src\) at https:\/\/esm\.sh\/@excalidraw\/excalidraw@[\d.]+\/dist\/prod\/fonts\/|\(img-src\) at data:image\/|Prevented too many CSP reports/.test(p)), []);
  });
  it('SEC-7: Ada requires an app passcode in the console’s policies (Firefox); Bob’s Firefox asks him to choose one, locks on reload with only ciphertext in IndexedDB, and counts a wrong try', LONG, async () => {
    await ada.goto(`${flint.url}/#/admin/policies`);
    await clickIn(ada, role('checkbox', 'Require an app passcode in the web app'));
    await clickIn(ada, `form ${role('button', 'Save')}`);
    await seeText(ada, 'Policies saved.');
    await assertAccessible(ada, 'admin policies in Firefox');

    await bob.goto(`${flint.url}/#/space/${roomId}`);
    await bob.reload();
    await bob.waitForSelector(role('heading', 'Choose a passcode'), FIREFOX_WAIT);
    await assertAccessible(bob, 'choose a passcode in Firefox');
    await (await bob.waitForSelector('input[name=passcode]', FIREFOX_WAIT))!.type(PASSCODE);
    await bob.type('input[name=passcode-again]', PASSCODE);
    await clickIn(bob, role('button', 'Set passcode'));
    await messageId(bob, 'High water at six');
    // The cache is written a second after a change: wait until it holds this space's messages, sealed with the passcode.
    await until('the space’s messages in the cache', async () => ((await indexedDbDump(bob)).keys.some((k) => k.startsWith('timeline:')) ? true : undefined));
    await new Promise((r) => setTimeout(r, 1500));

    await bob.reload();
    await bob.waitForSelector(role('heading', 'Enter your passcode'), FIREFOX_WAIT);
    assert.equal(await bob.$('nav.sidebar'), null, 'nothing behind the lock');
    await assertAccessible(bob, 'passcode lock in Firefox');
    const dump = await indexedDbDump(bob);
    assert.ok((dump.databases['flint-cache']?.['entries'] ?? 0) >= 2, `the cache holds entries: ${JSON.stringify(dump.databases)}`);
    for (const secret of ['Tide tables', 'High water at six', 'Low water at noon']) assert.ok(!dump.text.includes(secret), `"${secret}" in Firefox's IndexedDB in plaintext`);
    await (await bob.waitForSelector('input[name=passcode]', FIREFOX_WAIT))!.type('not-my-passcode');
    await clickIn(bob, role('button', 'Unlock'));
    await seeText(bob, 'Wrong passcode. 4 tries left');
    // A wrong try makes the next one wait half a second.
    await new Promise((r) => setTimeout(r, 700));
    await fillIn(bob, 'input[name=passcode]', PASSCODE);
    await clickIn(bob, role('button', 'Unlock'));
    await bob.waitForSelector('nav.sidebar', FIREFOX_WAIT);
    await messageId(bob, 'High water at six');
  });
  it('PL-1: no uncaught error in any Firefox page through all of the above (the CSP’s refusals of Excalidraw’s fall-backs aside)', () => {
    assert.deepEqual(problems.filter((p) => !p.includes('Content-Security-Policy')), []);
  });
});
