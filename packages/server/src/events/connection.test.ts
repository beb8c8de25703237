import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { frameBytes, frameOfRow } from './connection.ts';
import type { StoredEventRow } from './event-log.ts';

describe('event frames (MS-1: encoded once per event, the same bytes for every recipient)', () => {
  it('encodes a stored event as its JSON frame in UTF-8, non-ASCII data included', () => {
    const data = { text: 'ciphertext', title: 'Ünïcode ✓ 日本語 "quoted" \\ and "id":0, inside' };
    const row: StoredEventRow = { id: 9_007_199_254, space_id: 's-1', type: 'message.created', data: JSON.stringify(data), actor_id: 'p-1', device_id: null, created_at: Date.UTC(2026, 0, 2, 3, 4, 5) };
    const bytes = frameBytes(row);
    assert.equal(bytes.toString('utf8'), frameOfRow(row));
    const parsed = JSON.parse(bytes.toString('utf8')) as { type: string; event: { id: number; type: string; actorId: string; created: string; data: unknown } };
    assert.deepEqual(parsed, { type: 'event', event: { id: 9_007_199_254, type: 'message.created', actorId: 'p-1', created: '2026-01-02T03:04:05.000Z', data } });
    const anonymous = JSON.parse(frameOfRow({ ...row, actor_id: null })) as { event: Record<string, unknown> };
    assert.equal('actorId' in anonymous.event, false);
  });
});
