/**
 * Webhook filters: `key=value` pairs joined by `&` (values URL-encoded, as Webex documents), each
 * key one the resource defines (resources.ts). Parsed once — at registration, where bad input is a
 * 400 naming the key as Webex words it ("invalid value for filter: roomId"), and when the in-memory
 * registry loads — and then matched against each event's facts with no I/O.
 * @module
 */
import { fromHydraId, isUuid, webhooks as wire, type HydraType } from '@flint/protocol';

/**
 * How a filter's value is written and matched: `room` and `person` are one id (checked for access
 * at registration), `people` a comma-separated list of ids or `me` (any of them matches), `email`
 * is compared without case, `bool` is `true` or `false`, `roomType` is `direct` or `group`,
 * `message` one message id (an attachment action's card).
 */
export type FilterKind = 'room' | 'person' | 'people' | 'email' | 'bool' | 'roomType' | 'message';

export interface FilterSpec {
  kind: FilterKind;
  /** The fact of the event it is matched against (a field of the delivered data, or a computed one). */
  fact: string;
}

/** Parsed filter: key → normalized values (one, except for `people`). */
export type ParsedFilter = ReadonlyMap<string, readonly string[]>;

export class FilterError extends Error {
  override readonly name = 'FilterError';
}

const HYDRA_OF: Partial<Record<FilterKind, HydraType>> = { room: 'ROOM', person: 'PEOPLE', people: 'PEOPLE', message: 'MESSAGE' };
const EMAIL = /^[^@\s]+@[^@\s]+$/;

function decode(part: string): string {
  try {
    // Not URLSearchParams: it would turn the `+` of an address (or of a base64 id) into a space.
    return decodeURIComponent(part);
  } catch {
    throw new FilterError('filter: not a valid URL-encoded string');
  }
}

function parseId(kind: FilterKind, raw: string, idFormat: 'native' | 'hydra'): string | undefined {
  if (idFormat === 'native') return isUuid(raw) ? raw.toLowerCase() : undefined;
  // Webhooks registered through the gateway use Webex ids; raw UUIDs are accepted there as well.
  return fromHydraId(HYDRA_OF[kind]!, raw);
}

/** Parses and checks a filter against the resource's keys; throws FilterError naming the bad key. */
export function parseFilter(text: string, specs: Readonly<Record<string, FilterSpec>>, idFormat: 'native' | 'hydra'): ParsedFilter {
  const parsed = new Map<string, string[]>();
  for (const part of text.split('&')) {
    const eq = part.indexOf('=');
    const key = decode(eq < 0 ? part : part.slice(0, eq));
    const spec = Object.hasOwn(specs, key) ? specs[key] : undefined;
    if (spec === undefined) throw new FilterError(`invalid filter: ${key === '' ? '(empty)' : key} is not a filter of this resource`);
    if (parsed.has(key)) throw new FilterError(`invalid filter: ${key} appears twice`);
    const raw = eq < 0 ? '' : decode(part.slice(eq + 1));
    const bad = () => new FilterError(`invalid value for filter: ${key}`);
    if (raw === '') throw bad();
    let values: string[];
    switch (spec.kind) {
      case 'room':
      case 'person':
      case 'message': {
        const id = parseId(spec.kind, raw, idFormat);
        if (id === undefined) throw bad();
        values = [id];
        break;
      }
      case 'people': {
        const items = raw.split(',');
        if (items.length > wire.WEBHOOK_LIMITS.filterValues) throw new FilterError(`invalid value for filter: ${key} (at most ${wire.WEBHOOK_LIMITS.filterValues} values)`);
        values = items.map((item) => {
          if (item === 'me') return 'me';
          const id = parseId('people', item, idFormat);
          if (id === undefined) throw bad();
          return id;
        });
        break;
      }
      case 'email':
        if (!EMAIL.test(raw)) throw bad();
        values = [raw.toLowerCase()];
        break;
      case 'bool':
        if (raw !== 'true' && raw !== 'false') throw bad();
        values = [raw];
        break;
      case 'roomType':
        if (raw !== 'direct' && raw !== 'group') throw bad();
        values = [raw];
        break;
    }
    parsed.set(key, values);
  }
  return parsed;
}

/** True when every condition of the filter holds for the event's facts (`me` is the webhook's creator). */
export function matchesFilter(filter: ParsedFilter, specs: Readonly<Record<string, FilterSpec>>, facts: Readonly<Record<string, unknown>>, creatorId: string): boolean {
  for (const [key, values] of filter) {
    const spec = specs[key];
    if (spec === undefined) return false;
    const fact = facts[spec.fact];
    const value = values[0]!;
    switch (spec.kind) {
      case 'room':
      case 'person':
      case 'message':
      case 'roomType':
        if (fact !== value) return false;
        break;
      case 'email':
        if (typeof fact !== 'string' || fact.toLowerCase() !== value) return false;
        break;
      case 'bool':
        if (fact !== (value === 'true')) return false;
        break;
      case 'people': {
        if (!Array.isArray(fact)) return false;
        const wanted = values.map((v) => (v === 'me' ? creatorId : v));
        if (!wanted.some((w) => fact.includes(w))) return false;
        break;
      }
    }
  }
  return true;
}
