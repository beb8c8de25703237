/** Every zone this browser knows, for the pickers (SPEC AD-4; Intl lists the canonical IANA names). */
export function timeZoneNames(): string[] {
  const names = Intl.supportedValuesOf('timeZone');
  return names.includes('UTC') ? names : ['UTC', ...names];
}
