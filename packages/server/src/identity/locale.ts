/**
 * Time zones (SPEC AD-4): a person's or an org's zone is an IANA name the runtime knows, so every
 * client can format dates in it. Node's ICU lists the canonical names; links such as `US/Pacific`
 * or `Asia/Calcutta` are accepted too (Intl resolves them), anything else is a 400.
 * @module
 */
import { ApiError } from '../errors.ts';

const KNOWN = new Set(Intl.supportedValuesOf('timeZone'));
KNOWN.add('UTC');

export function checkTimeZone(field: string, name: string): string {
  if (KNOWN.has(name)) return name;
  try {
    // Accepts IANA links (aliases) that supportedValuesOf leaves out; throws RangeError on unknown names.
    new Intl.DateTimeFormat('en', { timeZone: name });
    if (/^[A-Za-z]/.test(name)) return name;
  } catch {
    // fall through
  }
  throw ApiError.badRequest(`not a known time zone (an IANA name such as Europe/Paris): ${name}`, [`${field}: unknown time zone`]);
}
