/**
 * Which addresses the server itself may connect to on a user's behalf: webhook targets, and files
 * the gateway fetches from a URL (SPEC PL-2, FL-3). Anything a user names makes the server send
 * requests from inside its own network, so an unchecked address would let anyone probe that network
 * or read a cloud metadata service (SSRF).
 *
 * The policy (FLINT_WEBHOOK_TARGETS, FLINT_WEBHOOK_ALLOW) is:
 * - `public` (default): only plainly public unicast addresses, plus what the operator lists;
 * - `any`: every unicast address (a one-machine install with its bot beside it; tests);
 * - the allow-list: CIDRs (`10.20.0.0/16`, `fd12::/48`, a bare address) and host names
 *   (`bots.corp.example`, or `.corp.example` for every name under it) that may be internal —
 *   as Mattermost's "allowed untrusted internal connections". A listed name may resolve anywhere
 *   (the operator trusts its DNS); a listed range admits any name that resolves into it.
 *
 * Addresses are parsed by `ipaddr.js`, and every IPv6 form that carries an IPv4 address is judged
 * by the IPv4 address it reaches: IPv4-mapped (`::ffff:127.0.0.1`), IPv4-compatible
 * (`::127.0.0.1`), SIIT (`::ffff:0:a.b.c.d`) and NAT64 (`64:ff9b::/96`, `64:ff9b:1::/48`). 6to4 and
 * Teredo tunnels are refused outright (their far end is hard to judge). Loopback, private (RFC
 * 1918), carrier-grade NAT (`100.64.0.0/10`, where `100.100.100.200` is Alibaba's metadata
 * service), link-local (`169.254.169.254`), unique-local IPv6 (`fd00:ec2::254` on AWS), reserved
 * and documentation ranges, and Azure's `168.63.129.16` are all "not public". Multicast, broadcast
 * and the unspecified address are never targets, whatever the policy.
 * @module
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import ipaddr from 'ipaddr.js';

export type AddressMode = 'public' | 'any';

export interface AllowList {
  readonly ranges: readonly [ipaddr.IPv4 | ipaddr.IPv6, number][];
  /** Exact host names, lower-case. */
  readonly hosts: ReadonlySet<string>;
  /** `.corp.example`: any name ending so. */
  readonly suffixes: readonly string[];
}

export interface AddressPolicy {
  readonly mode: AddressMode;
  readonly allow: AllowList;
}

export const EMPTY_ALLOW_LIST: AllowList = { ranges: [], hosts: new Set(), suffixes: [] };

/** What an address is, judged by what it reaches. `public` is the only class `public` mode admits. */
export type AddressClass = 'public' | 'loopback' | 'private' | 'carrier-grade-nat' | 'link-local' | 'unique-local' | 'metadata' | 'tunnel' | 'reserved' | 'never' | 'invalid';

/** Public-looking addresses that are cloud services on the host's own network. */
const METADATA = [ipaddr.parseCIDR('168.63.129.16/32')] as const;

const V4_CLASS: Record<string, AddressClass> = {
  unicast: 'public',
  loopback: 'loopback',
  private: 'private',
  carrierGradeNat: 'carrier-grade-nat',
  linkLocal: 'link-local',
  unspecified: 'never',
  broadcast: 'never',
  multicast: 'never',
};

const V6_CLASS: Record<string, AddressClass> = {
  unicast: 'public',
  loopback: 'loopback',
  linkLocal: 'link-local',
  uniqueLocal: 'unique-local',
  deprecatedSiteLocal: 'unique-local',
  '6to4': 'tunnel',
  teredo: 'tunnel',
  unspecified: 'never',
  multicast: 'never',
};

function parse(text: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const bare = text.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  // Only the canonical dotted quad for IPv4: URLs have normalized `0x7f.1` and friends already,
  // and a DNS answer is always canonical.
  if (ipaddr.IPv4.isValidFourPartDecimal(bare)) return ipaddr.IPv4.parse(bare);
  if (ipaddr.IPv6.isValid(bare)) return ipaddr.IPv6.parse(bare);
  return undefined;
}

/** The IPv4 address an IPv6 address stands for, when it embeds one that is what gets reached. */
function embeddedV4(address: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const p = address.parts;
  const last32 = () => new ipaddr.IPv4([p[6]! >> 8, p[6]! & 255, p[7]! >> 8, p[7]! & 255]);
  const range = address.range();
  if (range === 'ipv4Mapped' || range === 'rfc6145' || range === 'rfc6052') return last32();
  // IPv4-compatible (::a.b.c.d, deprecated but still routed by some stacks), not :: or ::1.
  if (p.slice(0, 6).every((x) => x === 0) && (p[6] !== 0 || p[7]! > 1)) return last32();
  return undefined;
}

export function classifyAddress(text: string): AddressClass {
  let address = parse(text);
  if (address === undefined) return 'invalid';
  if (address.kind() === 'ipv6') {
    const v4 = embeddedV4(address as ipaddr.IPv6);
    if (v4 !== undefined) address = v4;
  }
  if (address.kind() === 'ipv4') {
    if (METADATA.some(([net, bits]) => address.kind() === net.kind() && address.match(net, bits))) return 'metadata';
    return V4_CLASS[address.range()] ?? 'reserved';
  }
  return V6_CLASS[address.range()] ?? 'reserved';
}

function inRanges(allow: AllowList, text: string): boolean {
  const address = parse(text);
  if (address === undefined) return false;
  const candidates: (ipaddr.IPv4 | ipaddr.IPv6)[] = [address];
  if (address.kind() === 'ipv6') {
    const v4 = embeddedV4(address as ipaddr.IPv6);
    if (v4 !== undefined) candidates.push(v4);
  }
  return allow.ranges.some(([net, bits]) => candidates.some((a) => a.kind() === net.kind() && a.match(net, bits)));
}

export function hostListed(allow: AllowList, hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  return allow.hosts.has(host) || allow.suffixes.some((s) => host.endsWith(s));
}

/**
 * Whether the server may connect to `address`, reached under the name `hostname` (the URL's host;
 * the address itself when the URL names an address).
 */
export function addressAllowed(policy: AddressPolicy, address: string, hostname?: string): boolean {
  const cls = classifyAddress(address);
  if (cls === 'never' || cls === 'invalid') return false;
  if (cls === 'public' || policy.mode === 'any') return true;
  return inRanges(policy.allow, address) || (hostname !== undefined && hostListed(policy.allow, hostname));
}

/** Reads `cidr,cidr,host,.suffix`; problems are named by entry, for the config's report. */
export function parseAllowList(text: string | undefined): { allow: AllowList; problems: string[] } {
  const ranges: [ipaddr.IPv4 | ipaddr.IPv6, number][] = [];
  const hosts = new Set<string>();
  const suffixes: string[] = [];
  const problems: string[] = [];
  for (const raw of (text ?? '').split(',')) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    const bare = entry.replace(/^\[|\]$/g, '');
    if (bare.includes('/')) {
      try {
        const [net, bits] = ipaddr.parseCIDR(bare);
        ranges.push([net, bits]);
      } catch {
        problems.push(`not a CIDR range: ${JSON.stringify(entry)}`);
      }
    } else if (parse(bare) !== undefined) {
      const address = parse(bare)!;
      ranges.push([address, address.kind() === 'ipv4' ? 32 : 128]);
    } else if (/^\.?([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(entry) && !/^[\d.]+$/.test(entry)) {
      if (entry.startsWith('.')) suffixes.push(entry);
      else hosts.add(entry);
    } else {
      problems.push(`not an address, CIDR range or host name: ${JSON.stringify(entry)}`);
    }
  }
  return { allow: { ranges, hosts, suffixes }, problems };
}

/**
 * Checks a URL's host without DNS: an address written in the URL (never looked up, so judged
 * here) and `localhost` names. Answers the class that is refused, or undefined when the host is
 * acceptable so far (a name is judged again on every address it resolves to).
 */
export function refusedHost(policy: AddressPolicy, hostname: string): AddressClass | undefined {
  const host = hostname.replace(/^\[|\]$/g, '');
  const cls = classifyAddress(host);
  if (cls !== 'invalid') return addressAllowed(policy, host) ? undefined : cls;
  if ((host === 'localhost' || host.endsWith('.localhost')) && policy.mode !== 'any' && !hostListed(policy.allow, host)) return 'loopback';
  return undefined;
}

export class AddressRefused extends Error {
  override readonly name = 'AddressRefused';
  readonly code = 'ETARGETREFUSED';
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for node:http(s): resolves as usual and fails the connection when any address the
 * name resolves to is refused — so what is checked is what is dialled, DNS rebinding included.
 */
export function guardedLookup(policy: AddressPolicy, describe = 'the address policy') {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err !== null) {
        callback(err, []);
        return;
      }
      const refused = addresses.find((a) => !addressAllowed(policy, a.address, hostname));
      if (refused !== undefined || addresses.length === 0) {
        callback(new AddressRefused(`${hostname} resolves to a ${refused ? classifyAddress(refused.address) : 'missing'} address, outside ${describe}`), []);
        return;
      }
      if (options.all === true) callback(null, addresses);
      else callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}
