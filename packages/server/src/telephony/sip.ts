/**
 * The SIP engine's questions to the core (SPEC CL-6), over loopback HTTP with the engine's secret:
 * - credentials: a device's digest HA1 and the address of record its registrations are saved
 *   under (its person: all of a person's phones ring together);
 * - route: where a call from a device goes, decided by the numbering (routing.ts) and told in
 *   the engine's terms — ring these people's phones, refuse with a SIP code, or send to the trunk
 *   (with the emergency address for an emergency call, the caller ID for the PSTN).
 * @module
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RouteDecision } from '@flint/protocol';
import type { Core } from '../core.ts';
import { ApiError } from '../errors.ts';
import { deviceForSip } from './devices.ts';
import { loadSnapshot } from './numbering.ts';
import { routeCall } from './routing.ts';

export interface SipDecision {
  action: 'ring' | 'refuse' | 'pstn' | 'emergency' | 'core';
  /** core: the core's SIP user agent answers (an auto attendant). ring: the people (addresses of record) whose phones ring, comma-separated. */
  targets?: string;
  /** refuse: the SIP status and reason phrase. */
  code?: number;
  reason?: string;
  /** pstn, emergency: the number to send to the trunk. */
  number?: string;
  callerId?: string;
  /** emergency: the caller's location's address (the header `X-Flint-Emergency-Address`). */
  address?: string;
}

/** 404 unless the engine presented its secret (constant time). */
export function checkSipSecret(core: Core, presented: string | undefined): void {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  if (core.sip === undefined || presented === undefined || !timingSafeEqual(digest(presented), digest(core.sip.secret))) throw ApiError.notFound();
}

export async function sipCredentials(core: Core, secret: string | undefined, username: string): Promise<{ ha1: string; aor: string }> {
  checkSipSecret(core, secret);
  const device = await deviceForSip(core.db, username);
  if (device === undefined) throw ApiError.notFound('device');
  return { ha1: device.ha1, aor: device.personId };
}

export async function sipRoute(core: Core, secret: string | undefined, username: string, dialed: string): Promise<SipDecision> {
  checkSipSecret(core, secret);
  const device = await deviceForSip(core.db, username);
  if (device === undefined) return { action: 'refuse', code: 403, reason: 'Unknown device' };
  const snap = await loadSnapshot(core.db, device.orgId);
  return inEngineTerms(routeCall(snap, { dialed, from: { kind: 'person', personId: device.personId }, at: core.now(), random: Math.random }));
}

/** A call from the PSTN trunk to a DID: the number names the org (DIDs are unique on the instance). */
export async function sipInbound(core: Core, secret: string | undefined, dialed: string): Promise<SipDecision> {
  checkSipSecret(core, secret);
  const number = dialed.startsWith('+') ? dialed : `+${dialed}`;
  const row = await core.db.selectFrom('telephony_numbers').select('org_id').where('phone_number', '=', number).executeTakeFirst();
  if (row === undefined) return { action: 'refuse', code: 404, reason: 'Not Found' };
  const snap = await loadSnapshot(core.db, row.org_id);
  const decision = routeCall(snap, { dialed: number, from: { kind: 'external' }, at: core.now(), random: Math.random });
  // Nothing from outside goes back out to the PSTN through us (no toll fraud by forwarding).
  if (decision.kind === 'pstn' || decision.kind === 'emergency') return { action: 'refuse', code: 403, reason: 'Forbidden' };
  // An auto attendant: handed to the core's SIP user agent, which answers, plays the greeting and
  // collects the caller's keypad presses (inbound-call.ts).
  if (decision.kind === 'attendant' && core.sipAgent !== undefined) return { action: 'core' };
  return inEngineTerms(decision);
}

function inEngineTerms(decision: RouteDecision): SipDecision {
  switch (decision.kind) {
    case 'person':
      return { action: 'ring', targets: decision.targetId! };
    case 'huntGroup': {
      // The SIP path rings the first wave (no timed advance to the next wave in the engine yet).
      const wave = decision.ringWaves?.[0];
      return wave === undefined || wave.length === 0 ? { action: 'refuse', code: 480, reason: 'No agent available' } : { action: 'ring', targets: wave.join(',') };
    }
    case 'emergency':
      return { action: 'emergency', number: decision.number!, ...(decision.emergencyAddress !== undefined ? { address: decision.emergencyAddress } : {}) };
    case 'pstn':
      return { action: 'pstn', number: decision.number!, ...(decision.callerId !== undefined ? { callerId: decision.callerId } : {}) };
    case 'refused':
      return { action: 'refuse', code: 403, reason: decision.reason === undefined ? 'Forbidden' : `Forbidden: ${decision.reason}` };
    case 'attendant':
    case 'voicemail':
      return { action: 'refuse', code: 488, reason: 'Auto attendants and voicemail are not reachable from SIP phones yet' };
    case 'unknown':
      return { action: 'refuse', code: 404, reason: 'Not Found' };
  }
}
