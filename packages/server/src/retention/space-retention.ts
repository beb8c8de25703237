/**
 * What a member sees of retention in a space's details (SPEC SP-6): the periods of the org that owns
 * the space (its creator's), which apply to everyone's messages in it, guests' too. Legal holds are
 * not shown (as in Webex), so a member learns nothing about an investigation from the app.
 * @module
 */
import type { SpaceRetention } from '@flint/protocol';
import type { Actor, Core } from '../core.ts';
import { getOrg, parsePolicy } from '../identity/orgs.ts';
import { memberOf } from '../spaces/access.ts';

export async function spaceRetention(core: Core, actor: Actor, spaceId: string): Promise<SpaceRetention> {
  const { space } = await memberOf(core.db, actor, spaceId);
  const org = await getOrg(core.db, space.org_id);
  const policy = org === undefined ? undefined : parsePolicy(org);
  return { messageDays: policy?.messageRetentionDays ?? null, fileDays: policy?.fileRetentionDays ?? null };
}
