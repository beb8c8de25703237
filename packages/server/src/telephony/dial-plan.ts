/**
 * The dial plan (SPEC CL-5): what a dialled string is — an emergency number, an extension, an
 * E.164 number (international or not, from the caller's location's country), a national number —
 * with no I/O. Emergency numbers are never extensions: extension ranges may not hold them.
 * @module
 */

/** Emergency numbers recognised everywhere (North America, Europe and many others, UK, Australia). */
export const EMERGENCY_NUMBERS: ReadonlySet<string> = new Set(['911', '112', '999', '000']);

/**
 * Country calling codes of the countries a location may be in (ISO 3166 alpha-2 → code). A
 * location's country decides which numbers are international from it; a country outside this
 * table is refused when the location is saved (a documented limit, docs/telephony.md).
 */
export const CALLING_CODES: Readonly<Record<string, string>> = {
  US: '1', CA: '1', PR: '1',
  GB: '44', IE: '353', FR: '33', DE: '49', ES: '34', IT: '39', PT: '351', NL: '31', BE: '32', LU: '352',
  CH: '41', AT: '43', DK: '45', SE: '46', NO: '47', FI: '358', IS: '354', PL: '48', CZ: '420', SK: '421',
  HU: '36', RO: '40', BG: '359', GR: '30', HR: '385', SI: '386', EE: '372', LV: '371', LT: '370',
  UA: '380', TR: '90', IL: '972', AE: '971', SA: '966', EG: '20', ZA: '27', NG: '234', KE: '254', MA: '212',
  IN: '91', CN: '86', JP: '81', KR: '82', SG: '65', HK: '852', TW: '886', AU: '61', NZ: '64',
  MX: '52', BR: '55', AR: '54', CL: '56', CO: '57', PE: '51',
};

export function isSupportedCountry(country: string): boolean {
  return Object.hasOwn(CALLING_CODES, country);
}

/** Does an E.164 number (`+…`) belong to the country calling code `code`? */
export function inCallingCode(e164: string, code: string): boolean {
  return e164.startsWith(`+${code}`);
}

export type Dialed =
  | { type: 'emergency'; number: string }
  | { type: 'extension'; extension: string }
  | { type: 'e164'; number: string; international: boolean }
  | { type: 'national'; number: string }
  | { type: 'invalid' };

/**
 * Classifies what a caller at a location in `country` dialled. `+` or the international prefixes
 * 00 and 011 make an E.164 number; 3 to 5 digits are an extension; 6 to 14 other digits a national
 * number. Visual separators (spaces, dashes, dots, parentheses) are ignored.
 */
export function classifyDialed(raw: string, country: string): Dialed {
  const text = raw.replace(/[\s\-.()]/g, '');
  if (EMERGENCY_NUMBERS.has(text)) return { type: 'emergency', number: text };
  const code = CALLING_CODES[country];
  let e164: string | undefined;
  if (/^\+[1-9][0-9]{7,14}$/.test(text)) e164 = text;
  else if (/^00[1-9][0-9]{7,14}$/.test(text)) e164 = `+${text.slice(2)}`;
  else if (country !== '' && CALLING_CODES[country] === '1' && /^011[1-9][0-9]{7,14}$/.test(text)) e164 = `+${text.slice(3)}`;
  if (e164 !== undefined) return { type: 'e164', number: e164, international: code === undefined || !inCallingCode(e164, code) };
  if (/^[0-9]{3,5}$/.test(text)) return { type: 'extension', extension: text };
  if (/^[0-9]{6,14}$/.test(text)) return { type: 'national', number: text };
  return { type: 'invalid' };
}

/** Does the range first..last (same length) hold an emergency number? */
export function rangeHoldsEmergency(first: string, last: string): boolean {
  for (const n of EMERGENCY_NUMBERS) if (n.length === first.length && n >= first && n <= last) return true;
  return false;
}

/** Is `extension` inside one of the ranges (same length, between first and last)? */
export function inRanges(extension: string, ranges: readonly { first: string; last: string }[]): boolean {
  return ranges.some((r) => r.first.length === extension.length && extension >= r.first && extension <= r.last);
}

/** Do two ranges of the same length overlap? (Ranges of different lengths never do.) */
export function rangesOverlap(a: { first: string; last: string }, b: { first: string; last: string }): boolean {
  return a.first.length === b.first.length && a.first <= b.last && b.first <= a.last;
}

/** The one-line civic address sent with an emergency call (and as the SIP engine's header). */
export function addressLine(address: { address1: string; address2?: string | undefined; city: string; state?: string | undefined; postalCode: string; country: string }): string {
  return [address.address1, address.address2, address.city, address.state, address.postalCode, address.country].filter((p) => p !== undefined && p !== '').join(', ');
}
