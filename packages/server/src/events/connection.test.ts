import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BatchFrame, frameOfBatch } from './connection.ts';
import type { EventBatch } from './event-bus.ts';

describe('BatchFrame (MS-1 event frames encoded once per event)', () => {
  it('gives each recipient the same frame as encoding it alone, with its own id, non-ASCII data included', () => {
    const batch: EventBatch = {
      kind: 'event',
      type: 'message.created',
      data: { text: 'ciphertext', title: 'Ünïcode ✓ 日本語 "quoted" \\ and "id":0, inside' },
      actorId: 'p-1',
      created: Date.UTC(2026, 0, 2, 3, 4, 5),
      deviceId: null,
      recipients: [],
    };
    const frame = new BatchFrame(batch);
    for (const id of [1, 42, 9_007_199_254]) {
      const bytes = frame.withId(id);
      const expected = frameOfBatch(batch).replace('"id":0,', `"id":${id},`);
      assert.equal(bytes.toString('utf8'), expected);
      const parsed = JSON.parse(bytes.toString('utf8')) as { event: { id: number; data: { title: string } } };
      assert.equal(parsed.event.id, id);
      assert.equal(parsed.event.data.title, 'Ünïcode ✓ 日本語 "quoted" \\ and "id":0, inside');
    }
  });
});
