/**
 * Where webhooks may deliver. A webhook makes the server send requests where its creator says, so
 * an unchecked target would let anyone probe the server's own network (SSRF). Self-hosted installs
 * do legitimately deliver to internal hosts, so the policy is the operator's (FLINT_WEBHOOK_TARGETS):
 *
 * - `public`: public addresses only (a server open to the internet's sign-ups);
 * - `private` (default): also private networks (RFC 1918, CGNAT, IPv6 ULA) — internal bots;
 * - `any`: also loopback and link-local (a one-machine install with its bot beside it; tests).
 *
 * Multicast, broadcast and reserved ranges are never targets. The check runs at registration for
 * addresses written in the URL, and at every connection on the addresses DNS gave (the `lookup`
 * hook of node:http), so a name that later resolves elsewhere (DNS rebinding) is caught where it
 * matters. Redirects are never followed.
 * @module
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import type { WebhookTargetPolicy } from '../config/config.ts';

export type AddressClass = 'public' | 'private' | 'loopback' | 'link-local' | 'reserved';

function list(v4: [string, number][], v6: [string, number][]): BlockList {
  const b = new BlockList();
  for (const [net, bits] of v4) b.addSubnet(net, bits, 'ipv4');
  for (const [net, bits] of v6) b.addSubnet(net, bits, 'ipv6');
  return b;
}

// BlockList matches IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) against the IPv4 rules itself.
const CLASSES: [AddressClass, BlockList][] = [
  // The unspecified address reaches the local host on Linux: it counts as loopback.
  ['loopback', list([['127.0.0.0', 8], ['0.0.0.0', 8]], [['::1', 128], ['::', 128]])],
  ['link-local', list([['169.254.0.0', 16]], [['fe80::', 10]])],
  ['private', list([['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], ['100.64.0.0', 10], ['198.18.0.0', 15]], [['fc00::', 7], ['fec0::', 10]])],
  ['reserved', list([['224.0.0.0', 4], ['240.0.0.0', 4]], [['ff00::', 8]])],
];

const ALLOWED: Record<WebhookTargetPolicy, ReadonlySet<AddressClass>> = {
  public: new Set(['public']),
  private: new Set(['public', 'private']),
  any: new Set(['public', 'private', 'loopback', 'link-local']),
};

/** The IPv4 address inside a NAT64 address (64:ff9b::/96), which reaches it. */
function nat64(address: string): string | undefined {
  const m = /^64:ff9b::(?:([0-9a-f]{1,4}):([0-9a-f]{1,4})|(\d+\.\d+\.\d+\.\d+))$/i.exec(address);
  if (m === null) return undefined;
  if (m[3] !== undefined) return m[3];
  const hi = parseInt(m[1]!, 16);
  const lo = parseInt(m[2]!, 16);
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
}

export function classifyAddress(address: string): AddressClass {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const embedded = nat64(bare);
  if (embedded !== undefined) return classifyAddress(embedded);
  const family = isIP(bare);
  if (family === 0) return 'reserved';
  const type = family === 4 ? 'ipv4' : 'ipv6';
  for (const [cls, blocks] of CLASSES) if (blocks.check(bare, type)) return cls;
  return 'public';
}

export function addressAllowed(policy: WebhookTargetPolicy, address: string): boolean {
  return ALLOWED[policy].has(classifyAddress(address));
}

/**
 * Checks a target URL without DNS: scheme, host, and the address class of a literal address or of
 * `localhost`. Answers the reason it is refused, or undefined when it is acceptable.
 */
export function refuseTarget(text: string, policy: WebhookTargetPolicy): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'targetUrl: not a valid URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'targetUrl: must be an http:// or https:// URL';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (host === '') return 'targetUrl: has no host';
  let cls: AddressClass | undefined;
  if (isIP(host) !== 0) cls = classifyAddress(host);
  else if (host === 'localhost' || host.endsWith('.localhost')) cls = 'loopback';
  if (cls !== undefined && !ALLOWED[policy].has(cls)) return `targetUrl: this server does not deliver to ${cls} addresses (FLINT_WEBHOOK_TARGETS=${policy})`;
  return undefined;
}

export class TargetRefused extends Error {
  override readonly name = 'TargetRefused';
  readonly code = 'ETARGETREFUSED';
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for node:http that resolves as usual and refuses (the connection fails) when any
 * address the name resolves to is outside the policy.
 */
export function guardedLookup(policy: WebhookTargetPolicy) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err !== null) {
        callback(err, []);
        return;
      }
      const refused = addresses.find((a) => !addressAllowed(policy, a.address));
      if (refused !== undefined || addresses.length === 0) {
        callback(new TargetRefused(`target resolves to a ${refused ? classifyAddress(refused.address) : 'missing'} address, outside FLINT_WEBHOOK_TARGETS=${policy}`), []);
        return;
      }
      if (options.all === true) callback(null, addresses);
      else callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}
