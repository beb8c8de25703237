/**
 * The address policy for connections the server makes on a user's behalf (webhooks, files from a
 * URL): classification by what an address reaches, and the operator's allow-list. Pure functions.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EMPTY_ALLOW_LIST, addressAllowed, classifyAddress, parseAllowList, refusedHost, type AddressPolicy } from './address-policy.ts';

const PUBLIC: AddressPolicy = { mode: 'public', allow: EMPTY_ALLOW_LIST };
const ANY: AddressPolicy = { mode: 'any', allow: EMPTY_ALLOW_LIST };

describe('address policy', () => {
  it('PL-2: classifies addresses by what they reach: IPv4-mapped, IPv4-compatible, SIIT and NAT64 forms, metadata services', () => {
    const cases: [string, string][] = [
      ['127.0.0.1', 'loopback'],
      ['::1', 'loopback'],
      ['::127.0.0.1', 'loopback'],
      ['[::127.0.0.1]', 'loopback'],
      ['::ffff:127.0.0.1', 'loopback'],
      ['::ffff:7f00:1', 'loopback'],
      ['::ffff:0:7f00:1', 'loopback'],
      ['64:ff9b::7f00:1', 'loopback'],
      ['64:ff9b::127.0.0.1', 'loopback'],
      ['64:ff9b:1::a00:1', 'private'],
      ['169.254.169.254', 'link-local'],
      ['fe80::1', 'link-local'],
      ['fe80::1%eth0', 'link-local'],
      ['10.2.3.4', 'private'],
      ['172.31.0.1', 'private'],
      ['192.168.1.1', 'private'],
      ['::ffff:192.168.1.1', 'private'],
      ['100.64.0.1', 'carrier-grade-nat'],
      ['100.100.100.200', 'carrier-grade-nat'],
      ['fd00:ec2::254', 'unique-local'],
      ['fd20:ce::254', 'unique-local'],
      ['fd12:3456::1', 'unique-local'],
      ['168.63.129.16', 'metadata'],
      ['192.0.0.192', 'reserved'],
      ['198.18.0.1', 'reserved'],
      ['2001:db8::1', 'reserved'],
      ['2002:7f00:1::1', 'tunnel'],
      ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'tunnel'],
      ['0.0.0.0', 'never'],
      ['::', 'never'],
      ['224.0.0.1', 'never'],
      ['255.255.255.255', 'never'],
      ['ff02::1', 'never'],
      ['93.184.216.34', 'public'],
      ['2606:4700::1111', 'public'],
      ['::ffff:93.184.216.34', 'public'],
      ['not an address', 'invalid'],
      ['0x7f.1', 'invalid'],
    ];
    for (const [address, cls] of cases) assert.equal(classifyAddress(address), cls, address);
  });

  it('PL-2: `public` admits public unicast only; `any` every unicast; neither multicast or the unspecified address', () => {
    for (const a of ['127.0.0.1', '::127.0.0.1', '10.0.0.1', '100.100.100.200', 'fd00:ec2::254', 'fd20:ce::254', '169.254.169.254', '168.63.129.16', '64:ff9b::a9fe:a9fe']) {
      assert.equal(addressAllowed(PUBLIC, a), false, a);
      assert.equal(addressAllowed(ANY, a), true, a);
    }
    for (const a of ['0.0.0.0', '::', '224.0.0.1', 'ff02::1']) assert.equal(addressAllowed(ANY, a), false, a);
    assert.equal(addressAllowed(PUBLIC, '93.184.216.34'), true);
  });

  it('PL-2: the allow-list admits listed ranges (any spelling of their addresses) and listed host names', () => {
    const { allow, problems } = parseAllowList(' 10.20.0.0/16 , [fd12::/48], 127.0.0.1, bots.corp.example, .intranet.example ');
    assert.deepEqual(problems, []);
    const policy: AddressPolicy = { mode: 'public', allow };
    assert.equal(addressAllowed(policy, '10.20.3.4'), true);
    assert.equal(addressAllowed(policy, '::ffff:10.20.3.4'), true, 'an IPv4-mapped spelling of a listed address');
    assert.equal(addressAllowed(policy, '10.21.0.1'), false);
    assert.equal(addressAllowed(policy, 'fd12::9'), true);
    assert.equal(addressAllowed(policy, 'fd00:ec2::254'), false);
    assert.equal(addressAllowed(policy, '127.0.0.1'), true);
    assert.equal(addressAllowed(policy, '127.0.0.2'), false);
    assert.equal(addressAllowed(policy, '192.168.1.5', 'bots.corp.example'), true);
    assert.equal(addressAllowed(policy, '192.168.1.5', 'chat.intranet.example'), true);
    assert.equal(addressAllowed(policy, '192.168.1.5', 'evil.example'), false);
    assert.equal(addressAllowed(policy, '224.0.0.1', 'bots.corp.example'), false, 'multicast stays refused');
    assert.equal(refusedHost(policy, 'localhost'), 'loopback');
    assert.equal(refusedHost({ mode: 'public', allow: parseAllowList('localhost').allow }, 'localhost'), undefined);
    assert.equal(refusedHost(policy, '[::ffff:10.20.0.9]'), undefined);
    assert.equal(refusedHost(policy, '[::127.0.0.1]'), undefined, 'reaches the listed 127.0.0.1');
    assert.equal(refusedHost(policy, '[::127.0.0.2]'), 'loopback');
  });

  it('PL-2: a bad allow-list entry is reported by name', () => {
    assert.deepEqual(parseAllowList('10.0.0.0/33,,foo_bar, 1.2.3').problems, ['not a CIDR range: "10.0.0.0/33"', 'not an address, CIDR range or host name: "foo_bar"', 'not an address, CIDR range or host name: "1.2.3"']);
  });
});
