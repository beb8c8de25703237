import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chooseForwarding, noteSilence, noteSpeaker, type Feed } from './last-n.ts';
import { gridLayer, SUBSTREAM, videoMid } from './simulcast.ts';

const feeds = (...ids: string[]): Feed[] => ids.map((id) => ({ id, videoOff: false, sharingScreen: false }));
const shown = (choice: ReturnType<typeof chooseForwarding>) => choice.filter((c) => c.video).map((c) => c.feedParticipantId);
const layerOf = (choice: ReturnType<typeof chooseForwarding>, id: string) => choice.find((c) => c.feedParticipantId === id)?.layer;

describe('last-N and simulcast layers', () => {
  it('moves a new speaker to the front and keeps the others in order', () => {
    assert.deepEqual(noteSpeaker([], 'a'), ['a']);
    assert.deepEqual(noteSpeaker(['a', 'b', 'c'], 'c'), ['c', 'a', 'b']);
    assert.deepEqual(noteSpeaker(['a', 'b'], 'a'), ['a', 'b']);
  });

  it('moves one who fell silent behind those still speaking', () => {
    // b, a and c all talk (c started last); c stops: a and b, still talking, come first.
    assert.deepEqual(noteSilence(['c', 'b', 'a'], 'c', new Set(['b', 'a'])), ['b', 'a', 'c']);
    // Those who spoke earlier and are silent stay behind.
    assert.deepEqual(noteSilence(['c', 'b', 'x'], 'c', new Set(['b'])), ['b', 'c', 'x']);
    assert.deepEqual(noteSilence(['c', 'x'], 'c', new Set()), ['c', 'x']);
    // With N = 1 the one still talking is shown.
    assert.deepEqual(shown(chooseForwarding('me', { layout: 'grid', lastN: 1 }, feeds('me', 'b', 'c'), noteSilence(['c', 'b'], 'c', new Set(['b'])))), ['b']);
  });

  it('never forwards the viewer its own feed, and gives every other feed a choice', () => {
    const choice = chooseForwarding('me', { layout: 'grid', lastN: 9 }, feeds('me', 'a', 'b'), []);
    assert.deepEqual(choice.map((c) => c.feedParticipantId), ['a', 'b']);
    assert.deepEqual(shown(choice), ['a', 'b']);
  });

  it('with N = 1 forwards only the latest speaker, and follows the speakers', () => {
    const all = feeds('me', 'a', 'b', 'c');
    assert.deepEqual(shown(chooseForwarding('me', { layout: 'grid', lastN: 1 }, all, ['b', 'a'])), ['b']);
    assert.deepEqual(shown(chooseForwarding('me', { layout: 'grid', lastN: 1 }, all, noteSpeaker(['b', 'a'], 'c'))), ['c']);
    // Nobody spoke yet: the earliest joined.
    assert.deepEqual(shown(chooseForwarding('me', { layout: 'grid', lastN: 1 }, all, [])), ['a']);
    // One's own speaking takes no place among one's N.
    assert.deepEqual(shown(chooseForwarding('me', { layout: 'grid', lastN: 1 }, all, ['me', 'c'])), ['c']);
  });

  it('fills the N with speakers, then the earliest joined', () => {
    const all = feeds('me', 'a', 'b', 'c', 'd', 'e');
    assert.deepEqual(new Set(shown(chooseForwarding('me', { layout: 'grid', lastN: 3 }, all, ['e', 'c']))), new Set(['e', 'c', 'a']));
  });

  it('puts the pinned participant and shared screens first', () => {
    const all: Feed[] = [...feeds('me', 'a', 'b'), { id: 's', videoOff: false, sharingScreen: true }];
    const choice = chooseForwarding('me', { layout: 'speaker', lastN: 2, pinned: 'b' }, all, ['a']);
    assert.deepEqual(new Set(shown(choice)), new Set(['b', 's']));
    assert.equal(layerOf(choice, 'b'), 'high');
    // A screen is always sent high: text at a quarter is unreadable.
    assert.equal(layerOf(choice, 's'), 'high');
  });

  it('skips cameras that are off', () => {
    const all: Feed[] = [...feeds('me', 'a'), { id: 'off', videoOff: true, sharingScreen: false }, ...feeds('b')];
    assert.deepEqual(shown(chooseForwarding('me', { layout: 'grid', lastN: 2 }, all, ['off'])), ['a', 'b']);
  });

  it('speaker layout: the main tile high, thumbnails low', () => {
    const all = feeds('me', 'a', 'b', 'c');
    const choice = chooseForwarding('me', { layout: 'speaker', lastN: 9 }, all, ['c']);
    assert.equal(layerOf(choice, 'c'), 'high');
    assert.equal(layerOf(choice, 'a'), 'low');
    assert.equal(layerOf(choice, 'b'), 'low');
    const pinned = chooseForwarding('me', { layout: 'speaker', lastN: 9, pinned: 'a' }, all, ['c']);
    assert.equal(layerOf(pinned, 'a'), 'high');
    assert.equal(layerOf(pinned, 'c'), 'low');
  });

  it('grid layout: the layer follows how many tiles share the view', () => {
    assert.equal(gridLayer(1, false), 'high');
    assert.equal(gridLayer(2, false), 'high');
    assert.equal(gridLayer(4, false), 'medium');
    assert.equal(gridLayer(9, false), 'low');
    assert.equal(gridLayer(9, true), 'high');
    const choice = chooseForwarding('me', { layout: 'grid', lastN: 9 }, feeds('me', 'a', 'b', 'c', 'd', 'e', 'f'), []);
    assert.ok(choice.every((c) => c.video && c.layer === 'low'));
    assert.deepEqual(SUBSTREAM, { low: 0, medium: 1, high: 2 });
  });

  it('finds the video mid in an offer', () => {
    const sdp = ['v=0', 'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'a=mid:0', 'm=video 9 UDP/TLS/RTP/SAVPF 96', 'a=sendonly', 'a=mid:1', ''].join('\r\n');
    assert.equal(videoMid(sdp), '1');
    assert.equal(videoMid('v=0\r\nm=audio 9 x 111\r\na=mid:0\r\n'), undefined);
  });
});
