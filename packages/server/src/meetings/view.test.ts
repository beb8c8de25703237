/**
 * `PUT /api/meetings/:id/view` over HTTP (docs/meetings.md "Simulcast and last-N"): a participant's
 * view is taken and answered with the choice made for it; bad input (last-N out of 1–25, an unknown
 * layout, a pinned id that is not in the meeting, someone else's participant) is a 4xx; without a
 * media server, `meetings_unavailable`. What Janus then forwards is tested in a browser
 * (tests/e2e/web-app-meetings-simulcast.test.ts); the choice itself in last-n.test.ts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { FlintClient } from '@flint/sdk';
import { errorOf, raw, startFlint, type TestFlint } from '@flint/testkit';

const janusInstalled = String(spawnSync('janus', ['-V']).stdout ?? '').includes('Janus version');

describe('a participant’s view (last-N, layout, pinned)', { skip: janusInstalled ? false : 'janus is not installed (apt-get install janus)' }, () => {
  let flint: TestFlint;
  let ada: FlintClient;
  let bob: FlintClient;
  before(async () => {
    flint = await startFlint({ env: { FLINT_JANUS: 'auto' } });
    ada = await flint.signup({ email: 'ada@example.com', displayName: 'Ada' });
    bob = await flint.signup({ email: 'bob@example.com', displayName: 'Bob' });
  });
  after(() => flint.stop());

  it('answers the choice for a good view and refuses bad ones with a 4xx', async () => {
    const room = await ada.rooms.create({ title: 'view' });
    await ada.memberships.create({ roomId: room.id, personId: bob.session!.personId });
    const { meeting, participantId } = await ada.meetings.join(room.id);
    const bobIn = await bob.meetings.join(room.id);
    // Nobody publishes yet: nothing to forward.
    assert.deepEqual(await ada.meetings.setView(meeting.id, { participantId, view: { layout: 'speaker', lastN: 4, pinned: bobIn.participantId } }), { forwarding: [] });
    const put = (who: FlintClient, body: unknown) => raw(flint.url, 'PUT', `/api/meetings/${meeting.id}/view`, { token: who.session!.accessToken, body });
    for (const view of [{ layout: 'grid', lastN: 0 }, { layout: 'grid', lastN: 26 }, { layout: 'mosaic', lastN: 4 }, { layout: 'grid', lastN: 4, extra: 1 }, { layout: 'grid', lastN: 4, pinned: '01a25294-e5aa-726c-94a9-0106359b140c' }]) {
      const res = await put(ada, { participantId, view });
      assert.equal(res.status, 400, `${JSON.stringify(view)}: ${JSON.stringify(errorOf(res))}`);
    }
    // Someone else's participant is not one's own.
    assert.equal((await put(ada, { participantId: bobIn.participantId, view: { layout: 'grid', lastN: 4 } })).status, 404);
  });

  it('is refused without a media server', async () => {
    const off = await startFlint({ env: { FLINT_JANUS: 'off' } });
    try {
      const eve = await off.signup({ email: 'eve@example.com', displayName: 'Eve' });
      const res = await raw(off.url, 'PUT', '/api/meetings/01a25294-e5aa-726c-94a9-0106359b140c/view', { token: eve.session!.accessToken, body: { participantId: '01a25294-e5aa-726c-94a9-0106359b140c', view: { layout: 'grid', lastN: 4 } } });
      assert.equal(res.status, 409);
      assert.equal(errorOf(res).code, 'meetings_unavailable');
    } finally {
      await off.stop();
    }
  });
});
