/**
 * Location sharing (SPEC MS-6) on this device: the setting, the position, the city, the send.
 *
 * The setting is kept in this browser (localStorage, per person), not on the server: what it
 * allows is reading this device's position, and the browser's own geolocation permission is per
 * device too, so turning it on on a laptop must not make a phone offer to share where it is; a new
 * device starts with it off; and the core learns nothing about who shares places. The position is
 * read only when the person asks to share (never watched), its city is found in the tab from the
 * lazily loaded GeoNames list (location/nearest-city.ts; no service asked), and the SDK seals all of
 * it into the message (its card) before it leaves the tab.
 * @module
 */
import type { SharedLocation } from '@flint/sdk';
import { decodeCities, nearestCity, type CityIndex } from '../location/nearest-city.ts';
import { logEvent } from './client-log.ts';
import type { Store } from './store.ts';

const settingKey = (personId: string) => `flint.location.${personId}`;

/** Whether this person turned location sharing on in this browser (off until they do). */
export function locationSharingOn(personId: string): boolean {
  try {
    return localStorage.getItem(settingKey(personId)) === 'on';
  } catch {
    return false;
  }
}

export function setLocationSharing(personId: string, on: boolean): void {
  try {
    if (on) localStorage.setItem(settingKey(personId), 'on');
    else localStorage.removeItem(settingKey(personId));
  } catch {
    // Storage refused (private mode's quota): the setting stays off.
  }
}

/** Why no position could be had; the view words each. */
export type LocationProblem = 'unsupported' | 'denied' | 'unavailable' | 'timeout';

export class LocationError extends Error {
  constructor(readonly problem: LocationProblem) {
    super(`location: ${problem}`);
  }
}

/** This device's position, asked once (the browser asks the person for permission the first time). */
export function currentPosition(): Promise<GeolocationPosition> {
  return new Promise((resolve, reject) => {
    if (!('geolocation' in navigator)) return reject(new LocationError('unsupported'));
    navigator.geolocation.getCurrentPosition(
      resolve,
      (error) => reject(new LocationError(error.code === error.PERMISSION_DENIED ? 'denied' : error.code === error.TIMEOUT ? 'timeout' : 'unavailable')),
      // A position up to a minute old is as good for naming a city; 20 s before giving up.
      { enableHighAccuracy: false, maximumAge: 60_000, timeout: 20_000 },
    );
  });
}

let cities: Promise<CityIndex> | undefined;

/** The city list, loaded (its own chunk, ~1.1 MB compressed) the first time someone shares. */
function loadCities(): Promise<CityIndex> {
  cities ??= import('virtual:flint-cities').then((m) => decodeCities(m.default));
  cities.catch(() => (cities = undefined));
  return cities;
}

/** The place to share: the position and, when one is within reach, its nearest city. */
export async function locate(): Promise<SharedLocation> {
  const [position, index] = await Promise.all([currentPosition(), loadCities()]);
  const { latitude, longitude, accuracy } = position.coords;
  const near = nearestCity(index, latitude, longitude);
  return {
    latitude,
    longitude,
    ...(near !== undefined ? { city: near.city, countryCode: near.countryCode } : {}),
    ...(Number.isFinite(accuracy) ? { accuracy: Math.min(accuracy, 1_000_000) } : {}),
  };
}

/** Sends the place to a space (or thread), sealed by the SDK. */
export async function shareLocation(store: Store, roomId: string, location: SharedLocation, parentId?: string): Promise<void> {
  await store.session.sdk.messages.send({ roomId, location, ...(parentId !== undefined ? { parentId } : {}) });
  // Flags only: never the place (client-log.ts).
  logEvent('location.shared', { city: location.city !== undefined, reply: parentId !== undefined });
}
