/**
 * Network ranges in CIDR notation, IPv4 and IPv6 (SPEC ID-5: "web sessions time out only outside
 * these networks"), on node:net's BlockList. An IPv4-mapped IPv6 address (`::ffff:10.1.2.3`, how a
 * dual-stack listener reports IPv4 clients) is matched as the IPv4 address it carries.
 * @module
 */
import { BlockList, isIP } from 'node:net';
import { ApiError } from '../errors.ts';

export interface Cidr {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/** Parses `a.b.c.d/n` or `x:y::/n` (a bare address is a single host); throws a 400 naming the entry. */
export function parseCidr(text: string): Cidr {
  const [address = '', prefixText, extra] = text.trim().split('/');
  const version = isIP(address);
  const max = version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (version === 0 || extra !== undefined || !(prefix >= 0 && prefix <= max)) {
    throw ApiError.badRequest(`not a network range (CIDR): ${text.slice(0, 60)}`);
  }
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** The canonical form of each range, or a 400 for the first bad one. */
export function normalizeRanges(ranges: readonly string[]): string[] {
  return ranges.map((r) => {
    const c = parseCidr(r);
    return `${c.address}/${c.prefix}`;
  });
}

function unmapped(ip: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return m?.[1] ?? ip;
}

/** Whether `ip` lies in one of the ranges (bad ranges never match; they were refused when saved). */
export function inRanges(ip: string | undefined, ranges: readonly string[]): boolean {
  if (ip === undefined || ranges.length === 0) return false;
  const address = unmapped(ip);
  const version = isIP(address);
  if (version === 0) return false;
  const list = new BlockList();
  for (const r of ranges) {
    try {
      const c = parseCidr(r);
      list.addSubnet(c.address, c.prefix, c.family);
    } catch {
      // skipped: see above
    }
  }
  return list.check(address, version === 4 ? 'ipv4' : 'ipv6');
}
