/**
 * Notifications (SPEC MS-5): thin handlers over notifications/.
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { notifications } from '@flint/protocol';
import type { Core } from '../../core.ts';
import { getSettings, setScopeSetting, updateDefaults } from '../../notifications/settings.ts';
import { subscribe, unsubscribe, vapidKeys } from '../../notifications/push.ts';
import { route } from '../route.ts';

export function notificationRoutes(app: FastifyInstance, core: Core): void {
  route(app, core, notifications.getSettings, async ({ actor }) => getSettings(core, actor));
  route(app, core, notifications.updateDefaults, async ({ actor, body }) => updateDefaults(core, actor, body));
  route(app, core, notifications.setSpaceSetting, async ({ actor, params, body }) => setScopeSetting(core, actor, 'space', params.id, body));
  route(app, core, notifications.setTeamSetting, async ({ actor, params, body }) => setScopeSetting(core, actor, 'team', params.id, body));
  route(app, core, notifications.pushKey, async () => ({ publicKey: (await vapidKeys(core)).publicKey }));
  route(app, core, notifications.subscribe, async ({ actor, body }) => subscribe(core, actor, body));
  route(app, core, notifications.unsubscribe, async ({ actor, params }) => {
    await unsubscribe(core, actor, params.id);
  });
}
