/**
 * OAuth 2.0 integrations (issue 18, SPEC ID-9) end to end, with a real OAuth client (oauth4webapi)
 * whose redirect URI is a server on loopback: a person registers an integration; another person,
 * signed in with the web session cookie, allows it on the consent page's API (their enrolled
 * device approving the grant's KMS key, as the web app does); the client gets a code through its
 * redirect URI, exchanges it with PKCE, calls `/v1/messages` within its scopes (sealed and opened
 * through the gateway with the person's keys), is refused with a Webex-shaped 403 outside them
 * (gateway and core alike), refreshes (the refresh token rotates; a spent one revokes the grant),
 * and stops working the moment the person revokes it. Bad inputs get OAuth-shaped errors and change
 * nothing. Runs on SQLite, or on PostgreSQL when FLINT_TEST_DATABASE_URL is set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import * as oauth from 'oauth4webapi';
import { oauth as oauthApi } from '@flint/protocol';
import { newDeviceSecret, passwordCredential, type FlintClient, type Session } from '@flint/sdk';
import { changedTables, NodeWebSocket, raw, settledDigest, startFlint, TEST_PASSWORD, type TestFlint } from '@flint/testkit';

const insecure = { [oauth.allowInsecureRequests]: true } as const;

/** The integration's redirect URI: a loopback server that keeps what each redirect carried. */
async function startRedirectReceiver(): Promise<{ url: string; received: URL[]; close(): Promise<void> }> {
  const received: URL[] = [];
  const server: Server = createServer((req, res) => {
    received.push(new URL(req.url ?? '/', `http://127.0.0.1:${(server.address() as AddressInfo).port}`));
    res.writeHead(200, { 'content-type': 'text/plain' }).end('You can close this window.');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}/callback`, received, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('OAuth integrations: code flow with PKCE, scopes, refresh, revocation', () => {
  let flint: TestFlint;
  let receiver: Awaited<ReturnType<typeof startRedirectReceiver>>;
  let dev: FlintClient;
  let adaClient: FlintClient;
  let ada: Session;
  let adaCookie = '';
  let roomId = '';
  let integration: { id: string; clientId: string };
  let clientSecret = '';
  let as: oauth.AuthorizationServer;
  let client: oauth.Client;
  let clientAuth: oauth.ClientAuth;
  let accessToken = '';
  let refreshToken = '';

  /** What the web app's consent page does: approve the grant key's KMS device, then allow. */
  async function consentAs(cookie: string, session: Session, query: URLSearchParams, allow = true): Promise<string> {
    const grantKey = randomBytes(32).toString('hex');
    if (allow && (query.get('scope') ?? '').split(' ').includes('spark:kms')) await session.approveToken(grantKey, `integration:${integration.id}`);
    const body: Record<string, unknown> = { clientId: query.get('client_id'), redirectUri: query.get('redirect_uri'), scope: query.get('scope'), allow };
    for (const [k, name] of [['state', 'state'], ['codeChallenge', 'code_challenge'], ['codeChallengeMethod', 'code_challenge_method']] as const) {
      const v = query.get(name);
      if (v !== null) body[k] = v;
    }
    if (allow) body['kmsGrant'] = grantKey;
    const answer = await raw(flint.url, 'POST', '/api/oauth/consent', { headers: { cookie, 'x-flint-csrf': '1' }, body });
    assert.equal(answer.status, 200, answer.text);
    return (answer.json as { redirectTo: string }).redirectTo;
  }

  /** The whole authorization request, as a browser would follow it; answers the client's callback URL. */
  async function authorize(scope: string, state: string, codeChallenge: string): Promise<URL> {
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({ response_type: 'code', client_id: integration.clientId, redirect_uri: receiver.url, scope, state, code_challenge: codeChallenge, code_challenge_method: 'S256' }).toString();
    const first = await fetch(url, { redirect: 'manual' });
    assert.equal(first.status, 302);
    const location = first.headers.get('location') ?? '';
    assert.ok(location.startsWith(`${flint.url}/#/oauth/authorize?`), location);
    const query = new URLSearchParams(location.split('?')[1]);
    const redirectTo = await consentAs(adaCookie, ada, query);
    assert.ok(redirectTo.startsWith(receiver.url + '?'), redirectTo);
    const before = receiver.received.length;
    await fetch(redirectTo);
    assert.equal(receiver.received.length, before + 1);
    return receiver.received.at(-1)!;
  }

  before(async () => {
    flint = await startFlint();
    receiver = await startRedirectReceiver();
    dev = await flint.signup({ email: 'dev@example.com', displayName: 'Dev Eloper' });
    adaClient = await flint.signup({ email: 'ada@example.com', displayName: 'Ada Lovelace' });
    const adaId = adaClient.session!.personId;
    ada = await flint.connect(adaClient, { deviceId: 'ada-laptop', kmsCredential: { device: newDeviceSecret(), password: await passwordCredential(TEST_PASSWORD, adaId) } });
    roomId = (await ada.spaces.create({ title: 'Launch plans' })).id;
    await ada.messages.send({ roomId, text: 'The launch is on Tuesday.' });
    const login = await raw(flint.url, 'POST', '/api/auth/login', { body: { email: 'ada@example.com', password: TEST_PASSWORD } });
    adaCookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    assert.match(adaCookie, /^flint_session=/);

    const made = await dev.transport.call(oauthApi.createIntegration, {
      body: { name: 'Standup Bot', redirectUris: [receiver.url], scopes: ['spark:messages_read', 'spark:messages_write', 'spark:rooms_read', 'spark:kms', 'spark:people_read'] },
    });
    integration = made.integration;
    clientSecret = made.clientSecret;
    as = { issuer: flint.url, authorization_endpoint: `${flint.url}/v1/authorize`, token_endpoint: `${flint.url}/v1/access_token`, revocation_endpoint: `${flint.url}/v1/revoke` };
    client = { client_id: integration.clientId };
    clientAuth = oauth.ClientSecretPost(clientSecret);
  });

  after(async () => {
    ada?.close();
    await receiver?.close();
    await flint?.stop();
  });

  it('registers an integration: the secret is shown once and stored only as a hash', async () => {
    assert.match(integration.clientId, /^C[0-9a-f]{64}$/);
    assert.match(clientSecret, /^[0-9a-f]{64}$/);
    const listed = await raw(flint.url, 'GET', '/api/integrations', { token: dev.session!.accessToken });
    assert.equal(listed.status, 200);
    assert.ok(!listed.text.includes(clientSecret));
    assert.ok(!flint.logText().includes(clientSecret));
    // A redirect URI that is neither https:// nor loopback http:// is refused.
    const bad = await raw(flint.url, 'POST', '/api/integrations', { token: dev.session!.accessToken, body: { name: 'X', redirectUris: ['http://example.test/cb'], scopes: ['spark:kms'] } });
    assert.equal(bad.status, 400);
  });

  it('the code flow with PKCE gives a token that works within its scopes through /v1', async () => {
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const callback = await authorize('spark:messages_read spark:messages_write spark:rooms_read spark:kms', state, await oauth.calculatePKCECodeChallenge(verifier));
    const params = oauth.validateAuthResponse(as, client, callback, state);
    const response = await oauth.authorizationCodeGrantRequest(as, client, clientAuth, params, receiver.url, verifier, insecure);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, response);
    accessToken = tokens.access_token;
    refreshToken = tokens.refresh_token!;
    assert.equal(tokens.token_type.toLowerCase(), 'bearer');
    assert.equal(tokens.scope, 'spark:rooms_read spark:messages_read spark:messages_write spark:kms');
    // The Webex token shape: <secret>_<cluster>_<orgId>.
    assert.equal(accessToken.split('_').length, 3);

    const listed = await raw(flint.url, 'GET', `/v1/messages?roomId=${encodeURIComponent(roomId)}`, { token: accessToken });
    assert.equal(listed.status, 200, listed.text);
    const items = (listed.json as { items: { text?: string }[] }).items;
    assert.ok(items.some((m) => m.text === 'The launch is on Tuesday.'));
    const posted = await raw(flint.url, 'POST', '/v1/messages', { token: accessToken, body: { roomId, text: 'Posted by Standup Bot for Ada' } });
    assert.equal(posted.status, 200, posted.text);
    const rooms = await raw(flint.url, 'GET', '/v1/rooms', { token: accessToken });
    assert.equal(rooms.status, 200, rooms.text);
    // Ada reads it in her own client: it was sealed with the space's key.
    const seen = await ada.messages.list({ roomId });
    assert.ok(seen.items.some((m) => m.text === 'Posted by Standup Bot for Ada'));
  });

  it('a route outside the token’s scopes is refused with a Webex-shaped 403, at the gateway and at the core', async () => {
    for (const [method, path, body] of [
      ['GET', '/v1/people?email=ada%40example.com', undefined],
      ['GET', '/v1/memberships', undefined],
      ['POST', '/v1/rooms', { title: 'Not allowed' }],
      ['GET', '/v1/webhooks', undefined],
      ['GET', '/v1/teams', undefined],
    ] as const) {
      const refused = await raw(flint.url, method, path, { token: accessToken, ...(body ? { body } : {}) });
      assert.equal(refused.status, 403, `${method} ${path}: ${refused.text}`);
      const e = refused.json as { message: string; errors: { description: string }[]; trackingId: string; code: string };
      assert.equal(e.code, 'insufficient_scope');
      assert.ok(e.message.length > 0 && e.errors.length > 0 && e.trackingId.length > 0);
    }
    // The native API directly: the same scopes hold, and what no scope opens is closed.
    for (const [method, path] of [
      ['GET', '/api/sessions'],
      ['POST', '/api/rooms'],
      ['GET', '/api/integrations'],
      ['GET', '/api/oauth/grants'],
      ['POST', '/api/auth/web-token'],
      ['GET', '/api/webhooks'],
    ] as const) {
      const refused = await raw(flint.url, method, path, { token: accessToken, ...(method === 'POST' ? { body: {} } : {}) });
      assert.equal(refused.status, 403, `${method} ${path}: ${refused.text}`);
      assert.equal((refused.json as { code: string }).code, 'insufficient_scope');
    }
    // Its refresh token does not work at the native refresh (which would mint an unscoped token).
    const native = await raw(flint.url, 'POST', '/api/auth/refresh', { body: { refreshToken } });
    assert.equal(native.status, 401);
  });

  it('without spark:kms the integration gets no KMS token and no event stream', async () => {
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const callback = await authorize('spark:rooms_read', state, await oauth.calculatePKCECodeChallenge(verifier));
    const params = oauth.validateAuthResponse(as, client, callback, state);
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, await oauth.authorizationCodeGrantRequest(as, client, clientAuth, params, receiver.url, verifier, insecure));
    const rooms = await raw(flint.url, 'GET', '/v1/rooms', { token: tokens.access_token });
    assert.equal(rooms.status, 200, rooms.text);
    const exchange = await raw(flint.url, 'POST', '/api/auth/token', {
      contentType: 'application/x-www-form-urlencoded',
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: tokens.access_token, subject_token_type: 'urn:ietf:params:oauth:token-type:access_token', scope: 'spark:kms' }).toString(),
    });
    assert.equal(exchange.status, 403, exchange.text);
    const kmsInfo = await raw(flint.url, 'GET', `/encryption/api/v1/kms/${adaClient.session!.personId}`, { token: tokens.access_token });
    assert.equal(kmsInfo.status, 403);
    const ws = new NodeWebSocket(flint.url.replace('http', 'ws') + '/api/events');
    const closed = await new Promise<{ code: number }>((resolve) => {
      ws.onopen = () => ws.send(JSON.stringify({ type: 'hello', token: tokens.access_token }));
      ws.onclose = (e: { code: number }) => resolve({ code: e.code });
    });
    assert.equal(closed.code, 4401);
  });

  it('refreshes: the refresh token rotates, the old access token keeps its life, a spent refresh token revokes the grant', async () => {
    const refreshed = await oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, clientAuth, refreshToken, insecure));
    assert.notEqual(refreshed.refresh_token, refreshToken);
    assert.notEqual(refreshed.access_token, accessToken);
    // The new token reaches the same KMS device (the grant key), so content still opens.
    const listed = await raw(flint.url, 'GET', `/v1/messages?roomId=${encodeURIComponent(roomId)}`, { token: refreshed.access_token });
    assert.equal(listed.status, 200, listed.text);
    // Presenting the spent refresh token again: refused, and the grant it belonged to ends.
    const replay = await raw(flint.url, 'POST', '/v1/access_token', {
      contentType: 'application/x-www-form-urlencoded',
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: integration.clientId, client_secret: clientSecret }).toString(),
    });
    assert.equal(replay.status, 400);
    assert.equal((replay.json as { error: string }).error, 'invalid_grant');
    assert.equal((await raw(flint.url, 'GET', '/v1/rooms', { token: refreshed.access_token })).status, 401);
  });

  it('bad inputs get OAuth-shaped errors and change nothing', async () => {
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const callback = await authorize('spark:messages_read spark:kms', state, await oauth.calculatePKCECodeChallenge(verifier));
    const code = callback.searchParams.get('code')!;
    const form = (fields: Record<string, string>) => ({ contentType: 'application/x-www-form-urlencoded', body: new URLSearchParams(fields).toString() });
    const good = { grant_type: 'authorization_code', code, redirect_uri: receiver.url, code_verifier: verifier, client_id: integration.clientId, client_secret: clientSecret };
    const before = await settledDigest(flint);
    const cases: [string, Record<string, string>, number, string][] = [
      ['wrong verifier', { ...good, code_verifier: oauth.generateRandomCodeVerifier() }, 400, 'invalid_grant'],
      ['no verifier', { ...good, code_verifier: '' }, 400, 'invalid_grant'],
      ['wrong redirect URI', { ...good, redirect_uri: receiver.url + '/other' }, 400, 'invalid_grant'],
      ['unknown client', { ...good, client_id: 'C' + '0'.repeat(64) }, 401, 'invalid_client'],
      ['wrong secret', { ...good, client_secret: '0'.repeat(64) }, 401, 'invalid_client'],
      ['unknown code', { ...good, code: 'flo-' + '1'.repeat(64) + '.' + '2'.repeat(64) }, 400, 'invalid_grant'],
      ['bad grant type', { ...good, grant_type: 'password' }, 400, 'unsupported_grant_type'],
      ['no grant type', { code }, 400, 'invalid_request'],
      ['NUL in a parameter', { ...good, redirect_uri: receiver.url + '\u0000' }, 400, 'invalid_request'],
    ];
    for (const [what, fields, status, error] of cases) {
      const answer = await raw(flint.url, 'POST', '/v1/access_token', form(fields));
      assert.equal(answer.status, status, `${what}: ${answer.text}`);
      const body = answer.json as { error: string; error_description: string };
      assert.equal(body.error, error, what);
      assert.ok(body.error_description.length > 0, what);
    }
    // The authorization endpoint: an unknown client or an unregistered redirect URI is answered, never redirected.
    const authorizeWith = (fields: Record<string, string>) => fetch(`${flint.url}/v1/authorize?${new URLSearchParams(fields).toString()}`, { redirect: 'manual' });
    const base = { response_type: 'code', client_id: integration.clientId, redirect_uri: receiver.url, scope: 'spark:kms', state: 's' };
    const unknownClient = await authorizeWith({ ...base, client_id: 'Cnope' });
    assert.equal(unknownClient.status, 400);
    assert.equal(((await unknownClient.json()) as { error: string }).error, 'invalid_client');
    const wrongRedirect = await authorizeWith({ ...base, redirect_uri: 'https://attacker.test/cb' });
    assert.equal(wrongRedirect.status, 400);
    assert.equal(((await wrongRedirect.json()) as { error: string }).error, 'invalid_request');
    // Errors the client should hear go back to its redirect URI, with the state.
    const badScope = await authorizeWith({ ...base, scope: 'spark:memberships_write' });
    assert.equal(badScope.status, 302);
    const back = new URL(badScope.headers.get('location')!);
    assert.equal(back.searchParams.get('error'), 'invalid_scope');
    assert.equal(back.searchParams.get('state'), 's');
    const plain = await authorizeWith({ ...base, code_challenge: 'x'.repeat(43), code_challenge_method: 'plain' });
    assert.equal(new URL(plain.headers.get('location')!).searchParams.get('error'), 'invalid_request');
    assert.deepEqual(changedTables(before, await settledDigest(flint)), []);

    // The good exchange still works (nothing above spent the code); the same code again does not.
    const first = await raw(flint.url, 'POST', '/v1/access_token', form(good));
    assert.equal(first.status, 200, first.text);
    const afterFirst = await settledDigest(flint);
    const reused = await raw(flint.url, 'POST', '/v1/access_token', form(good));
    assert.equal(reused.status, 400);
    assert.equal((reused.json as { error: string }).error, 'invalid_grant');
    assert.deepEqual(changedTables(afterFirst, await settledDigest(flint)), []);
    // Client authentication by HTTP Basic works too, and a wrong one says so with WWW-Authenticate.
    const basic = await raw(flint.url, 'POST', '/v1/access_token', {
      ...form({ grant_type: 'refresh_token', refresh_token: (first.json as { refresh_token: string }).refresh_token }),
      headers: { authorization: `Basic ${Buffer.from(`${integration.clientId}:wrong`).toString('base64')}` },
    });
    assert.equal(basic.status, 401);
    assert.match(basic.headers.get('www-authenticate') ?? '', /^Basic/);
  });

  it('the person sees the integration they allowed and revokes it: its tokens stop at once', async () => {
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const callback = await authorize('spark:messages_read spark:kms', state, await oauth.calculatePKCECodeChallenge(verifier));
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, await oauth.authorizationCodeGrantRequest(as, client, clientAuth, oauth.validateAuthResponse(as, client, callback, state), receiver.url, verifier, insecure));
    assert.equal((await raw(flint.url, 'GET', `/v1/messages?roomId=${encodeURIComponent(roomId)}`, { token: tokens.access_token })).status, 200);
    const grants = await raw(flint.url, 'GET', '/api/oauth/grants', { token: adaClient.session!.accessToken });
    const items = (grants.json as { items: { integrationId: string; name: string; scopes: string[] }[] }).items;
    assert.equal(items.length, 1);
    assert.equal(items[0]!.name, 'Standup Bot');
    assert.ok(items[0]!.scopes.includes('spark:messages_read'));
    // Her own sessions list does not mix them in.
    const sessions = await raw(flint.url, 'GET', '/api/sessions', { token: adaClient.session!.accessToken });
    assert.ok(!(sessions.json as { items: { kind: string }[] }).items.some((s) => s.kind === 'oauth'));

    const revoked = await raw(flint.url, 'DELETE', `/api/oauth/grants/${integration.id}`, { token: adaClient.session!.accessToken });
    assert.equal(revoked.status, 204);
    assert.equal((await raw(flint.url, 'GET', `/v1/messages?roomId=${encodeURIComponent(roomId)}`, { token: tokens.access_token })).status, 401);
    const refresh = await oauth.refreshTokenGrantRequest(as, client, clientAuth, tokens.refresh_token!, insecure);
    assert.equal(refresh.status, 400);
    assert.equal(((await raw(flint.url, 'GET', '/api/oauth/grants', { token: adaClient.session!.accessToken })).json as { items: unknown[] }).items.length, 0);
    assert.equal((await raw(flint.url, 'DELETE', `/api/oauth/grants/${integration.id}`, { token: adaClient.session!.accessToken })).status, 404);
  });

  it('the integration revokes its own token (RFC 7009); denying consent sends access_denied back', async () => {
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const callback = await authorize('spark:rooms_read', state, await oauth.calculatePKCECodeChallenge(verifier));
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, await oauth.authorizationCodeGrantRequest(as, client, clientAuth, oauth.validateAuthResponse(as, client, callback, state), receiver.url, verifier, insecure));
    await oauth.processRevocationResponse(await oauth.revocationRequest(as, client, clientAuth, tokens.refresh_token!, insecure));
    assert.equal((await raw(flint.url, 'GET', '/v1/rooms', { token: tokens.access_token })).status, 401);

    const query = new URLSearchParams({ client_id: integration.clientId, redirect_uri: receiver.url, scope: 'spark:rooms_read', state: 'deny-me' });
    const denied = new URL(await consentAs(adaCookie, ada, query, false));
    assert.equal(denied.searchParams.get('error'), 'access_denied');
    assert.equal(denied.searchParams.get('state'), 'deny-me');
    assert.equal(denied.searchParams.get('code'), null);
    // A bearer token cannot consent: only the web session can.
    const byToken = await raw(flint.url, 'POST', '/api/oauth/consent', { token: adaClient.session!.accessToken, body: { clientId: integration.clientId, redirectUri: receiver.url, scope: 'spark:rooms_read', allow: true } });
    assert.equal(byToken.status, 403);
  });

  it('deleting the integration ends every grant it holds', async () => {
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const callback = await authorize('spark:rooms_read', state, await oauth.calculatePKCECodeChallenge(verifier));
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, await oauth.authorizationCodeGrantRequest(as, client, clientAuth, oauth.validateAuthResponse(as, client, callback, state), receiver.url, verifier, insecure));
    assert.equal((await raw(flint.url, 'DELETE', `/api/integrations/${integration.id}`, { token: adaClient.session!.accessToken })).status, 404);
    assert.equal((await raw(flint.url, 'DELETE', `/api/integrations/${integration.id}`, { token: dev.session!.accessToken })).status, 204);
    assert.equal((await raw(flint.url, 'GET', '/v1/rooms', { token: tokens.access_token })).status, 401);
    const again = await oauth.refreshTokenGrantRequest(as, client, clientAuth, tokens.refresh_token!, insecure);
    assert.equal(again.status, 401);
  });

  it('an account deleted takes its integrations with it: every grant they held ends', async () => {
    const cy = await flint.signup({ email: 'cy@example.com', displayName: 'Cy Leaving' });
    const made = await cy.transport.call(oauthApi.createIntegration, { body: { name: 'Leaving Bot', redirectUris: [receiver.url], scopes: ['spark:rooms_read'] } });
    integration = made.integration;
    const leaving: oauth.Client = { client_id: made.integration.clientId };
    const leavingAuth = oauth.ClientSecretPost(made.clientSecret);
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const callback = await authorize('spark:rooms_read', state, await oauth.calculatePKCECodeChallenge(verifier));
    const tokens = await oauth.processAuthorizationCodeResponse(as, leaving, await oauth.authorizationCodeGrantRequest(as, leaving, leavingAuth, oauth.validateAuthResponse(as, leaving, callback, state), receiver.url, verifier, insecure));
    assert.equal((await raw(flint.url, 'GET', '/v1/rooms', { token: tokens.access_token })).status, 200);
    const deleted = await raw(flint.url, 'POST', '/api/people/me/delete', { token: cy.session!.accessToken, body: { email: 'cy@example.com' } });
    assert.equal(deleted.status, 200, deleted.text);
    assert.equal((await raw(flint.url, 'GET', '/v1/rooms', { token: tokens.access_token })).status, 401);
    const refresh = await oauth.refreshTokenGrantRequest(as, leaving, leavingAuth, tokens.refresh_token!, insecure);
    assert.equal(refresh.status, 401);
  });
});
