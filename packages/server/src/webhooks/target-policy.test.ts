/**
 * Where webhooks may deliver (FLINT_WEBHOOK_TARGETS) and how filters are read (SPEC PL-2): pure
 * functions, plus the lookup hook node:http calls on every new connection.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { toHydraId } from '@flint/protocol';
import { classifyAddress, guardedLookup, refuseTarget } from './target-policy.ts';
import { FilterError, matchesFilter, parseFilter } from './filters.ts';
import { RESOURCES } from './resources.ts';

describe('webhook target policy', () => {
  it('PL-2: classifies addresses, IPv4-mapped and NAT64 forms included', () => {
    const cases: [string, string][] = [
      ['127.0.0.1', 'loopback'],
      ['0.0.0.0', 'loopback'],
      ['::1', 'loopback'],
      ['::ffff:127.0.0.1', 'loopback'],
      ['::ffff:7f00:1', 'loopback'],
      ['64:ff9b::7f00:1', 'loopback'],
      ['169.254.169.254', 'link-local'],
      ['fe80::1', 'link-local'],
      ['10.2.3.4', 'private'],
      ['172.31.0.1', 'private'],
      ['192.168.1.1', 'private'],
      ['100.64.0.1', 'private'],
      ['fd12:3456::1', 'private'],
      ['224.0.0.1', 'reserved'],
      ['255.255.255.255', 'reserved'],
      ['ff02::1', 'reserved'],
      ['93.184.216.34', 'public'],
      ['2606:4700::1111', 'public'],
    ];
    for (const [address, cls] of cases) assert.equal(classifyAddress(address), cls, address);
  });

  it('PL-2: refuses targets by scheme and by the class of a literal address, per policy', () => {
    assert.match(refuseTarget('ftp://example.com/', 'any') ?? '', /http/);
    assert.match(refuseTarget('javascript:alert(1)', 'any') ?? '', /http/);
    assert.match(refuseTarget('::', 'any') ?? '', /valid URL/);
    assert.equal(refuseTarget('https://example.com/hook', 'public'), undefined);
    assert.match(refuseTarget('http://10.0.0.1/', 'public') ?? '', /private/);
    assert.equal(refuseTarget('http://10.0.0.1/', 'private'), undefined);
    for (const url of ['http://127.0.0.1/', 'http://localhost:8080/', 'http://api.localhost/', 'http://[::1]/', 'http://2130706433/', 'http://0x7f.1/', 'http://169.254.169.254/']) {
      assert.ok(refuseTarget(url, 'private') !== undefined, url);
      assert.equal(refuseTarget(url, 'any'), undefined, url);
    }
    assert.ok(refuseTarget('http://224.0.0.1/', 'any') !== undefined, 'multicast is never a target');
  });

  it('PL-2: the connection-time lookup refuses a name that resolves outside the policy', async () => {
    const lookup = (policy: 'private' | 'any', all: boolean) =>
      new Promise<unknown>((resolve, reject) => guardedLookup(policy)('localhost', { all }, (err, address) => (err ? reject(err) : resolve(address))));
    await assert.rejects(lookup('private', false), { code: 'ETARGETREFUSED' });
    await assert.rejects(lookup('private', true), { code: 'ETARGETREFUSED' });
    const one = await lookup('any', false);
    assert.ok(typeof one === 'string' && classifyAddress(one) === 'loopback');
    assert.ok(Array.isArray(await lookup('any', true)));
  });
});

describe('webhook filters', () => {
  const messages = RESOURCES.messages.filters;
  const room = '01a2280a-d62f-7739-8646-3cfd043f3f63';

  it('PL-2: reads URL-encoded values without turning + into a space, and Webex ids for hydra webhooks', () => {
    const parsed = parseFilter('personEmail=ada%2Bbots%40Example.com&roomId=' + room.toUpperCase(), messages, 'native');
    assert.deepEqual(parsed.get('personEmail'), ['ada+bots@example.com']);
    assert.deepEqual(parsed.get('roomId'), [room]);
    assert.deepEqual(parseFilter('personEmail=a+b@example.com', messages, 'native').get('personEmail'), ['a+b@example.com']);
    assert.deepEqual(parseFilter(`roomId=${toHydraId('ROOM', room)}`, messages, 'hydra').get('roomId'), [room]);
    assert.deepEqual(parseFilter(`roomId=${room}`, messages, 'hydra').get('roomId'), [room]);
    assert.throws(() => parseFilter(`roomId=${toHydraId('ROOM', room)}`, messages, 'native'), FilterError);
    assert.throws(() => parseFilter(`roomId=${toHydraId('MESSAGE', room)}`, messages, 'hydra'), /invalid value for filter: roomId/);
    assert.throws(() => parseFilter('personEmail=%E0%A4%A', messages, 'native'), /URL-encoded/);
    assert.throws(() => parseFilter('isLocked=true', messages, 'native'), /not a filter of this resource/);
  });

  it('PL-2: matches every condition (AND); a people list matches any of its ids, `me` being the creator', () => {
    const filter = parseFilter(`roomType=group&mentionedPeople=me,${room}`, messages, 'native');
    const facts = { roomType: 'group', mentionedPeople: ['creator-id'] };
    assert.equal(matchesFilter(filter, messages, facts, 'creator-id'), true);
    assert.equal(matchesFilter(filter, messages, { ...facts, mentionedPeople: [room] }, 'someone'), true);
    assert.equal(matchesFilter(filter, messages, { ...facts, mentionedPeople: ['x'] }, 'someone'), false);
    assert.equal(matchesFilter(filter, messages, { ...facts, roomType: 'direct' }, 'creator-id'), false);
    assert.equal(matchesFilter(filter, messages, { roomType: 'group' }, 'creator-id'), false, 'no mentions: no match');
  });
});
