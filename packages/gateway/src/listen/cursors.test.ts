/**
 * Where a `listen()` device resumes (SPEC PL-2; DESIGN §2 invariant 5): after the last event it
 * acknowledged or that needed no frame — never past a frame it may not have received — owned by
 * its person and by the socket that claimed it last, bounded and dropped when idle.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MercuryCursors, StreamPosition } from './cursors.ts';

describe('listen() resume points (PL-2)', () => {
  it('moves only past events the client acknowledged or that needed no frame', () => {
    const at = new StreamPosition(undefined);
    at.opened(100);
    assert.equal(at.cursor, 100, 'before any event: where the stream opened');
    at.arrived(104);
    at.arrived(107);
    at.arrived(109);
    assert.equal(at.cursor, 100, 'nothing settled yet');
    at.pushed(104, 'f1');
    at.skipped(107);
    assert.equal(at.cursor, 100, 'a skipped event behind an unacked frame does not move it');
    at.pushed(109, 'f2');
    assert.equal(at.acked('f1'), true);
    assert.equal(at.cursor, 107, 'f1 acked; 107 needed no frame');
    assert.equal(at.acked('unknown'), false);
    at.arrived(110);
    at.pushed(110, 'f3');
    assert.equal(at.acked('f3'), true, 'an ack settles every earlier frame (acks come in order)');
    assert.equal(at.cursor, 110);
    at.arrived(120);
    at.reset(130);
    assert.equal(at.cursor, 130, 'a reset jumps to the head');
  });

  it('resumes from the cursor it was given; the first event’s predecessor is the resume point', () => {
    const at = new StreamPosition(55);
    at.opened(90);
    assert.equal(at.cursor, 55, 'a resumed stream does not jump to its ready id');
    at.arrived(60);
    assert.equal(at.cursor, 55);
    at.skipped(60);
    assert.equal(at.cursor, 60);
  });

  it('belongs to its person and to the socket that claimed it last; forgotten on unregister', () => {
    const cursors = new MercuryCursors({ max: 3, idleMs: 1000 }, () => 0);
    const first = cursors.claim('dev-1', 'ada');
    assert.equal(first.resumeAfter, undefined);
    cursors.save('dev-1', first.session, 42);
    const second = cursors.claim('dev-1', 'ada');
    assert.equal(second.resumeAfter, 42, 'a reconnect resumes');
    cursors.save('dev-1', first.session, 99);
    assert.equal(cursors.claim('dev-1', 'ada').resumeAfter, 42, 'the old socket can no longer move it');
    assert.equal(cursors.claim('dev-1', 'bob').resumeAfter, undefined, 'another person’s socket starts afresh');
    const bobs = cursors.claim('dev-1', 'bob');
    cursors.save('dev-1', bobs.session, 7);
    cursors.forget('dev-1', 'ada');
    assert.equal(cursors.claim('dev-1', 'bob').resumeAfter, 7, 'only the owner unregisters it');
    cursors.forget('dev-1', 'bob');
    assert.equal(cursors.claim('dev-1', 'bob').resumeAfter, undefined);
  });

  it('keeps at most `max` devices, least recently used out, and none idle too long', () => {
    let now = 0;
    const cursors = new MercuryCursors({ max: 2, idleMs: 1000 }, () => now);
    for (const d of ['a', 'b', 'c']) cursors.save(d, cursors.claim(d, 'p').session, 1);
    assert.equal(cursors.size, 2);
    assert.equal(cursors.claim('a', 'p').resumeAfter, undefined, 'the oldest went');
    cursors.save('c', cursors.claim('c', 'p').session, 5);
    now += 1000;
    assert.equal(cursors.claim('c', 'p').resumeAfter, undefined, 'idle for the limit: gone');
  });
});
