/**
 * The pure rules of OAuth integrations (issue 18): which redirect URIs may be registered, where the
 * grant key rides in a token, and which core routes an integration's scopes open. The flows run end
 * to end in tests/e2e/oauth.test.ts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { integrationGrantKey } from '@flint/protocol';
import { ApiError } from '../errors.ts';
import type { Actor } from './actor.ts';
import { redirectUriProblem } from './oauth.ts';
import { assertRouteScope, assertStreamScope, CORE_ROUTE_SCOPES } from './scopes.ts';
import { newGrantToken } from './tokens.ts';

const actor = (scopes?: string[]): Actor => ({ personId: 'p', orgId: 'o', sessionId: 's', type: 'person', isAdmin: false, isGuest: false, via: 'bearer', ...(scopes ? { scopes } : {}) });

describe('OAuth integrations: rules', () => {
  it('registers https:// redirect URIs, and http:// only on loopback; no fragment, no credentials', () => {
    for (const ok of ['https://app.example.test/cb', 'http://127.0.0.1:8123/cb', 'http://localhost/cb', 'http://[::1]:9000/cb?x=1']) assert.equal(redirectUriProblem(ok), undefined, ok);
    for (const bad of ['http://app.example.test/cb', 'https://app.example.test/cb#x', 'https://u:p@app.example.test/cb', 'javascript:alert(1)', 'not a url', 'ftp://127.0.0.1/cb', 'http://127.0.0.2.example.test/cb']) {
      assert.notEqual(redirectUriProblem(bad), undefined, bad);
    }
  });

  it('carries the grant key inside codes, refresh and access tokens, and finds none elsewhere', () => {
    const key = 'a'.repeat(64);
    for (const kind of ['code', 'refresh', 'access'] as const) assert.equal(integrationGrantKey(newGrantToken(kind, key, '0190a8f2-0000-7000-8000-000000000000')), key);
    const access = newGrantToken('access', key, '0190a8f2-0000-7000-8000-000000000000');
    // The Webex shape: exactly three `_`-separated parts, the org id last.
    assert.equal(access.split('_').length, 3);
    assert.equal(integrationGrantKey(`fla-${'b'.repeat(64)}_us_org`), undefined);
    assert.equal(integrationGrantKey(`flg-${'b'.repeat(64)}.${'A'.repeat(64)}_us_org`), undefined);
  });

  it('opens a core route only to the scopes listed for it; a person’s own token is not limited', () => {
    assert.doesNotThrow(() => assertRouteScope(actor(), 'sessions.list'));
    assert.doesNotThrow(() => assertRouteScope(actor(['spark:rooms_read']), 'people.me'));
    assert.doesNotThrow(() => assertRouteScope(actor(['spark:messages_write']), 'rooms.get'));
    assert.doesNotThrow(() => assertRouteScope(actor(['spark:messages_write']), 'messages.create'));
    const refused = (scopes: string[], method: string | undefined) =>
      assert.throws(() => assertRouteScope(actor(scopes), method), (e: unknown) => e instanceof ApiError && e.code === 'insufficient_scope' && e.status === 403);
    refused(['spark:messages_read'], 'messages.create');
    refused(['spark:rooms_read'], 'rooms.create');
    refused(['spark:people_read', 'spark:rooms_write', 'spark:kms'], 'sessions.list');
    refused(['spark:kms'], 'integrations.create');
    refused(['spark:kms'], 'scim.users.list');
    refused(['spark:kms'], undefined);
    refused(['spark:rooms_read'], 'encryption.kmsMessages');
    assert.throws(() => assertStreamScope(actor(['spark:messages_read'])));
    assert.doesNotThrow(() => assertStreamScope(actor(['spark:kms'])));
    // Nothing administrative, and nothing about sessions or integrations, is open to integrations.
    for (const id of Object.keys(CORE_ROUTE_SCOPES)) assert.ok(!/^(admin|sessions|auth\.(webToken|logout)|oauth\.|integrations\.|people\.(create|update|deactivate|changePassword|deleteAccount)|webhooks)/.test(id), id);
  });
});
