/**
 * The parts after fan-out, registered by name (in priority order).
 * @module
 */
import { fanoutProfile } from './profile.ts';
import { largeSpace } from './large-space.ts';
import { connections } from './connections.ts';
import { history } from './history.ts';
import { kms } from './kms.ts';
import { ejabberd } from './ejabberd.ts';
import { search } from './search.ts';
import { userMix } from './user-mix.ts';
import { web } from './web.ts';
import { files } from './files.ts';
import { writes } from './writes.ts';
import { delivery } from './delivery.ts';
import { capacity } from './capacity.ts';

export const PARTS_MORE: Record<string, () => Promise<{ json: Record<string, unknown>; markdown: string }>> = {
  capacity,
  writes,
  delivery,
  'fanout-profile': fanoutProfile,
  'large-space': largeSpace,
  connections,
  history,
  kms,
  search,
  ejabberd,
  'user-mix': userMix,
  web,
  files,
};
