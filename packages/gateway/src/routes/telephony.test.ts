/**
 * `/v1/telephony/config/*` (SPEC CL-4, CL-5, PL-2): Webex Calling's configuration shapes through
 * the gateway — locations, numbers, hunt groups (create 200 `{id}`, PUT 204, DELETE 204), auto
 * attendants and a person's caller ID — with hydra ids; bad input answered with a Webex 4xx.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fromHydraId } from '@flint/protocol';
import type { FlintClient } from '@flint/sdk';
import { errorOf, raw, startFlint, type TestFlint } from '@flint/testkit';

describe('/v1/telephony/config', () => {
  let flint: TestFlint;
  let ada: FlintClient;
  let bob: FlintClient;
  let token = '';
  let locationId = '';
  const v1 = (method: string, path: string, body?: unknown, as = token) => raw(flint.url, method, path, { token: as, ...(body !== undefined ? { body } : {}) });

  before(async () => {
    flint = await startFlint({ env: { FLINT_SIGNUP: 'open' } });
    ada = await flint.signup({ email: 'ada@example.com', displayName: 'Ada Admin' });
    bob = await flint.signup({ email: 'bob@example.com', displayName: 'Bob Agent' });
    token = ada.session!.accessToken;
  });
  after(() => flint.stop());

  it('locations: create answers a hydra id; list, get, update; bad input is a 400', async () => {
    const created = await v1('POST', '/v1/telephony/config/locations', { name: 'Paris', timeZone: 'Europe/Paris', preferredLanguage: 'fr_fr', address: { address1: '5 rue de Rivoli', city: 'Paris', postalCode: '75001', country: 'FR' } });
    assert.equal(created.status, 200, created.text);
    locationId = (created.json as { id: string }).id;
    assert.ok(fromHydraId('LOCATION', locationId));
    const list = await v1('GET', '/v1/telephony/config/locations?name=par');
    assert.deepEqual((list.json as { locations: { id: string; name: string; timeZone: string }[] }).locations.map((l) => [l.id, l.name, l.timeZone]), [[locationId, 'Paris', 'Europe/Paris']]);
    const put = await v1('PUT', `/v1/telephony/config/locations/${locationId}`, { name: 'Paris HQ' });
    assert.equal((put.json as { name: string }).name, 'Paris HQ');
    assert.equal((await v1('POST', '/v1/telephony/config/locations', { name: 'X', timeZone: 'Nowhere/Else', address: { address1: 'a', city: 'b', postalCode: 'c', country: 'FR' } })).status, 400);
    assert.equal((await v1('POST', '/v1/telephony/config/locations', { name: 'X', timeZone: 'UTC' })).status, 400);
    assert.equal((await v1('GET', '/v1/telephony/config/locations/not-an-id')).status, 404);
    // Not an admin: the core refuses the write.
    assert.equal((await v1('POST', '/v1/telephony/config/locations', { name: 'Bob', timeZone: 'UTC', address: { address1: 'a', city: 'b', postalCode: 'c', country: 'FR' } }, bob.session!.accessToken)).status, 403);
  });

  it('hunt groups: created with Webex’s callPolicies and agents, read back, changed (204), deleted (204)', async () => {
    await ada.telephony.createRange({ first: '300', last: '399' });
    await ada.telephony.updatePerson(bob.session!.personId, { extension: '301' });
    const bobHydra = (await v1('GET', '/v1/people/me', undefined, bob.session!.accessToken)).json as { id: string };
    const created = await v1('POST', `/v1/telephony/config/locations/${locationId}/huntGroups`, {
      name: 'Support',
      extension: '350',
      enabled: true,
      callPolicies: { policy: 'CIRCULAR', noAnswer: { nextAgentEnabled: true, nextAgentRings: 4, forwardEnabled: true, destination: '301' } },
      agents: [{ id: bobHydra.id, weight: 10 }],
    });
    assert.equal(created.status, 200, created.text);
    const id = (created.json as { id: string }).id;
    assert.ok(fromHydraId('HUNT_GROUP', id));
    const got = (await v1('GET', `/v1/telephony/config/locations/${locationId}/huntGroups/${id}`)).json as Record<string, unknown>;
    assert.equal(got['extension'], '350');
    assert.deepEqual(got['callPolicies'], { policy: 'CIRCULAR', waitingEnabled: false, noAnswer: { nextAgentEnabled: true, nextAgentRings: 4, forwardEnabled: true, destination: '301', numberOfRings: 4, systemMaxNumberOfRings: 20 } });
    assert.deepEqual((got['agents'] as { id: string; weight: number; extension: string }[]).map((a) => [a.id, a.weight, a.extension]), [[bobHydra.id, 10, '301']]);
    const put = await v1('PUT', `/v1/telephony/config/locations/${locationId}/huntGroups/${id}`, { callPolicies: { policy: 'SIMULTANEOUS' } });
    assert.equal(put.status, 204);
    const list = (await v1('GET', `/v1/telephony/config/huntGroups?locationId=${locationId}`)).json as { huntGroups: { name: string; locationName: string; callPolicies: { policy: string } }[] };
    assert.deepEqual(list.huntGroups.map((g) => [g.name, g.locationName, g.callPolicies.policy]), [['Support', 'Paris HQ', 'SIMULTANEOUS']]);
    const bad = await v1('POST', `/v1/telephony/config/locations/${locationId}/huntGroups`, { name: 'Bad', callPolicies: { policy: 'LOUDEST' }, agents: [] });
    assert.equal(bad.status, 400);
    assert.match(errorOf(bad).message + JSON.stringify(bad.json), /policy/);
    assert.equal((await v1('POST', `/v1/telephony/config/locations/${locationId}/huntGroups`, { name: 'Dup', extension: '350', callPolicies: { policy: 'REGULAR' }, agents: [] })).status, 409);
    assert.equal((await v1('DELETE', `/v1/telephony/config/locations/${locationId}/huntGroups/${id}`)).status, 204);
    assert.equal((await v1('GET', `/v1/telephony/config/locations/${locationId}/huntGroups/${id}`)).status, 404);
  });

  it('numbers and auto attendants in Webex’s shapes; a person’s caller ID', async () => {
    const number = await ada.telephony.addNumber({ phoneNumber: '+33142000000', locationId: fromHydraId('LOCATION', locationId)! });
    const attendant = await ada.telephony.createAttendant({ name: 'Accueil', locationId: number.locationId, extension: '399', businessHoursMenu: { greeting: 'Bonjour', extensionEnabled: true, keys: [{ key: '1', action: 'TRANSFER', destination: '301' }] }, afterHoursMenu: { extensionEnabled: false, keys: [] } });
    await ada.telephony.assignNumber(number.id, { type: 'AUTO_ATTENDANT', id: attendant.id });
    await ada.telephony.updateSettings({ companyNumber: '+33142000000' });
    const numbers = (await v1('GET', '/v1/telephony/config/numbers')).json as { phoneNumbers: { phoneNumber: string; mainNumber: boolean; owner: { type: string; firstName: string } }[] };
    assert.deepEqual(numbers.phoneNumbers.map((n) => [n.phoneNumber, n.mainNumber, n.owner.type, n.owner.firstName]), [['+33142000000', true, 'AUTO_ATTENDANT', 'Accueil']]);
    const list = (await v1('GET', '/v1/telephony/config/autoAttendants')).json as { autoAttendants: { id: string; phoneNumber: string; businessHoursMenu: { keyConfigurations: unknown[] } }[] };
    assert.equal(list.autoAttendants[0]!.phoneNumber, '+33142000000');
    assert.deepEqual(list.autoAttendants[0]!.businessHoursMenu.keyConfigurations, [{ key: '1', action: 'TRANSFER_WITHOUT_PROMPT', value: '301' }]);
    const bobHydra = ((await v1('GET', '/v1/people/me', undefined, bob.session!.accessToken)).json as { id: string }).id;
    assert.equal((await v1('PUT', `/v1/people/${bobHydra}/features/callerId`, { selected: 'LOCATION_NUMBER' }, bob.session!.accessToken)).status, 204);
    const callerId = (await v1('GET', `/v1/people/${bobHydra}/features/callerId`)).json as Record<string, unknown>;
    assert.deepEqual(callerId, { selected: 'LOCATION_NUMBER', extensionNumber: '301', locationNumber: '+33142000000', internationalCallingAllowed: false });
    assert.equal((await v1('PUT', `/v1/people/${bobHydra}/features/callerId`, { selected: 'ANYTHING' })).status, 400);
    assert.equal((await v1('DELETE', `/v1/telephony/config/locations/${locationId}/autoAttendants/${list.autoAttendants[0]!.id}`)).status, 204);
  });
});
