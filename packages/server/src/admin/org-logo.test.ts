/**
 * The organization's logo (issue 16): an admin uploads a PNG, JPEG or WebP image; it is re-encoded
 * to WebP (at most 512×512) and every member of the org gets it, with nosniff; the wrong type, an
 * SVG, bytes that are not the claimed image, or more than 256 KiB are refused with a 4xx and change
 * nothing; removal leaves the name alone; both changes are in the admin audit log; members and other
 * orgs cannot change it, and other orgs cannot read it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import type { FlintClient } from '@flint/sdk';
import { LIMITS, type AuditEvent, type Organization } from '@flint/protocol';
import { raw, sampleImage, startFlint, type TestFlint } from '@flint/testkit';

describe('organization logo', () => {
  let flint: TestFlint;
  let ada: FlintClient;
  let bob: FlintClient;
  let zed: FlintClient;
  let orgId: string;

  before(async () => {
    flint = await startFlint({ env: { FLINT_SIGNUP: 'open' } });
    ada = await flint.signup({ email: 'ada@example.com', displayName: 'Ada' });
    bob = await flint.signup({ email: 'bob@example.com' });
    zed = await flint.signup({ email: 'zed@other.test' });
    orgId = (await ada.people.me()).orgId!;
  });
  after(() => flint.stop());

  const put = (token: string, body: Uint8Array | string, contentType: string, id = orgId) => raw(flint.url, 'PUT', `/api/organizations/${id}/logo`, { token, body, contentType });
  const orgOf = async (client: FlintClient) => client.organizations.get((await client.people.me()).orgId!);
  const audit = async () => ((await raw(flint.url, 'GET', '/api/admin/audit/events', { token: ada.session!.accessToken })).json as { items: AuditEvent[] }).items;

  it('starts without a logo: members get the name alone', async () => {
    const org = await orgOf(bob);
    assert.equal(org.logo, undefined);
    assert.ok(org.displayName.length > 0);
    assert.equal((await raw(flint.url, 'GET', `/api/organizations/${orgId}/logo`, { token: bob.session!.accessToken })).status, 404);
  });

  it('an admin uploads a logo; it is re-encoded and every member of the org reads it, nosniff', async () => {
    const png = await sampleImage('png', 1200, 300, { r: 200, g: 40, b: 40 });
    const r = await put(ada.session!.accessToken, png, 'image/png');
    assert.equal(r.status, 200, r.text);
    const org = r.json as Organization;
    assert.ok(org.logo?.startsWith(`${flint.url}/api/organizations/${orgId}/logo?v=`), org.logo);
    assert.equal((await orgOf(bob)).logo, org.logo, 'members see the same logo URL');

    const got = await raw(flint.url, 'GET', new URL(org.logo!).pathname + new URL(org.logo!).search, { token: bob.session!.accessToken });
    assert.equal(got.status, 200);
    assert.equal(got.headers.get('content-type'), 'image/webp');
    assert.equal(got.headers.get('x-content-type-options'), 'nosniff');
    const bytes = await bob.organizations.logo(orgId);
    const meta = await sharp(bytes).metadata();
    assert.equal(meta.format, 'webp');
    // Fits 512×512, keeping its 4:1 proportions.
    assert.equal(meta.width, LIMITS.orgLogoPixels);
    assert.equal(meta.height, LIMITS.orgLogoPixels / 4);

    // Another org neither reads nor changes it.
    assert.equal((await raw(flint.url, 'GET', `/api/organizations/${orgId}/logo`, { token: zed.session!.accessToken })).status, 404);
    assert.equal((await put(zed.session!.accessToken, png, 'image/png')).status, 404);
    // A member is not an admin.
    assert.equal((await put(bob.session!.accessToken, png, 'image/png')).status, 403);
    assert.equal((await raw(flint.url, 'DELETE', `/api/organizations/${orgId}/logo`, { token: bob.session!.accessToken })).status, 403);
    assert.equal((await orgOf(bob)).logo, org.logo);

    const entry = (await audit()).find((e) => e.action === 'org.logoSet');
    assert.ok(entry, 'the upload is audited');
    assert.equal(entry.targetId, orgId);
    assert.equal(entry.description, 'Organization logo changed');
  });

  it('refuses the wrong type, SVG, mislabelled bytes and oversized images with a 4xx, changing nothing', async () => {
    const token = ada.session!.accessToken;
    const before = (await orgOf(ada)).logo;
    const auditBefore = (await audit()).length;
    const gif = await sampleImage('gif', 40, 40, { r: 1, g: 2, b: 3 });
    const jpeg = await sampleImage('jpeg', 40, 40, { r: 1, g: 2, b: 3 });
    const cases: [Uint8Array | string, string, number][] = [
      ['<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', 'image/svg+xml', 415],
      [gif, 'image/gif', 415],
      // The Content-Type says PNG; the bytes are a GIF, an SVG, or nothing an image decoder reads.
      [gif, 'image/png', 400],
      ['<svg xmlns="http://www.w3.org/2000/svg"/>', 'image/png', 400],
      [new Uint8Array(1000).fill(7), 'image/jpeg', 400],
      [new Uint8Array(LIMITS.orgLogoBytes + 1), 'image/png', 413],
      [JSON.stringify({ logo: 'x' }), 'application/json', 415],
    ];
    for (const [body, type, status] of cases) {
      const r = await put(token, body, type);
      assert.equal(r.status, status, `${type}: ${r.text}`);
      assert.equal(typeof (r.json as { message?: unknown }).message, 'string', 'a machine-readable error body');
    }
    assert.equal((await orgOf(ada)).logo, before, 'the logo is unchanged');
    assert.equal((await audit()).length, auditBefore, 'nothing audited');
    // A real JPEG under a JPEG label is fine.
    assert.equal((await put(token, jpeg, 'image/jpeg')).status, 200);
    assert.notEqual((await orgOf(ada)).logo, before, 'a new logo gets a new URL');
  });

  it('removal leaves the name alone, is audited, and is idempotent', async () => {
    const token = ada.session!.accessToken;
    assert.equal((await raw(flint.url, 'DELETE', `/api/organizations/${orgId}/logo`, { token })).status, 204);
    assert.equal((await orgOf(bob)).logo, undefined);
    assert.equal((await raw(flint.url, 'GET', `/api/organizations/${orgId}/logo`, { token: bob.session!.accessToken })).status, 404);
    assert.ok((await audit()).some((e) => e.action === 'org.logoRemove' && e.description === 'Organization logo removed'));
    assert.equal((await raw(flint.url, 'DELETE', `/api/organizations/${orgId}/logo`, { token })).status, 204);
  });
});
