/**
 * Transport hardening at the edge (SPEC SEC-5): headers that only make sense, or only matter,
 * over TLS, and the start-up warning for a listener that sends everything in clear to a network.
 * @module
 */
import { isIP } from 'node:net';
import type { FlintConfig } from '../config/config.ts';

/** A year, as browsers' preload lists ask; no `includeSubDomains`: other hosts of the domain are not Flint's to decide. */
export const HSTS = 'max-age=31536000';

/**
 * Browser features the web app does not use, switched off for it and anything it could be made to
 * embed. The camera, microphone and screen capture are the app's own (`(self)`: meetings, MT-1,
 * asked for only when the person joins one), and geolocation (`(self)`: location sharing, SPEC
 * MS-6, read only when the person shares); no frame's.
 */
export const PERMISSIONS_POLICY = 'camera=(self), microphone=(self), display-capture=(self), geolocation=(self), payment=(), usb=(), serial=(), hid=(), bluetooth=(), midi=(), accelerometer=(), gyroscope=(), magnetometer=()';

/** Headers every answer carries. */
export function transportHeaders(config: Pick<FlintConfig, 'tls'>): Record<string, string> {
  const headers: Record<string, string> = { 'Permissions-Policy': PERMISSIONS_POLICY };
  // Sent only over TLS (browsers ignore it over http, and a proxy in front sets its own).
  if (config.tls !== undefined) headers['Strict-Transport-Security'] = HSTS;
  return headers;
}

function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return bare === '::1';
}

/**
 * Why this listener is exposed in clear, or undefined: a non-loopback address, no TLS of its own,
 * and no reverse proxy declared (FLINT_TRUST_PROXY) to terminate TLS in front of it.
 */
export function cleartextWarning(config: Pick<FlintConfig, 'host' | 'tls' | 'trustProxy'>): string | undefined {
  if (config.tls !== undefined || config.trustProxy || isLoopback(config.host)) return undefined;
  return (
    `Flint listens on ${config.host} without TLS and without FLINT_TRUST_PROXY: passwords, session cookies and tokens ` +
    'cross the network in clear. Give it a certificate (FLINT_TLS_CERT, FLINT_TLS_KEY), or put it behind a TLS-terminating reverse proxy and set FLINT_TRUST_PROXY=true.'
  );
}
