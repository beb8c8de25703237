/**
 * A shared location (SPEC MS-6): latitude, longitude and city, sealed with the message like its text.
 *
 * It rides in the one sealed, structured container a message already has: its card (`attachments`,
 * an Adaptive Card sealed with the space key, see cards.ts). The card is a real Adaptive Card — the
 * place's name, its coordinates and an "open the map" link — and carries the location itself as
 * one extra property, `flintLocation`, which card renderers ignore. So:
 * - the core stores one more sealed card and learns only that the message has a card (not even
 *   that it is a location): no coordinates, no city, no new column or migration;
 * - older Flint clients show the text fallback (city and map link), as for any card;
 * - the Webex-compatible `/v1` API answers the fallback `text` and the card in `attachments`, which
 *   Webex clients render (with an Action.OpenUrl to the map); a bot can share a location by
 *   posting such a card.
 * A location message is one card, as Webex allows one per message: it carries no other card, and,
 * as every message with a card, it cannot be edited (the core refuses it).
 * @module
 */
import { CARD_CONTENT_TYPE } from '@flint/protocol';
import { FlintError } from '../errors.ts';
import type { Card } from './cards.ts';

/** A place in plaintext, as sent and as opened. */
export interface SharedLocation {
  /** Degrees, WGS 84, −90…90 (rounded to 5 decimals, about a metre, when sent). */
  latitude: number;
  /** Degrees, WGS 84, −180…180 (rounded likewise). */
  longitude: number;
  /** The nearest city's name, resolved on the sender's device. */
  city?: string;
  /** ISO 3166-1 alpha-2 code of the city's country. */
  countryCode?: string;
  /** The position's accuracy in metres, as the device reported it. */
  accuracy?: number;
}

export const LOCATION_LIMITS = {
  /** Characters of a city's name. */
  cityChars: 200,
  /** Decimals kept of a coordinate (5: about 1.1 m at the equator). */
  decimals: 5,
  /** Metres of accuracy above which it is not kept (a continent's width says nothing). */
  maxAccuracy: 1_000_000,
} as const;

/** The card property that holds the location. */
export const LOCATION_PROPERTY = 'flintLocation';

const round = (value: number) => Number(value.toFixed(LOCATION_LIMITS.decimals));

/** Why a location is not one (undefined when it is). */
function problem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'a location is an object';
  const v = value as Record<string, unknown>;
  const known = new Set(['latitude', 'longitude', 'city', 'countryCode', 'accuracy']);
  for (const k of Object.keys(v)) if (!known.has(k)) return `a location has no "${k}"`;
  if (typeof v.latitude !== 'number' || !Number.isFinite(v.latitude) || v.latitude < -90 || v.latitude > 90) return 'latitude: a number of degrees from -90 to 90';
  if (typeof v.longitude !== 'number' || !Number.isFinite(v.longitude) || v.longitude < -180 || v.longitude > 180) return 'longitude: a number of degrees from -180 to 180';
  if (v.city !== undefined && (typeof v.city !== 'string' || v.city.trim() === '' || v.city.length > LOCATION_LIMITS.cityChars || /\p{Cc}/u.test(v.city))) return `city: a name of 1 to ${LOCATION_LIMITS.cityChars} characters, no control characters`;
  if (v.countryCode !== undefined && (typeof v.countryCode !== 'string' || !/^[A-Z]{2}$/.test(v.countryCode))) return 'countryCode: two capital letters (ISO 3166-1 alpha-2)';
  if (v.accuracy !== undefined && (typeof v.accuracy !== 'number' || !Number.isFinite(v.accuracy) || v.accuracy < 0 || v.accuracy > LOCATION_LIMITS.maxAccuracy)) return `accuracy: metres from 0 to ${LOCATION_LIMITS.maxAccuracy}`;
  return undefined;
}

/** The location to send, checked and rounded; a FlintError (`invalid`) says what is wrong. */
export function checkLocation(value: SharedLocation): SharedLocation {
  const why = problem(value);
  if (why !== undefined) throw FlintError.invalid(`location: ${why}.`);
  return {
    latitude: round(value.latitude),
    longitude: round(value.longitude),
    ...(value.city !== undefined ? { city: value.city.trim() } : {}),
    ...(value.countryCode !== undefined ? { countryCode: value.countryCode } : {}),
    ...(value.accuracy !== undefined ? { accuracy: Math.round(value.accuracy) } : {}),
  };
}

/**
 * The place on OpenStreetMap's site, as a plain link: nothing is fetched by Flint or its clients,
 * the person's browser goes there only if they follow it.
 */
export function mapLink(location: Pick<SharedLocation, 'latitude' | 'longitude'>): string {
  const lat = location.latitude.toFixed(LOCATION_LIMITS.decimals);
  const lon = location.longitude.toFixed(LOCATION_LIMITS.decimals);
  return `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=15/${lat}/${lon}`;
}

/** "Paris, FR" (or the coordinates when no city was resolved): no words, so no language to choose. */
function placeName(location: SharedLocation): string {
  if (location.city === undefined) return `${location.latitude.toFixed(LOCATION_LIMITS.decimals)}, ${location.longitude.toFixed(LOCATION_LIMITS.decimals)}`;
  return location.countryCode !== undefined ? `${location.city}, ${location.countryCode}` : location.city;
}

/** The text fallback of a location message, for clients that show no card: the place and the link. */
export function locationFallback(location: SharedLocation): string {
  return `📍 ${placeName(location)} ${mapLink(location)}`;
}

/** The Adaptive Card a location travels in (see the module's comment). */
export function locationCard(location: SharedLocation): Card {
  return {
    contentType: CARD_CONTENT_TYPE,
    content: {
      type: 'AdaptiveCard',
      version: '1.3',
      body: [
        { type: 'TextBlock', text: `📍 ${placeName(location)}`, weight: 'Bolder', wrap: true },
        { type: 'TextBlock', text: `${location.latitude.toFixed(LOCATION_LIMITS.decimals)}, ${location.longitude.toFixed(LOCATION_LIMITS.decimals)}`, isSubtle: true, spacing: 'None' },
      ],
      actions: [{ type: 'Action.OpenUrl', title: 'OpenStreetMap', url: mapLink(location) }],
      [LOCATION_PROPERTY]: { ...location },
    },
  };
}

/** The location an opened message's card carries, if it carries a valid one. */
export function locationOf(cards: readonly Card[] | undefined): SharedLocation | undefined {
  for (const card of cards ?? []) {
    const value = card.content[LOCATION_PROPERTY];
    if (value !== undefined && problem(value) === undefined) return value as SharedLocation;
  }
  return undefined;
}
