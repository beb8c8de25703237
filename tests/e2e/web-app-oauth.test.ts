/**
 * OAuth integrations in a real Chromium (issue 18, SPEC ID-9): a developer registers an
 * integration on "My integrations" (name, a loopback redirect URI, scopes, a logo; the client
 * secret is shown once); a real OAuth client (oauth4webapi) sends Ada's browser to `/v1/authorize`;
 * the consent page shows the integration's name, logo and scopes in words; Ada allows it, her
 * browser lands on the client's redirect URI with a code, and the client exchanges it (PKCE),
 * posts to `/v1/messages` within its scopes and is refused outside them; Ada then revokes it in
 * Settings and its access and refresh tokens stop working at once. Denying sends `access_denied`
 * back. Each screen passes axe, with screenshots under test-results/web/. Runs on SQLite, or on
 * PostgreSQL when FLINT_TEST_DATABASE_URL is set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import * as oauth from 'oauth4webapi';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { newDeviceSecret, passwordCredential, type Session } from '@flint/sdk';
import { assertAccessible, launchChromium, PAGE_WAIT, raw, signInPage, startFlint, TEST_PASSWORD, webDist, type TestFlint } from '@flint/testkit';

const SHOTS = fileURLToPath(new URL('../../test-results/web/', import.meta.url));
const insecure = { [oauth.allowInsecureRequests]: true } as const;

async function logoPng(): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96"><rect width="96" height="96" rx="18" fill="#17bebb"/><circle cx="48" cy="48" r="26" fill="#ffc914"/></svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

describe('web app: register an integration, consent, revoke (Chromium)', () => {
  let flint: TestFlint;
  let browser: Browser;
  let server: Server;
  let redirectUri = '';
  const received: URL[] = [];
  let devContext: BrowserContext;
  let dev: Page;
  let adaContext: BrowserContext;
  let ada: Page;
  let adaSdk: Session;
  let roomId = '';
  let clientId = '';
  let clientSecret = '';
  let tokens: { access_token: string; refresh_token?: string };

  const as = (): oauth.AuthorizationServer => ({ issuer: flint.url, authorization_endpoint: `${flint.url}/v1/authorize`, token_endpoint: `${flint.url}/v1/access_token` });

  /** Sends Ada's browser to the authorization URL and waits for the consent page. */
  async function startAuthorization(scope: string, state: string, challenge: string): Promise<void> {
    const url = new URL(`${flint.url}/v1/authorize`);
    url.search = new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope, state, code_challenge: challenge, code_challenge_method: 'S256' }).toString();
    await ada.goto(url.toString());
    await ada.getByRole('heading', { name: 'Standup Bot wants to act for you in Flint' }).waitFor(PAGE_WAIT);
  }

  async function waitForRedirect(count: number): Promise<URL> {
    await ada.waitForURL((u) => u.toString().startsWith(redirectUri), PAGE_WAIT);
    await ada.getByText('Done.').waitFor(PAGE_WAIT);
    assert.equal(received.length, count);
    return received.at(-1)!;
  }

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      // Only the redirects count (the browser also asks for a favicon).
      if (url.pathname === '/callback') received.push(url);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>Standup Bot</title><p>Done.</p>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    redirectUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`;
    flint = await startFlint({ webRoot: webDist() });
    await flint.signup({ email: 'dev@example.com', displayName: 'Dev Eloper' });
    const adaApi = await flint.signup({ email: 'ada@example.com', displayName: 'Ada Lovelace' });
    adaSdk = await flint.connect(adaApi, { deviceId: 'ada-node', kmsCredential: { device: newDeviceSecret(), password: await passwordCredential(TEST_PASSWORD, adaApi.session!.personId) } });
    roomId = (await adaSdk.spaces.create({ title: 'Standups' })).id;
    browser = await launchChromium();
    devContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    dev = await devContext.newPage();
    adaContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    ada = await adaContext.newPage();
    await signInPage(dev, flint.url, 'dev@example.com');
    await signInPage(ada, flint.url, 'ada@example.com');
  });

  after(async () => {
    adaSdk?.close();
    await browser?.close();
    await flint?.stop();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  it('a developer registers an integration; the secret is shown once', async () => {
    await dev.goto(`${flint.url}/#/settings`);
    await dev.getByRole('heading', { name: 'Integrations you allowed' }).waitFor(PAGE_WAIT);
    await dev.getByRole('link', { name: 'Register your own integrations (developers)' }).click();
    await dev.getByRole('heading', { name: 'Register an integration' }).waitFor(PAGE_WAIT);
    await dev.getByText('You have not registered any integration.').waitFor(PAGE_WAIT);
    await dev.getByLabel('Integration name').fill('Standup Bot');
    // A redirect URI that is neither https:// nor loopback is refused, and the form says why.
    await dev.getByLabel(/^Redirect URIs/).fill('http://bot.example.test/callback');
    await dev.getByRole('button', { name: 'Register an integration' }).click();
    await dev.getByRole('alert').filter({ hasText: 'must be https://' }).waitFor(PAGE_WAIT);
    await dev.getByLabel(/^Redirect URIs/).fill(redirectUri);
    await dev.getByLabel(/^Logo/).setInputFiles({ name: 'bot.png', mimeType: 'image/png', buffer: await logoPng() });
    await dev.getByRole('button', { name: 'Register an integration' }).click();
    await dev.getByRole('heading', { name: 'Standup Bot is registered' }).waitFor(PAGE_WAIT);
    clientId = (await dev.getByTestId('client-id').textContent()) ?? '';
    clientSecret = (await dev.getByTestId('client-secret').textContent()) ?? '';
    assert.match(clientId, /^C[0-9a-f]{64}$/);
    assert.match(clientSecret, /^[0-9a-f]{64}$/);
    await dev.locator('li img.integration-logo').waitFor(PAGE_WAIT);
    await assertAccessible(dev, 'my integrations');
    await dev.screenshot({ path: `${SHOTS}oauth-my-integrations.png`, fullPage: true });
    // Shown once: after a reload the secret is nowhere on the page.
    await dev.reload();
    await dev.getByRole('heading', { name: 'Register an integration' }).waitFor(PAGE_WAIT);
    await dev.getByText(clientId).waitFor(PAGE_WAIT);
    assert.ok(!(await dev.content()).includes(clientSecret));
  });

  it('Ada allows it on the consent page; the client gets a token that works within its scopes', async () => {
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    await startAuthorization('spark:messages_read spark:messages_write spark:rooms_read spark:kms', state, await oauth.calculatePKCECodeChallenge(verifier));
    await ada.getByText('An integration registered by Dev Eloper').waitFor(PAGE_WAIT);
    for (const words of ['Read the messages and files in your spaces', 'Send, edit and delete messages as you', 'See the spaces you are in', 'Use your encryption keys (needed to read or send messages)']) {
      await ada.getByText(words).waitFor(PAGE_WAIT);
    }
    await ada.waitForFunction(() => (document.querySelector<HTMLImageElement>('img.integration-logo')?.naturalWidth ?? 0) > 0, undefined, PAGE_WAIT);
    await assertAccessible(ada, 'consent page');
    await ada.screenshot({ path: `${SHOTS}oauth-consent.png`, fullPage: true });
    await ada.getByRole('button', { name: 'Allow' }).click();
    const callback = await waitForRedirect(1);
    assert.equal(callback.searchParams.get('state'), state);

    const client: oauth.Client = { client_id: clientId };
    const params = oauth.validateAuthResponse(as(), client, callback, state);
    tokens = await oauth.processAuthorizationCodeResponse(as(), client, await oauth.authorizationCodeGrantRequest(as(), client, oauth.ClientSecretPost(clientSecret), params, redirectUri, verifier, insecure));
    const posted = await raw(flint.url, 'POST', '/v1/messages', { token: tokens.access_token, body: { roomId, text: 'Standup: all green' } });
    assert.equal(posted.status, 200, posted.text);
    const read = await raw(flint.url, 'GET', `/v1/messages?roomId=${encodeURIComponent(roomId)}`, { token: tokens.access_token });
    assert.ok((read.json as { items: { text?: string }[] }).items.some((m) => m.text === 'Standup: all green'));
    const refused = await raw(flint.url, 'GET', '/v1/memberships', { token: tokens.access_token });
    assert.equal(refused.status, 403);
    assert.equal((refused.json as { code: string }).code, 'insufficient_scope');
    // Ada's own browser shows what the integration posted, decrypted.
    await ada.goto(`${flint.url}/#/space/${roomId}`);
    await ada.locator('.timeline').getByText('Standup: all green').waitFor(PAGE_WAIT);
  });

  it('Ada revokes it in Settings: its access and refresh tokens stop at once', async () => {
    await ada.goto(`${flint.url}/#/settings`);
    const section = ada.locator('section', { has: ada.getByRole('heading', { name: 'Integrations you allowed' }) });
    await section.getByText('Standup Bot').waitFor(PAGE_WAIT);
    await section.getByText('Read the messages and files in your spaces').waitFor(PAGE_WAIT);
    await assertAccessible(ada, 'settings with an allowed integration');
    await section.screenshot({ path: `${SHOTS}oauth-allowed.png` });
    await section.getByRole('button', { name: 'Revoke access of Standup Bot' }).click();
    await section.getByText('Standup Bot can no longer act for you.').waitFor(PAGE_WAIT);
    await section.getByText('You have not allowed any integration.').waitFor(PAGE_WAIT);
    assert.equal((await raw(flint.url, 'GET', `/v1/messages?roomId=${encodeURIComponent(roomId)}`, { token: tokens.access_token })).status, 401);
    const client: oauth.Client = { client_id: clientId };
    const refresh = await oauth.refreshTokenGrantRequest(as(), client, oauth.ClientSecretPost(clientSecret), tokens.refresh_token!, insecure);
    assert.equal(refresh.status, 400);
    // Its grant key's KMS device went with it.
    const devices = await adaSdk.kmsDevices();
    assert.ok(!devices.some((d) => d.label?.startsWith('integration:')), JSON.stringify(devices));
  });

  it('signed out, the person signs in first and lands on the consent page; denying sends access_denied back, with no code', async () => {
    const state = oauth.generateRandomState();
    // A browser where Ada is not signed in: the sign-in page, then the consent page.
    await adaContext.close();
    adaContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    ada = await adaContext.newPage();
    const url = new URL(`${flint.url}/v1/authorize`);
    url.search = new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope: 'spark:rooms_read', state }).toString();
    await ada.goto(url.toString());
    await ada.locator('input[type=email]').fill('ada@example.com');
    await ada.locator('input[type=password]').fill(TEST_PASSWORD);
    await ada.getByRole('button', { name: 'Sign in' }).click();
    await ada.getByRole('heading', { name: 'Standup Bot wants to act for you in Flint' }).waitFor(PAGE_WAIT);
    await ada.getByRole('button', { name: 'Deny' }).click();
    const callback = await waitForRedirect(2);
    assert.equal(callback.searchParams.get('error'), 'access_denied');
    assert.equal(callback.searchParams.get('state'), state);
    assert.equal(callback.searchParams.get('code'), null);
  });

  it('a request naming a redirect URI the integration did not register is answered, never redirected', async () => {
    await ada.goto(`${flint.url}/v1/authorize?response_type=code&client_id=${clientId}&redirect_uri=${encodeURIComponent('https://attacker.test/cb')}&scope=spark%3Arooms_read`);
    assert.ok(ada.url().startsWith(flint.url), ada.url());
    assert.match((await ada.textContent('body')) ?? '', /invalid_request/);
  });
});
