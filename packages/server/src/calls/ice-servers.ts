/**
 * The STUN/TURN servers a call's endpoints are given (config FLINT_TURN_*; docs/calls.md). With
 * coturn's shared secret (`use-auth-secret`), each request gets a credential that expires: username
 * `<expiry>:<person id>`, password base64(HMAC-SHA1(secret, username)) — the TURN REST API scheme
 * coturn checks without any per-user state, so no long-lived TURN password reaches a browser.
 * @module
 */
import { createHmac } from 'node:crypto';
import type { IceServer } from '@flint/protocol';
import type { Actor, Core } from '../core.ts';

export function iceServersFor(core: Core, actor: Actor): IceServer[] {
  const { turnUrls, turnSecret, turnUsername, turnPassword, turnTtlSec } = core.config.calls;
  if (turnUrls.length === 0) return [];
  const stun = turnUrls.filter((u) => u.startsWith('stun'));
  const turn = turnUrls.filter((u) => u.startsWith('turn'));
  const servers: IceServer[] = stun.length > 0 ? [{ urls: stun }] : [];
  if (turn.length === 0) return servers;
  if (turnSecret !== undefined) {
    const username = `${Math.floor(core.now() / 1000) + turnTtlSec}:${actor.personId}`;
    servers.push({ urls: turn, username, credential: createHmac('sha1', turnSecret).update(username).digest('base64') });
  } else if (turnUsername !== undefined && turnPassword !== undefined) {
    servers.push({ urls: turn, username: turnUsername, credential: turnPassword });
  } else {
    servers.push({ urls: turn });
  }
  return servers;
}
