/**
 * Guests in meetings through a real core and KMS (docs/meetings.md "Guests", SEC-5): a guest who
 * opens a member's link enrolls a KMS device of its own and waits in the lobby; until a member
 * admits it, the KMS refuses it the meeting's key. The admitting member's client (not the core)
 * puts the guest on the meeting's resource and names a new epoch: the guest then decrypts frames
 * sent under it. The KMS refuses the guest the space's key throughout, and a denied guest gets no
 * meeting key. A guest who leaves is taken off the resource by the keeper's next rotation.
 * Janus is needed to join (skipped, saying so, when it is not installed); no media flows here.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { Meeting } from '@flint/protocol';
import { startFlint, type TestFlint } from '@flint/testkit';
import type { Session } from '../session.ts';
import { FlintError } from '../errors.ts';
import { decryptFrame, deriveFrameKey, encryptFrame } from '../media/frame-crypto.ts';
import { keeperOf } from './meetings.ts';

const janusInstalled = String(spawnSync('janus', ['-V']).stdout ?? '').includes('Janus version');
const FRAME = new Uint8Array([0x31, 0x02, 0x00, ...new TextEncoder().encode('for the admitted guest')]);
const refused = (e: unknown) => e instanceof FlintError && e.status === 403;

describe('meeting guests and the KMS (SDK, core and KMS)', { skip: janusInstalled ? false : 'janus is not installed (apt-get install janus)' }, () => {
  let flint: TestFlint;
  let ada: Session;
  let bob: Session;
  let roomId = '';
  let spaceKeyUrl = '';
  const pids: Record<string, string> = {};
  const now = async (): Promise<Meeting> => (await ada.meetings.current(roomId)).meeting!;

  /** A guest's session, as the guest's browser makes it: from the link's secret and a name, then its own KMS device. */
  async function guest(token: string, name: string): Promise<{ session: Session; knockId: string }> {
    const session = flint.session(undefined);
    const { knock } = await session.api.meetingGuests.join(token, name);
    await session.connect();
    return { session, knockId: knock.id };
  }

  before(async () => {
    flint = await startFlint({ env: { FLINT_JANUS: 'auto' } });
    ada = await flint.connect(await flint.signup({ email: 'ada@lobby.test', displayName: 'Ada' }));
    bob = await flint.connect(await flint.signup({ email: 'bob@lobby.test', displayName: 'Bob' }));
    roomId = (await ada.spaces.create({ title: 'With guests' })).id;
    await ada.members.add(roomId, { personEmail: 'bob@lobby.test' });
    spaceKeyUrl = (await ada.api.rooms.get(roomId)).encryptionKeyUrl!;
    const joined = await ada.meetings.join(roomId);
    pids['ada'] = joined.participantId;
    await ada.meetings.start(joined.meeting, joined.participantId);
    pids['bob'] = (await bob.meetings.join(roomId)).participantId;
    await ada.meetings.rotate(await now(), pids['ada']);
  });
  after(() => flint.stop());

  it('a waiting guest gets no meeting key and no space key; once a member admits it, the meeting’s key (a new epoch) only', async () => {
    const { token } = await ada.meetings.createLink(roomId);
    const gus = await guest(token, 'Gus');
    assert.equal((await gus.session.meetings.guestStatus()).knock.state, 'waiting');
    const waiting = await now();
    assert.equal(waiting.keyEpoch, 2);
    await assert.rejects(gus.session.meetings.mediaKey(waiting), refused, 'the KMS refuses a waiting guest the meeting’s key');
    const gusKms = await gus.session.kmsClient();
    await assert.rejects(gusKms.retrieveKey(spaceKeyUrl), refused, 'and the space’s key');
    await assert.rejects(gusKms.retrieveKey(waiting.keyUrl!), refused);

    const knocks = await bob.meetings.knocks(waiting.id);
    assert.deepEqual(knocks.map((k) => k.displayName), ['Gus']);
    const { meeting: admitted, knock } = await bob.meetings.admit(waiting, pids['bob']!, knocks[0]!.id);
    assert.equal(admitted.keyEpoch, 3, 'the admitting member named a new epoch');
    const gp = admitted.participants.find((p) => p.id === knock.participantId);
    assert.equal(gp?.guest, true);
    assert.equal(gp?.authorized, true);
    assert.equal(keeperOf(admitted)?.id, pids['ada'], 'a guest is never the keeper');
    const authorized = (await (await ada.kmsClient()).listAuthorizations(admitted.resourceUrl!)).map((a) => a.authId);
    assert.ok(authorized.includes(knock.personId), 'the guest is on the meeting’s resource');
    const spaceAuth = (await (await ada.kmsClient()).listAuthorizations((await ada.api.rooms.get(roomId)).kroUri!)).map((a) => a.authId);
    assert.ok(!spaceAuth.includes(knock.personId), 'and never on the space’s');
    assert.equal(await ada.meetings.rotate(admitted, pids['ada']!), undefined, 'the keeper leaves the admitted guest be');

    const status = await gus.session.meetings.waitForAdmission({ pollMs: 100, timeoutMs: 5000 });
    assert.equal(status.knock.state, 'admitted');
    const gusKey = await gus.session.meetings.mediaKey(status.meeting!);
    assert.equal(gusKey.epoch, 3);
    const adaKey = await ada.meetings.mediaKey(admitted);
    const sent = await encryptFrame(await deriveFrameKey(adaKey.key, admitted.id, pids['ada']!), adaKey.keyId, 'video', FRAME);
    const gusFrameKey = await deriveFrameKey(gusKey.key, admitted.id, pids['ada']!);
    assert.deepEqual(await decryptFrame((id) => (id === gusKey.keyId ? gusFrameKey : undefined), 'video', sent), FRAME, 'the admitted guest decrypts Ada’s frames');
    await assert.rejects(gusKms.retrieveKey(spaceKeyUrl, { fresh: true }), refused, 'still no space key once admitted');
    await assert.rejects(gus.session.api.rooms.get(roomId), (e: unknown) => e instanceof FlintError && e.status === 403, 'nor the space from the core');
    pids['gus'] = knock.participantId!;

    // A denied guest: told, and no key.
    const dee = await guest(token, 'Dee');
    await ada.meetings.deny(admitted.id, pids['ada']!, dee.knockId);
    assert.equal((await dee.session.meetings.waitForAdmission({ pollMs: 100, timeoutMs: 5000 })).knock.state, 'denied');
    await assert.rejects(dee.session.meetings.mediaKey(await now()), refused, 'a denied guest gets no meeting key');

    // Gus leaves: his account ends, and the keeper takes him off the resource with the next epoch.
    await gus.session.meetings.guestLeave();
    const left = await now();
    assert.ok(!left.participants.some((p) => p.guest === true));
    const rotation = await ada.meetings.rotate(left, pids['ada']!);
    assert.deepEqual(rotation?.removed, [knock.personId]);
    gus.session.close();
    dee.session.close();
  });
});
