/**
 * The care assistant (SPEC SP-7): thin handlers over care/ (docs/care.md).
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { care } from '@flint/protocol';
import type { Core } from '../../core.ts';
import { createQueue, deleteQueue, listQueues, updateQueue } from '../../care/queues.ts';
import { admitExpert, askQuestion, handOffRequest, listAwaitingAdmission, listRequests, resolveRequest, takeRequest } from '../../care/requests.ts';
import { route } from '../route.ts';

export function careRoutes(app: FastifyInstance, core: Core): void {
  route(app, core, care.listQueues, async ({ actor }) => ({ items: await listQueues(core, actor) }));
  route(app, core, care.createQueue, async ({ actor, body }) => createQueue(core, actor, body));
  route(app, core, care.updateQueue, async ({ actor, params, body }) => updateQueue(core, actor, params.id, body));
  route(app, core, care.deleteQueue, async ({ actor, params }) => {
    await deleteQueue(core, actor, params.id);
  });
  route(app, core, care.listRequests, async ({ actor }) => ({ items: await listRequests(core, actor) }));
  route(app, core, care.awaitingAdmission, async ({ actor }) => ({ items: await listAwaitingAdmission(core, actor) }));
  route(app, core, care.createRequest, async ({ actor, body }) => askQuestion(core, actor, body));
  route(app, core, care.takeRequest, async ({ actor, params }) => takeRequest(core, actor, params.id));
  route(app, core, care.handOffRequest, async ({ actor, params, body }) => handOffRequest(core, actor, params.id, body));
  route(app, core, care.admitExpert, async ({ actor, params }) => admitExpert(core, actor, params.id));
  route(app, core, care.resolveRequest, async ({ actor, params }) => resolveRequest(core, actor, params.id));
}
