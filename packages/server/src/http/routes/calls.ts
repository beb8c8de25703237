/**
 * Calls (SPEC CL-1, CL-2): thin handlers over calls/ (docs/calls.md).
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { calls } from '@flint/protocol';
import type { Core } from '../../core.ts';
import { activeCalls, addPeople, answer, callHistory, claimCall, decline, dial, divert, getCall, hangup, hold, moveToMeeting, relaySignal, resume, setCallKey, transfer } from '../../calls/calls.ts';
import { iceServersFor } from '../../calls/ice-servers.ts';
import { getCallSettings, putCallSettings } from '../../calls/parties.ts';
import { park, retrieve } from '../../calls/park.ts';
import { route } from '../route.ts';

export function callRoutes(app: FastifyInstance, core: Core): void {
  route(app, core, calls.iceServers, async ({ actor }) => ({ iceServers: iceServersFor(core, actor) }));
  route(app, core, calls.getSettings, async ({ actor }) => getCallSettings(core.db, actor));
  route(app, core, calls.putSettings, async ({ actor, body }) => putCallSettings(core.db, actor, body, core.now()));
  route(app, core, calls.history, async ({ actor, query }) => callHistory(core, actor, query));
  route(app, core, calls.listCalls, async ({ actor }) => ({ items: await activeCalls(core, actor) }));
  route(app, core, calls.dial, async ({ actor, body }) => dial(core, actor, body));
  route(app, core, calls.getCall, async ({ actor, params }) => getCall(core, actor, params.id));
  route(app, core, calls.answer, async ({ actor, params, body }) => answer(core, actor, params.id, body.endpointId));
  route(app, core, calls.decline, async ({ actor, params }) => decline(core, actor, params.id));
  route(app, core, calls.hangup, async ({ actor, params }) => hangup(core, actor, params.id));
  route(app, core, calls.moveToMeeting, async ({ actor, params }) => moveToMeeting(core, actor, params.id));
  route(app, core, calls.addPeople, async ({ actor, params, body }) => addPeople(core, actor, params.id, body));
  route(app, core, calls.park, async ({ actor, params, body }) => park(core, actor, params.id, body.against));
  route(app, core, calls.retrieve, async ({ actor, body }) => retrieve(core, actor, body));
  route(app, core, calls.hold, async ({ actor, params }) => hold(core, actor, params.id));
  route(app, core, calls.resume, async ({ actor, params }) => resume(core, actor, params.id));
  route(app, core, calls.transfer, async ({ actor, params, body }) => transfer(core, actor, params.id, body.to));
  route(app, core, calls.claim, async ({ actor, params, body }) => claimCall(core, actor, params.id, body.endpointId));
  route(app, core, calls.divert, async ({ actor, params, body }) => divert(core, actor, params.id, body.to));
  route(app, core, calls.setKey, async ({ actor, params, body }) => setCallKey(core, actor, params.id, body));
  route(app, core, calls.signal, async ({ actor, params, body }) => {
    await relaySignal(core, actor, params.id, body);
  });
}
