/**
 * Webex ("hydra") ids: base64 of `ciscospark://<cluster>/<TYPE>/<uuid>` with the `=` padding
 * removed. The Webex-compatible gateway answers in this form and the webhooks registered through it
 * deliver in it; Flint's native API uses the bare UUIDs. Isomorphic (btoa/atob only).
 *
 * Decoding is lenient the way Webex clients need it to be: the standard and URL-safe alphabets,
 * with or without padding, and a raw UUID (the official SDK sends raw UUIDs in `/people?id=`).
 * @module
 */

export type HydraType =
  | 'PEOPLE'
  | 'ROOM'
  | 'MESSAGE'
  | 'MEMBERSHIP'
  | 'TEAM'
  | 'TEAM_MEMBERSHIP'
  | 'WEBHOOK'
  | 'ORGANIZATION'
  | 'CONTENT'
  | 'ATTACHMENT_ACTION'
  | 'LICENSE'
  | 'ROLE'
  | 'APPLICATION'
  /** Flint's own: an invitation into a space by address (a `/v1/memberships` answer for someone not yet a member). */
  | 'INVITATION'
  /** A compliance event (`/v1/events`): its position in the core's log. */
  | 'EVENT'
  /** A call (`/v1/telephony/calls`; Webex's are `CALL` ids too). */
  | 'CALL'
  /** Telephony configuration (`/v1/telephony/config`). */
  | 'LOCATION'
  | 'HUNT_GROUP'
  | 'AUTO_ATTENDANT'
  | 'SCHEDULE';

/** People and organizations are always `us` at Webex; Flint uses `us` for every type. */
export const HYDRA_CLUSTER = 'us';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PREFIX = 'ciscospark://';

export function isUuid(text: string): boolean {
  return UUID.test(text);
}

/** Encodes a local id (a UUID, or a composite such as `person:room`) as a hydra id of `type`. */
export function toHydraId(type: HydraType, localId: string): string {
  return btoa(`${PREFIX}${HYDRA_CLUSTER}/${type}/${localId}`).replace(/=+$/, '');
}

export interface DecodedHydraId {
  type: HydraType | undefined;
  cluster: string | undefined;
  /** The part after the type: a UUID, or a composite for memberships and contents. */
  localId: string;
}

/**
 * Decodes a hydra id, or accepts a raw UUID as itself (type unknown). Answers undefined for
 * anything else, so callers can turn it into a 400 or a 404 as the endpoint requires.
 */
export function parseHydraId(id: string): DecodedHydraId | undefined {
  if (isUuid(id)) return { type: undefined, cluster: undefined, localId: id.toLowerCase() };
  if (id.length === 0 || id.length > 400 || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(id)) return undefined;
  let text: string;
  try {
    const b64 = id.replace(/=+$/, '').replace(/-/g, '+').replace(/_/g, '/');
    text = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  } catch {
    return undefined;
  }
  if (!text.startsWith(PREFIX)) return undefined;
  const [cluster, type, ...rest] = text.slice(PREFIX.length).split('/');
  const localId = rest.join('/');
  if (cluster === undefined || type === undefined || localId === '' || !/^[A-Z_]+$/.test(type)) return undefined;
  return { type: type as HydraType, cluster, localId };
}

/**
 * The UUID behind a hydra id of the expected type, or behind a raw UUID; undefined when the id is
 * malformed, of another type, or not a single UUID.
 */
export function fromHydraId(type: HydraType, id: string): string | undefined {
  const decoded = parseHydraId(id);
  if (decoded === undefined) return undefined;
  if (decoded.type !== undefined && decoded.type !== type) return undefined;
  return isUuid(decoded.localId) ? decoded.localId.toLowerCase() : undefined;
}
