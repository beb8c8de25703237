/**
 * SIP messages (RFC 3261 §7) as the core's user agent reads and writes them: a start line,
 * headers kept in order (several of a name, e.g. Via and Record-Route, stay separate), a body.
 * Compact header names are expanded so lookups need one name.
 * @module
 */

const COMPACT: Record<string, string> = { v: 'via', f: 'from', t: 'to', i: 'call-id', m: 'contact', l: 'content-length', c: 'content-type', k: 'supported' };

export interface SipMessage {
  /** A request's method, or undefined for a response. */
  method?: string;
  uri?: string;
  status?: number;
  reason?: string;
  headers: [string, string][];
  body: string;
}

export function parseSip(text: string): SipMessage | undefined {
  const split = text.indexOf('\r\n\r\n');
  const head = split < 0 ? text : text.slice(0, split);
  const body = split < 0 ? '' : text.slice(split + 4);
  const lines = head.split('\r\n');
  const start = lines.shift() ?? '';
  const headers: [string, string][] = [];
  for (const line of lines) {
    if (/^[ \t]/.test(line) && headers.length > 0) {
      headers[headers.length - 1]![1] += ` ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    headers.push([COMPACT[name] ?? name, line.slice(colon + 1).trim()]);
  }
  const response = /^SIP\/2\.0 (\d{3}) (.*)$/.exec(start);
  if (response !== null) return { status: Number(response[1]), reason: response[2]!, headers, body };
  const request = /^([A-Z]+) (\S+) SIP\/2\.0$/.exec(start);
  if (request !== null) return { method: request[1]!, uri: request[2]!, headers, body };
  return undefined;
}

export function header(m: SipMessage, name: string): string | undefined {
  return m.headers.find(([n]) => n === name)?.[1];
}

export function headers(m: SipMessage, name: string): string[] {
  // A header may also list several values with commas (Record-Route, Via): each is one entry.
  return m.headers.filter(([n]) => n === name).flatMap(([, v]) => splitList(v));
}

/** Splits a comma-separated header value, not inside <…> or quotes. */
function splitList(value: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (const ch of value) {
    if (ch === '"') quoted = !quoted;
    if (!quoted && ch === '<') depth++;
    if (!quoted && ch === '>') depth--;
    if (ch === ',' && depth === 0 && !quoted) {
      out.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (current.trim() !== '') out.push(current.trim());
  return out;
}

/** The tag parameter of a From or To value. */
export function tagOf(value: string | undefined): string | undefined {
  return value === undefined ? undefined : /;\s*tag=([^;>\s]+)/i.exec(value.replace(/<[^>]*>/, ''))?.[1];
}

/** The URI inside a name-addr (`"x" <sip:…>;p`) or the bare addr-spec. */
export function uriOf(value: string): string {
  const angle = /<([^>]+)>/.exec(value);
  return angle !== null ? angle[1]! : value.split(';')[0]!.trim();
}

/** The user part of a SIP URI (`sip:+1415…@host` → `+1415…`). */
export function userOf(uri: string): string | undefined {
  return /^sips?:([^@;>]+)@/.exec(uri)?.[1];
}

export function serializeSip(m: SipMessage): string {
  const start = m.method !== undefined ? `${m.method} ${m.uri} SIP/2.0` : `SIP/2.0 ${m.status} ${m.reason}`;
  const lines = [start, ...m.headers.filter(([n]) => n !== 'content-length').map(([n, v]) => `${canonical(n)}: ${v}`), `Content-Length: ${Buffer.byteLength(m.body)}`];
  return `${lines.join('\r\n')}\r\n\r\n${m.body}`;
}

function canonical(name: string): string {
  if (name === 'call-id') return 'Call-ID';
  if (name === 'cseq') return 'CSeq';
  return name.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());
}
