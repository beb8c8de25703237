/**
 * KMS object URIs. Clients send absolute `kms://<host>/…` URIs for objects and relative `/keys`,
 * `/resources`, `/authorizations`, `/ping` for collections; the KMS accepts both and always
 * answers with absolute ones. A `kms://` URI naming another host would be federation (not served).
 * @module
 */
import { v7 as uuidv7 } from 'uuid';
import { KmsError } from './errors.ts';
import type { KmsContext } from './context.ts';

export interface ParsedUri {
  /** Path segments, decoded: `['keys', '<id>']`. */
  segments: string[];
  query: URLSearchParams;
}

const MAX_URI = 2048;

export function parseUri(kms: KmsContext, raw: unknown): ParsedUri {
  if (typeof raw !== 'string' || raw === '' || raw.length > MAX_URI) throw KmsError.badRequest('uri is required');
  let url: URL;
  try {
    url = raw.startsWith('/') ? new URL(raw, kms.cluster) : new URL(raw);
  } catch {
    throw KmsError.badRequest('uri is not a valid URI');
  }
  if (url.protocol !== 'kms:') throw KmsError.badRequest('uri must be a kms: URI');
  if (url.hostname.toLowerCase() !== kms.host.toLowerCase()) throw KmsError.notFound('That object belongs to another KMS.');
  const segments = url.pathname
    .split('/')
    .filter((s) => s !== '')
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        throw KmsError.badRequest('uri has a malformed escape');
      }
    });
  return { segments, query: url.searchParams };
}

/** The canonical absolute URI of an object named by a client, or undefined if it is not that kind. */
export function canonicalObjectUri(kms: KmsContext, raw: unknown, collection: 'keys' | 'resources' | 'authorizations' | 'ecdhe'): string {
  const { segments } = parseUri(kms, raw);
  if (segments.length !== 2 || segments[0] !== collection) throw KmsError.badRequest(`expected a ${collection} URI`);
  return objectUri(kms, collection, segments[1]!);
}

export function objectUri(kms: KmsContext, collection: string, id: string): string {
  return `${kms.cluster}/${collection}/${encodeURIComponent(id)}`;
}

export function newObjectUri(kms: KmsContext, collection: 'keys' | 'resources' | 'authorizations' | 'ecdhe'): string {
  return objectUri(kms, collection, uuidv7());
}

export function isKmsUri(value: string): boolean {
  return value.startsWith('kms://') || value.startsWith('/resources/');
}
