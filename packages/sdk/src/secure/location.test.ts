/**
 * SPEC MS-6: a shared location is sealed with the message like its text. Ada sends one through her
 * session; Bob's session opens the same latitude, longitude, city and country (live and listed); the
 * core stores a sealed card and a sealed fallback, and its whole database and data folder hold
 * neither the coordinates nor the city (DESIGN §2 invariant 1); the Webex-compatible /v1 API shows
 * the fallback text and the card; bad locations are refused before anything is sent.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { CARD_CONTENT_TYPE, toHydraId, type Message } from '@flint/protocol';
import { raw, scanForPlaintext, startFlint, type TestFlint } from '@flint/testkit';
import type { FlintClient } from '../client.ts';
import { FlintError } from '../errors.ts';
import type { Session } from '../session.ts';
import type { SecureMessage } from '../session/types.ts';
import { mapLink } from './location.ts';

describe('shared locations (MS-6)', () => {
  let flint: TestFlint;
  let ada: FlintClient;
  let bob: FlintClient;
  let adaSession: Session;
  let bobSession: Session;

  before(async () => {
    flint = await startFlint();
    ada = await flint.signup({ email: 'ada@location.example', displayName: 'Ada Location' });
    bob = await flint.signup({ email: 'bob@location.example', displayName: 'Bob Location' });
    adaSession = await flint.connect(ada, { deviceId: 'ada-phone' });
    bobSession = await flint.connect(bob, { deviceId: 'bob-laptop' });
  });
  after(async () => {
    adaSession.close();
    bobSession.close();
    await flint.stop();
  });

  it('round-trips latitude, longitude and city sealed, and the core holds none of them', async () => {
    // A made-up city name and coordinates no other row could hold by chance.
    const city = `Zanzibarville${randomBytes(4).toString('hex')}`;
    const place = { latitude: 47.21837, longitude: -1.55362, city, countryCode: 'FR', accuracy: 18 };
    const room = await adaSession.spaces.create({ title: 'Where we are' });
    await adaSession.members.add(room.id, { personEmail: 'bob@location.example' });

    const seen: SecureMessage[] = [];
    bobSession.events.on((event) => {
      if (event.type === 'message.created') void bobSession.messages.open(event.data as Message).then((m) => seen.push(m));
    });
    await bobSession.events.start();

    const sent = await adaSession.messages.send({ roomId: room.id, location: place });
    assert.deepEqual(sent.location, place);
    assert.equal(sent.text, `📍 ${city}, FR ${mapLink(place)}`, 'the fallback: the place and its map link');

    // Bob opens it live and from the list, with his own KMS access.
    for (let i = 0; i < 100 && !seen.some((m) => m.id === sent.id); i++) await new Promise((r) => setTimeout(r, 50));
    const live = seen.find((m) => m.id === sent.id);
    assert.deepEqual(live?.location, place, 'live, through the event stream');
    const listed = (await bobSession.messages.list({ roomId: room.id })).items.find((m) => m.id === sent.id);
    assert.deepEqual(listed?.location, place, 'listed');
    assert.equal(listed?.decryptError, undefined);
    assert.equal(mapLink(place), 'https://www.openstreetmap.org/?mlat=47.21837&mlon=-1.55362#map=15/47.21837/-1.55362');

    // What the core answers and stores: a sealed card and a sealed text, nothing in clear.
    const stored = await bob.messages.get(sent.id);
    assert.equal(stored.attachments?.length, 1);
    assert.equal(stored.attachments?.[0]?.contentType, CARD_CONTENT_TYPE, 'the core sees a card, not a location');
    assert.match(stored.attachments[0].content, /^[\w-]+\.\.[\w-]+\.[\w-]+\.[\w-]+$/, 'a JWE (dir, A256GCM)');
    assert.match(stored.text ?? '', /^[\w-]+\.\.[\w-]+\.[\w-]+\.[\w-]+$/);
    const scan = await scanForPlaintext(flint, [city, '47.21837', '-1.55362', '47.2183', '1.5536'], 'Ada Location');
    assert.ok(scan.controlInDatabase, 'the scan read the people table');
    assert.ok(scan.rowsScanned > 0, 'the scan read rows');
    // The data folder holds files on SQLite (the database itself); on PostgreSQL it may hold none.
    if (flint.engine === 'sqlite') assert.ok(scan.filesScanned > 0, 'the scan read files');
    assert.deepEqual(scan.inDatabase, []);
    assert.deepEqual(scan.inFiles, []);
    assert.deepEqual(scan.inLogs, []);

    // The Webex-compatible API (Bob's token, his browser's device approving it): the fallback text
    // and the card, which Webex clients render; the location rides in it as one more property.
    await bobSession.approveToken(bob.session!.accessToken);
    const v1 = (await raw(flint.url, 'GET', `/v1/messages/${toHydraId('MESSAGE', sent.id)}`, { token: bob.session!.accessToken })).json as { text: string; attachments: { contentType: string; content: Record<string, unknown> }[] };
    assert.equal(v1.text, sent.text);
    assert.equal(v1.attachments[0]?.contentType, CARD_CONTENT_TYPE);
    assert.equal(v1.attachments[0]?.content.type, 'AdaptiveCard');
    assert.deepEqual(v1.attachments[0]?.content.flintLocation, place);
    assert.deepEqual(v1.attachments[0]?.content.actions, [{ type: 'Action.OpenUrl', title: 'OpenStreetMap', url: mapLink(place) }]);

    // A message with a card cannot be edited (as Webex): the location stays as sent.
    await assert.rejects(adaSession.messages.edit(sent.id, { roomId: room.id, text: 'elsewhere' }), (e: unknown) => e instanceof FlintError && e.status === 400);
    assert.deepEqual((await bobSession.messages.get(sent.id)).location, place);
  });

  it('rounds coordinates to about a metre, keeps a caption as the fallback, and refuses a bad location before sending', async () => {
    const room = await adaSession.spaces.create({ title: 'Checks' });
    const sent = await adaSession.messages.send({ roomId: room.id, text: 'Here now', location: { latitude: 51.5007292, longitude: -0.1246254 } });
    assert.deepEqual(sent.location, { latitude: 51.50073, longitude: -0.12463 });
    assert.equal((await adaSession.messages.get(sent.id)).text, 'Here now');

    const before = (await ada.messages.list({ roomId: room.id })).items.length;
    const bad: [string, object][] = [
      ['latitude out of range', { latitude: 91, longitude: 0 }],
      ['longitude out of range', { latitude: 0, longitude: -180.5 }],
      ['not a number', { latitude: Number.NaN, longitude: 0 }],
      ['a string', { latitude: '48.8', longitude: 2.3 }],
      ['an empty city', { latitude: 0, longitude: 0, city: ' ' }],
      ['a control character', { latitude: 0, longitude: 0, city: 'Par\u0000is' }],
      ['a long city', { latitude: 0, longitude: 0, city: 'x'.repeat(201) }],
      ['a country name', { latitude: 0, longitude: 0, countryCode: 'France' }],
      ['negative accuracy', { latitude: 0, longitude: 0, accuracy: -1 }],
      ['an unknown field', { latitude: 0, longitude: 0, altitude: 3 }],
    ];
    for (const [why, location] of bad) {
      await assert.rejects(adaSession.messages.send({ roomId: room.id, location: location as never }), (e: unknown) => e instanceof FlintError && e.kind === 'invalid' && /location/.test(e.message), why);
    }
    await assert.rejects(
      adaSession.messages.send({ roomId: room.id, location: { latitude: 0, longitude: 0 }, cards: [{ contentType: CARD_CONTENT_TYPE, content: { type: 'AdaptiveCard', version: '1.3', body: [] } }] }),
      (e: unknown) => e instanceof FlintError && e.kind === 'invalid',
      'a location and another card',
    );
    assert.equal((await ada.messages.list({ roomId: room.id })).items.length, before, 'nothing was sent');

    // A card that only looks like a location (a bad one inside) opens as a card, with no location.
    const odd = await adaSession.messages.send({ roomId: room.id, text: 'odd', cards: [{ contentType: CARD_CONTENT_TYPE, content: { type: 'AdaptiveCard', version: '1.3', body: [], flintLocation: { latitude: 200, longitude: 0 } } }] });
    const opened = await bobSession.messages.get(odd.id).catch(() => undefined);
    assert.equal(opened, undefined, 'Bob is not a member of this space');
    const mine = await adaSession.messages.get(odd.id);
    assert.equal(mine.cards?.length, 1);
    assert.equal(mine.location, undefined);
  });
});
