/**
 * Where webhooks may deliver (FLINT_WEBHOOK_TARGETS, FLINT_WEBHOOK_ALLOW) and how filters are read (SPEC PL-2): pure
 * functions, plus the lookup hook node:http calls on every new connection.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { toHydraId } from '@flint/protocol';
import { refuseTarget, targetLookup } from './target-policy.ts';
import { EMPTY_ALLOW_LIST, classifyAddress, parseAllowList, type AddressPolicy } from '../infra/address-policy.ts';
import { FilterError, matchesFilter, parseFilter } from './filters.ts';
import { RESOURCES } from './resources.ts';

describe('webhook target policy', () => {
  const PUBLIC: AddressPolicy = { mode: 'public', allow: EMPTY_ALLOW_LIST };
  const ANY: AddressPolicy = { mode: 'any', allow: EMPTY_ALLOW_LIST };

  it('PL-2: refuses targets by scheme and by the class of a literal address, per policy', () => {
    assert.match(refuseTarget('ftp://example.com/', ANY) ?? '', /http/);
    assert.match(refuseTarget('javascript:alert(1)', ANY) ?? '', /http/);
    assert.match(refuseTarget('::', ANY) ?? '', /valid URL/);
    assert.equal(refuseTarget('https://example.com/hook', PUBLIC), undefined);
    assert.match(refuseTarget('http://10.0.0.1/', PUBLIC) ?? '', /private/);
    const allowTen = { mode: 'public', allow: parseAllowList('10.0.0.0/8').allow } as const;
    assert.equal(refuseTarget('http://10.0.0.1/', allowTen), undefined);
    assert.match(refuseTarget('http://192.168.0.1/', allowTen) ?? '', /private/);
    // Every spelling of an internal address, IPv6 forms and cloud metadata services included.
    for (const url of [
      'http://127.0.0.1/',
      'http://localhost:8080/',
      'http://api.localhost/',
      'http://[::1]/',
      'http://[::127.0.0.1]/',
      'http://[::ffff:127.0.0.1]/',
      'http://[64:ff9b::7f00:1]/',
      'http://2130706433/',
      'http://0x7f.1/',
      'http://169.254.169.254/',
      'http://[fd00:ec2::254]/',
      'http://[fd20:ce::254]/',
      'http://100.100.100.200/',
      'http://10.1.2.3/',
      'http://[::ffff:10.1.2.3]/',
    ]) {
      assert.ok(refuseTarget(url, PUBLIC) !== undefined, url);
      assert.equal(refuseTarget(url, ANY), undefined, url);
    }
    assert.ok(refuseTarget('http://224.0.0.1/', ANY) !== undefined, 'multicast is never a target');
    assert.ok(refuseTarget('http://0.0.0.0/', ANY) !== undefined, 'the unspecified address is never a target');
  });

  it('PL-2: the connection-time lookup refuses a name that resolves outside the policy (no connection is made)', async () => {
    const lookup = (policy: AddressPolicy, all: boolean) =>
      new Promise<unknown>((resolve, reject) => targetLookup(policy)('localhost', { all }, (err: NodeJS.ErrnoException | null, address: unknown) => (err ? reject(err) : resolve(address))));
    await assert.rejects(lookup(PUBLIC, false), { code: 'ETARGETREFUSED' });
    await assert.rejects(lookup(PUBLIC, true), { code: 'ETARGETREFUSED' });
    const one = await lookup(ANY, false);
    assert.ok(typeof one === 'string' && classifyAddress(one) === 'loopback');
    assert.ok(Array.isArray(await lookup(ANY, true)));
    // A listed host name may resolve to an internal address; so may a name resolving into a listed range.
    assert.ok(typeof (await lookup({ mode: 'public', allow: parseAllowList('localhost').allow }, false)) === 'string');
    assert.ok(typeof (await lookup({ mode: 'public', allow: parseAllowList('127.0.0.0/8,::1').allow }, false)) === 'string');
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
