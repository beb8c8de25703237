/**
 * SPEC SP-3 — teams end to end through the SDK (core + KMS, the KMS reached through the core's
 * relay): someone added to a team later sees the team's spaces, joins them on their own and reads
 * them, the general space and every other team space, history included, because each team space's
 * KMS resource names the team's resource among its authorizations. Removed from the team, they
 * leave its spaces and the KMS refuses them the keys of what is sent afterwards.
 * Runs on SQLite, or on PostgreSQL (+ Redis) when FLINT_TEST_DATABASE_URL is set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deviceCredentialHash, FlintError, newDeviceSecret, type FlintClient, type Session } from '@flint/sdk';
import { startFlint, type TestFlint } from '@flint/testkit';

describe('teams: members added later', () => {
  let flint: TestFlint;
  const clients: Record<string, FlintClient> = {};
  const secure: Record<string, Session> = {};

  before(async () => {
    flint = await startFlint();
    for (const name of ['ada', 'bob', 'cy']) {
      clients[name] = await flint.signup({ email: `${name}@teams.example` });
      secure[name] = await flint.connect(clients[name], { deviceId: `${name}-device` });
    }
  });
  after(async () => {
    for (const s of Object.values(secure)) s.close();
    await flint.stop();
  });

  it('a late team member sees, joins and reads the team spaces; removed, loses them for new content', async () => {
    const { ada, bob, cy } = secure as Record<'ada' | 'bob' | 'cy', Session>;
    const team = await ada.teams.create({ name: 'Apollo' });
    assert.equal(team.name, 'Apollo');
    const launch = await ada.spaces.create({ title: 'Launch', teamId: team.id });
    await ada.messages.send({ roomId: team.generalRoomId, text: 'welcome to Apollo' });
    await ada.messages.send({ roomId: launch.id, text: 'T-minus 10' });

    // Someone outside the team sees nothing of it.
    await assert.rejects(cy.spaces.list({ teamId: team.id }), (e: unknown) => e instanceof FlintError && e.status === 404);

    await ada.teams.addMember(team.id, { personEmail: 'bob@teams.example' });
    // Bob is in the general space and reads its history.
    assert.deepEqual((await bob.messages.list({ roomId: team.generalRoomId })).items.map((m) => m.text), ['welcome to Apollo']);
    // He sees the team's other spaces with their titles, before joining them.
    const seen = (await bob.spaces.list({ teamId: team.id })).items;
    assert.deepEqual(seen.map((r) => r.title).sort(), ['Apollo', 'Launch']);
    // He joins one on his own — nobody has to authorize him at the KMS — and reads its history.
    const joined = await bob.spaces.join(launch.id);
    assert.equal(joined.title, 'Launch');
    assert.deepEqual((await bob.messages.list({ roomId: launch.id })).items.map((m) => [m.text, m.decryptError]), [['T-minus 10', undefined]]);
    await bob.messages.send({ roomId: launch.id, text: 'Bob on board' });
    assert.deepEqual((await ada.messages.list({ roomId: launch.id })).items.map((m) => m.text), ['Bob on board', 'T-minus 10']);
    // A space created in the team after he joined it opens for him too.
    const later = await ada.spaces.create({ title: 'Splashdown', teamId: team.id });
    await ada.messages.send({ roomId: later.id, text: 'recovery at dawn' });
    await bob.spaces.join(later.id);
    assert.deepEqual((await bob.messages.list({ roomId: later.id })).items.map((m) => m.text), ['recovery at dawn']);

    // Removed from the team: out of its spaces, and the keys of what comes next are refused.
    const bobId = await bob.personId();
    const bobInTeam = (await ada.api.teams.memberships(team.id)).find((m) => m.personId === bobId)!;
    await ada.teams.removeMember(bobInTeam);
    await ada.messages.send({ roomId: team.generalRoomId, text: 'after Bob' });
    await ada.messages.send({ roomId: launch.id, text: 'secret after Bob' });
    for (const roomId of [team.generalRoomId, launch.id, later.id]) {
      await assert.rejects(bob.api.messages.list({ roomId }), (e: unknown) => e instanceof FlintError && e.status === 404, roomId);
    }
    await assert.rejects(bob.spaces.list({ teamId: team.id }), (e: unknown) => e instanceof FlintError && e.status === 404);
    // Even with the ciphertext in hand (taken from Ada's view), a fresh device of Bob's (enrolled at
    // the KMS by his first device's approval) gets no key.
    const freshDevice = { device: newDeviceSecret() };
    await (await bob.kmsClient()).approveDevice(await deviceCredentialHash(freshDevice.device), 'bob-fresh');
    const fresh = await flint.connect(clients['bob']!, { deviceId: 'bob-fresh', kmsCredential: freshDevice });
    try {
      for (const roomId of [team.generalRoomId, launch.id]) {
        const newest = (await ada.api.messages.list({ roomId, max: 1 })).items[0]!;
        await assert.rejects((await fresh.kmsClient()).retrieveKey(newest.encryptionKeyUrl!), (e: unknown) => e instanceof FlintError && e.status === 403, roomId);
      }
    } finally {
      fresh.close();
    }
    // Ada still reads everything, under the rotated keys.
    assert.deepEqual((await ada.messages.list({ roomId: launch.id })).items.map((m) => m.text), ['secret after Bob', 'Bob on board', 'T-minus 10']);
  });

  it('a team space can be joined only by team members, and only by themselves', async () => {
    const { ada, bob, cy } = secure as Record<'ada' | 'bob' | 'cy', Session>;
    const team = await ada.teams.create({ name: 'Gemini' });
    const space = await ada.spaces.create({ title: 'Capsule', teamId: team.id });
    await assert.rejects(cy.spaces.join(space.id), (e: unknown) => e instanceof FlintError && e.status === 404);
    await ada.teams.addMember(team.id, { personId: (await bob.personId()) });
    // Bob, a team member but not a member of the space, cannot add Cy to it.
    await assert.rejects(bob.api.memberships.create({ roomId: space.id, personId: (await cy.personId()) }), (e: unknown) => e instanceof FlintError && e.status === 403);
    await bob.spaces.join(space.id);
    await assert.rejects(bob.spaces.join(space.id), (e: unknown) => e instanceof FlintError && e.status === 409);
  });
});
