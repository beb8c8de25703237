/**
 * Where webhooks may deliver (FLINT_WEBHOOK_TARGETS, FLINT_WEBHOOK_ALLOW; the address rules are in
 * infra/address-policy.ts). The check runs at registration for addresses written in the URL, and
 * at every connection on the addresses DNS gave (the `lookup` hook of node:http), so a name that
 * later resolves elsewhere (DNS rebinding) is caught where it matters. Redirects are never followed.
 * @module
 */
import { guardedLookup, refusedHost, type AddressPolicy } from '../infra/address-policy.ts';

/**
 * Checks a target URL without DNS: scheme, host, and the class of a literal address or of
 * `localhost`. Answers the reason it is refused, or undefined when it is acceptable.
 */
export function refuseTarget(text: string, policy: AddressPolicy): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'targetUrl: not a valid URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'targetUrl: must be an http:// or https:// URL';
  if (url.hostname === '') return 'targetUrl: has no host';
  const refused = refusedHost(policy, url.hostname);
  if (refused !== undefined) return `targetUrl: this server does not deliver to ${refused} addresses (see FLINT_WEBHOOK_TARGETS and FLINT_WEBHOOK_ALLOW)`;
  return undefined;
}

/** The lookup hook for deliveries: every resolved address is judged before connecting. */
export function targetLookup(policy: AddressPolicy) {
  return guardedLookup(policy, 'FLINT_WEBHOOK_TARGETS/FLINT_WEBHOOK_ALLOW');
}
