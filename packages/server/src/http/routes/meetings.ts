/**
 * Meetings (SPEC MT-1, MT-2): thin handlers over meetings/ (docs/meetings.md).
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { meetings } from '@flint/protocol';
import type { Core } from '../../core.ts';
import { answerSubscription, currentMeeting, joinMeeting, leaveMeeting, publishMedia, setMeetingKey, subscribeMedia, updateParticipant } from '../../meetings/meetings.ts';
import { route } from '../route.ts';

export function meetingRoutes(app: FastifyInstance, core: Core): void {
  route(app, core, meetings.getMeeting, async ({ actor, params }) => currentMeeting(core, actor, params.id));
  route(app, core, meetings.joinMeeting, async ({ actor, params }) => joinMeeting(core, actor, params.id));
  route(app, core, meetings.setMeetingKey, async ({ actor, params, body }) => setMeetingKey(core, actor, params.id, body));
  route(app, core, meetings.publish, async ({ actor, params, body }) => publishMedia(core, actor, params.id, body));
  route(app, core, meetings.subscribe, async ({ actor, params, body }) => subscribeMedia(core, actor, params.id, body));
  route(app, core, meetings.answerSubscription, async ({ actor, params, body }) => {
    await answerSubscription(core, actor, params.id, body);
  });
  route(app, core, meetings.updateParticipant, async ({ actor, params, body }) => updateParticipant(core, actor, params.id, body));
  route(app, core, meetings.leaveMeeting, async ({ actor, params, body }) => {
    await leaveMeeting(core, actor, params.id, body.participantId);
  });
}
