/**
 * Same-origin checks for what a browser sends on its own. A cookie rides on every request a page
 * on *any* site makes to Flint; for ordinary requests the X-Flint-CSRF header proves the page is
 * Flint's (app.ts), but a WebSocket upgrade cannot carry custom headers, so the event stream judges
 * the `Origin` header the browser always sets on it (cross-site WebSocket hijacking: a page on a
 * sibling subdomain or on another port of the same host would otherwise read a person's events).
 * @module
 */
import type { FastifyRequest } from 'fastify';

/**
 * True when the request carries no `Origin` (not a browser: nothing to hijack) or names the
 * server's own origin: its public URL's, or the one the request itself was addressed to (scheme
 * and `Host`; a browser sets both, so a page elsewhere cannot make them agree).
 */
export function originAllowed(req: FastifyRequest, publicUrl: string): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (origin === new URL(publicUrl).origin) return true;
  const host = req.headers.host;
  return host !== undefined && origin === `${req.protocol}://${host}`.toLowerCase();
}
