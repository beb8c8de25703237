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
import { deviceCredentialHash, FlintError, newDeviceSecret, SecureClient, type FlintClient } from '@flint/sdk';
import { NodeWebSocket, startFlint, type TestFlint } from '@flint/testkit';

describe('teams: members added later', () => {
  let flint: TestFlint;
  const clients: Record<string, FlintClient> = {};
  const secure: Record<string, SecureClient> = {};

  before(async () => {
    flint = await startFlint();
    for (const name of ['ada', 'bob', 'cy']) {
      clients[name] = await flint.signup({ email: `${name}@teams.example` });
      secure[name] = await SecureClient.connect(clients[name], { deviceId: `${name}-device`, WebSocket: NodeWebSocket });
    }
  });
  after(async () => {
    for (const s of Object.values(secure)) s.close();
    await flint.stop();
  });

  it('a late team member sees, joins and reads the team spaces; removed, loses them for new content', async () => {
    const { ada, bob, cy } = secure as Record<'ada' | 'bob' | 'cy', SecureClient>;
    const team = await ada.createTeam({ name: 'Apollo' });
    assert.equal(team.name, 'Apollo');
    const launch = await ada.createSpace({ title: 'Launch', teamId: team.id });
    await ada.send({ roomId: team.generalRoomId, text: 'welcome to Apollo' });
    await ada.send({ roomId: launch.id, text: 'T-minus 10' });

    // Someone outside the team sees nothing of it.
    await assert.rejects(cy.listSpaces({ teamId: team.id }), (e: unknown) => e instanceof FlintError && e.status === 404);

    await ada.addTeamMember(team.id, { personEmail: 'bob@teams.example' });
    // Bob is in the general space and reads its history.
    assert.deepEqual((await bob.listMessages({ roomId: team.generalRoomId })).items.map((m) => m.text), ['welcome to Apollo']);
    // He sees the team's other spaces with their titles, before joining them.
    const seen = (await bob.listSpaces({ teamId: team.id })).items;
    assert.deepEqual(seen.map((r) => r.title).sort(), ['Apollo', 'Launch']);
    // He joins one on his own — nobody has to authorize him at the KMS — and reads its history.
    const joined = await bob.joinSpace(launch.id);
    assert.equal(joined.title, 'Launch');
    assert.deepEqual((await bob.listMessages({ roomId: launch.id })).items.map((m) => [m.text, m.decryptError]), [['T-minus 10', undefined]]);
    await bob.send({ roomId: launch.id, text: 'Bob on board' });
    assert.deepEqual((await ada.listMessages({ roomId: launch.id })).items.map((m) => m.text), ['Bob on board', 'T-minus 10']);
    // A space created in the team after he joined it opens for him too.
    const later = await ada.createSpace({ title: 'Splashdown', teamId: team.id });
    await ada.send({ roomId: later.id, text: 'recovery at dawn' });
    await bob.joinSpace(later.id);
    assert.deepEqual((await bob.listMessages({ roomId: later.id })).items.map((m) => m.text), ['recovery at dawn']);

    // Removed from the team: out of its spaces, and the keys of what comes next are refused.
    const bobInTeam = (await ada.client.teams.memberships(team.id)).find((m) => m.personId === bob.personId)!;
    await ada.removeTeamMember(bobInTeam);
    await ada.send({ roomId: team.generalRoomId, text: 'after Bob' });
    await ada.send({ roomId: launch.id, text: 'secret after Bob' });
    for (const roomId of [team.generalRoomId, launch.id, later.id]) {
      await assert.rejects(bob.client.messages.list({ roomId }), (e: unknown) => e instanceof FlintError && e.status === 404, roomId);
    }
    await assert.rejects(bob.listSpaces({ teamId: team.id }), (e: unknown) => e instanceof FlintError && e.status === 404);
    // Even with the ciphertext in hand (taken from Ada's view), a fresh device of Bob's (enrolled at
    // the KMS by his first device's approval) gets no key.
    const freshDevice = { device: newDeviceSecret() };
    await bob.kms.approveDevice(await deviceCredentialHash(freshDevice.device), 'bob-fresh');
    const fresh = await SecureClient.connect(clients['bob']!, { deviceId: 'bob-fresh', WebSocket: NodeWebSocket, kmsCredential: freshDevice });
    try {
      for (const roomId of [team.generalRoomId, launch.id]) {
        const newest = (await ada.client.messages.list({ roomId, max: 1 })).items[0]!;
        await assert.rejects(fresh.keys.key(newest.encryptionKeyUrl!), (e: unknown) => e instanceof FlintError && e.status === 403, roomId);
      }
    } finally {
      fresh.close();
    }
    // Ada still reads everything, under the rotated keys.
    assert.deepEqual((await ada.listMessages({ roomId: launch.id })).items.map((m) => m.text), ['secret after Bob', 'Bob on board', 'T-minus 10']);
  });

  it('a team space can be joined only by team members, and only by themselves', async () => {
    const { ada, bob, cy } = secure as Record<'ada' | 'bob' | 'cy', SecureClient>;
    const team = await ada.createTeam({ name: 'Gemini' });
    const space = await ada.createSpace({ title: 'Capsule', teamId: team.id });
    await assert.rejects(cy.joinSpace(space.id), (e: unknown) => e instanceof FlintError && e.status === 404);
    await ada.addTeamMember(team.id, { personId: bob.personId });
    // Bob, a team member but not a member of the space, cannot add Cy to it.
    await assert.rejects(bob.client.memberships.create({ roomId: space.id, personId: cy.personId }), (e: unknown) => e instanceof FlintError && e.status === 403);
    await bob.joinSpace(space.id);
    await assert.rejects(bob.joinSpace(space.id), (e: unknown) => e instanceof FlintError && e.status === 409);
  });
});
