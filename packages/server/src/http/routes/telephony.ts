/**
 * Telephony (SPEC CL-4, CL-5, CL-6): thin handlers over telephony/ (docs/telephony.md).
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { telephony } from '@flint/protocol';
import type { Core } from '../../core.ts';
import { createRange, deleteRange, getSettings, updateSettings } from '../../telephony/settings.ts';
import { createLocation, deleteLocation, getLocation, listLocations, updateLocation } from '../../telephony/locations.ts';
import { addNumber, assignNumber, deleteNumber, listNumbers } from '../../telephony/numbers.ts';
import { getPersonCalling, listPeopleCalling, updatePersonCalling } from '../../telephony/people.ts';
import { createHuntGroup, deleteHuntGroup, getHuntGroup, listHuntGroups, myHuntGroups, setAgentLogin, updateHuntGroup } from '../../telephony/hunt-groups.ts';
import { createSchedule, deleteSchedule, listSchedules, updateSchedule } from '../../telephony/schedule-store.ts';
import { createAttendant, deleteAttendant, getAttendant, listAttendants, speakGreeting, updateAttendant } from '../../telephony/attendants.ts';
import { activateDevice, createDevice, deleteDevice, listDevices } from '../../telephony/devices.ts';
import { previewRoute } from '../../telephony/numbering.ts';
import { sipCredentials, sipInbound, sipRoute } from '../../telephony/sip.ts';
import { answerPhoneCall, hangupPhoneCall } from '../../telephony/browser-leg.ts';
import { route } from '../route.ts';

const secretOf = (headers: Record<string, string | string[] | undefined>): string | undefined => {
  const v = headers['x-flint-sip-secret'];
  return typeof v === 'string' ? v : undefined;
};

export function telephonyRoutes(app: FastifyInstance, core: Core): void {
  route(app, core, telephony.getSettings, async ({ actor }) => getSettings(core, actor));
  route(app, core, telephony.updateSettings, async ({ actor, body }) => updateSettings(core, actor, body));
  route(app, core, telephony.createRange, async ({ actor, body }) => createRange(core, actor, body));
  route(app, core, telephony.deleteRange, async ({ actor, params }) => {
    await deleteRange(core, actor, params.id);
  });
  route(app, core, telephony.listLocations, async ({ actor }) => ({ items: await listLocations(core, actor) }));
  route(app, core, telephony.createLocation, async ({ actor, body }) => createLocation(core, actor, body));
  route(app, core, telephony.getLocation, async ({ actor, params }) => getLocation(core, actor, params.id));
  route(app, core, telephony.updateLocation, async ({ actor, params, body }) => updateLocation(core, actor, params.id, body));
  route(app, core, telephony.deleteLocation, async ({ actor, params }) => {
    await deleteLocation(core, actor, params.id);
  });
  route(app, core, telephony.listNumbers, async ({ actor, query }) => ({ items: await listNumbers(core, actor, query) }));
  route(app, core, telephony.addNumber, async ({ actor, body }) => addNumber(core, actor, body));
  route(app, core, telephony.assignNumber, async ({ actor, params, body }) => assignNumber(core, actor, params.id, body.owner));
  route(app, core, telephony.deleteNumber, async ({ actor, params }) => {
    await deleteNumber(core, actor, params.id);
  });
  route(app, core, telephony.listPeople, async ({ actor }) => ({ items: await listPeopleCalling(core, actor) }));
  route(app, core, telephony.getPerson, async ({ actor, params }) => getPersonCalling(core, actor, params.id));
  route(app, core, telephony.updatePerson, async ({ actor, params, body }) => updatePersonCalling(core, actor, params.id, body));
  route(app, core, telephony.listHuntGroups, async ({ actor }) => ({ items: await listHuntGroups(core, actor) }));
  route(app, core, telephony.myHuntGroups, async ({ actor }) => ({ items: await myHuntGroups(core, actor) }));
  route(app, core, telephony.createHuntGroup, async ({ actor, body }) => createHuntGroup(core, actor, body));
  route(app, core, telephony.getHuntGroup, async ({ actor, params }) => getHuntGroup(core, actor, params.id));
  route(app, core, telephony.updateHuntGroup, async ({ actor, params, body }) => updateHuntGroup(core, actor, params.id, body));
  route(app, core, telephony.deleteHuntGroup, async ({ actor, params }) => {
    await deleteHuntGroup(core, actor, params.id);
  });
  route(app, core, telephony.setAgentLogin, async ({ actor, params, body }) => setAgentLogin(core, actor, params.id, body.loggedIn));
  route(app, core, telephony.listSchedules, async ({ actor }) => ({ items: await listSchedules(core, actor) }));
  route(app, core, telephony.createSchedule, async ({ actor, body }) => createSchedule(core, actor, body));
  route(app, core, telephony.updateSchedule, async ({ actor, params, body }) => updateSchedule(core, actor, params.id, body));
  route(app, core, telephony.deleteSchedule, async ({ actor, params }) => {
    await deleteSchedule(core, actor, params.id);
  });
  route(app, core, telephony.listAttendants, async ({ actor }) => ({ items: await listAttendants(core, actor) }));
  route(app, core, telephony.createAttendant, async ({ actor, body }) => createAttendant(core, actor, body));
  route(app, core, telephony.getAttendant, async ({ actor, params }) => getAttendant(core, actor, params.id));
  route(app, core, telephony.updateAttendant, async ({ actor, params, body }) => updateAttendant(core, actor, params.id, body));
  route(app, core, telephony.deleteAttendant, async ({ actor, params }) => {
    await deleteAttendant(core, actor, params.id);
  });
  route(app, core, telephony.speakGreeting, async ({ actor, params }) => speakGreeting(core, actor, params.id, params.menu));
  route(app, core, telephony.listDevices, async ({ actor }) => ({ items: await listDevices(core, actor) }));
  route(app, core, telephony.createDevice, async ({ actor, body }) => createDevice(core, actor, body));
  route(app, core, telephony.deleteDevice, async ({ actor, params }) => {
    await deleteDevice(core, actor, params.id);
  });
  route(app, core, telephony.activateDevice, async ({ body, client }) => activateDevice(core, body, client.ip ?? 'unknown'));
  route(app, core, telephony.previewRoute, async ({ actor, body }) => previewRoute(core, actor, body));
  route(app, core, telephony.sipCredentials, async ({ req, query }) => sipCredentials(core, secretOf(req.headers), query.user));
  route(app, core, telephony.sipRoute, async ({ req, query }) => sipRoute(core, secretOf(req.headers), query.user, query.dialed));
  route(app, core, telephony.sipInbound, async ({ req, query }) => sipInbound(core, secretOf(req.headers), query.dialed));
  route(app, core, telephony.answerPhoneCall, async ({ actor, params, body }) => answerPhoneCall(core, actor, params.id, body.sdp));
  route(app, core, telephony.hangupPhoneCall, async ({ actor, params }) => hangupPhoneCall(core, actor, params.id));
}
