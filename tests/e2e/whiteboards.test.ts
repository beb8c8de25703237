/**
 * Issue 21 (MT-5; SEC-1 for whiteboards), through the SDK session as any client uses it: two
 * members draw on one board (a Yjs document) and each sees the other's changes live; the board is
 * saved as a sealed snapshot with a thumbnail, which compacts the stored updates; a late joiner
 * opens the saved board; a member removed from the space loses access; and the core's database,
 * files and logs hold none of the drawing's words (DESIGN §2 invariant 1).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FlintError, type FlintClient, type Session } from '@flint/sdk';
import { scanForPlaintext, startFlint, type TestFlint, until } from '@flint/testkit';

const TITLE = 'Quarterly roadmap sketch zephyr';
const STROKE_A = 'ada-stroke-aquamarine-42';
const STROKE_B = 'bob-stroke-burgundy-17';
const STROKE_C = 'ada-after-save-cerulean-9';
/** Any bytes stand for the PNG the web app draws: the SDK seals what it is given. */
const THUMBNAIL = new TextEncoder().encode('PNG-thumbnail-bytes-vermilion');

describe('whiteboards through the SDK', () => {
  let flint: TestFlint;
  let ada: FlintClient;
  let bob: FlintClient;
  let cy: FlintClient;
  const sessions: Session[] = [];
  const connect = async (c: FlintClient, name: string): Promise<Session> => {
    const s = await flint.connect(c, { deviceId: `${name}-node`, kmsTimeoutMs: 30_000 });
    sessions.push(s);
    return s;
  };

  before(async () => {
    flint = await startFlint();
    ada = await flint.signup({ email: 'ada@boards.example', displayName: 'Ada Drawer' });
    bob = await flint.signup({ email: 'bob@boards.example', displayName: 'Bob Drawer' });
    cy = await flint.signup({ email: 'cy@boards.example', displayName: 'Cy Latecomer' });
  });
  after(async () => {
    for (const s of sessions) s.close();
    await flint.stop();
  });

  it('two members draw together, the board is saved sealed and compacted, a late joiner opens it, a removed member loses it', async () => {
    const adaS = await connect(ada, 'ada');
    const bobS = await connect(bob, 'bob');
    const space = await adaS.spaces.create({ title: 'Planning' });
    const bobMembership = await adaS.members.add(space.id, { personId: await bobS.personId() });

    const created = await adaS.whiteboards.create(space.id, TITLE);
    const listed = await bobS.whiteboards.list(space.id);
    assert.deepEqual(listed.map((b) => [b.id, b.title]), [[created.id, TITLE]], 'a member lists the board with its title opened');

    const adaBoard = await adaS.whiteboards.open(created.id);
    const bobBoard = await bobS.whiteboards.open(created.id);
    const errors: FlintError[] = [];
    adaBoard.onError((e) => errors.push(e));
    bobBoard.onError((e) => errors.push(e));

    adaBoard.doc.getMap<string>('elements').set('a', STROKE_A);
    await until('Bob sees Ada’s stroke', async () => bobBoard.doc.getMap<string>('elements').get('a') === STROKE_A || undefined);
    bobBoard.doc.getMap<string>('elements').set('b', STROKE_B);
    await until('Ada sees Bob’s stroke', async () => adaBoard.doc.getMap<string>('elements').get('b') === STROKE_B || undefined);
    await adaBoard.flush();
    await bobBoard.flush();
    await until('both devices hold both updates', async () => (adaBoard.seq === 2 && bobBoard.seq === 2) || undefined);

    // Saving seals the merged state and the thumbnail; the updates it covers are dropped.
    const saved = await adaBoard.save(THUMBNAIL);
    assert.equal(saved.snapshotSeq, 2);
    assert.equal(saved.hasThumbnail, true);
    const rows = await flint.server.core.db.selectFrom('whiteboard_updates').select('seq').where('board_id', '=', created.id).execute();
    assert.equal(rows.length, 0, 'compaction dropped the updates the snapshot covers');
    assert.deepEqual(await bobS.whiteboards.thumbnail(created.id), THUMBNAIL, 'a member opens the thumbnail');
    adaBoard.doc.getMap<string>('elements').set('c', STROKE_C);
    await adaBoard.flush();

    // A late joiner: added after the save, opens the snapshot plus the update since.
    const cyS = await connect(cy, 'cy');
    await adaS.members.add(space.id, { personId: await cyS.personId() });
    const cyBoard = await cyS.whiteboards.open(created.id);
    const elements = cyBoard.doc.getMap<string>('elements');
    assert.deepEqual([elements.get('a'), elements.get('b'), elements.get('c')], [STROKE_A, STROKE_B, STROKE_C]);
    cyBoard.close();

    // Bob is removed: the core answers him as if there were no board, and his device hears nothing more.
    await adaS.members.remove(bobMembership.id);
    await assert.rejects(bobS.whiteboards.get(created.id), (e: unknown) => e instanceof FlintError && e.status === 404);
    await assert.rejects(bobS.whiteboards.list(space.id), (e: unknown) => e instanceof FlintError && e.status === 404);
    adaBoard.doc.getMap<string>('elements').set('d', 'after-bob-left');
    await adaBoard.flush();
    const adaPeer = await connect(ada, 'ada-second');
    const check = await adaPeer.whiteboards.open(created.id);
    await until('Ada’s other device has the last stroke', async () => check.doc.getMap<string>('elements').get('d') === 'after-bob-left' || undefined);
    check.close();
    assert.equal(bobBoard.doc.getMap<string>('elements').get('d'), undefined, 'the removed member got no live update');
    adaBoard.close();
    bobBoard.close();
    assert.deepEqual(errors.map((e) => e.message), []);

    const scan = await scanForPlaintext(flint, [TITLE, STROKE_A, STROKE_B, STROKE_C, 'PNG-thumbnail-bytes-vermilion'], 'Ada Drawer');
    assert.ok(scan.controlInDatabase, 'the scan read the database');
    assert.deepEqual([...scan.inDatabase, ...scan.inFiles, ...scan.inLogs], []);
  });
});
