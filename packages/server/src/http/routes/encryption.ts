/**
 * The KMS relay (SPEC SEC-2): discovery and message forwarding, answers as events to the asking device.
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { encryption } from '@flint/protocol';
import type { Core } from '../../core.ts';
import { ApiError } from '../../errors.ts';
import type { KmsLink } from '../../kms-link/kms-link.ts';
import { route } from '../route.ts';

const DEVICE_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function encryptionRoutes(app: FastifyInstance, core: Core, link: KmsLink | undefined): void {
  // Relays still forwarding when the server closes are awaited, so their replies are stored
  // before the database goes away (graceful shutdown finishes in-flight work).
  const inFlight = new Set<Promise<void>>();
  app.addHook('onClose', async () => {
    await Promise.allSettled([...inFlight]);
  });

  const requireLink = (): KmsLink => {
    if (link === undefined) throw new ApiError('unavailable', 'No KMS is linked to this server.');
    return link;
  };

  route(app, core, encryption.discoverKms, async () => {
    try {
      return await requireLink().info();
    } catch (error) {
      if (error instanceof ApiError) throw error;
      throw new ApiError('unavailable', 'The KMS cannot be reached.');
    }
  });

  route(app, core, encryption.relayKmsMessages, async ({ actor, body, req }) => {
    const kms = requireLink();
    const header = req.headers['x-flint-device-id'];
    const deviceId = typeof header === 'string' && DEVICE_ID.test(header) ? header : null;
    // Answered at once (202); the KMS's replies follow on the event stream, durably, so a device
    // that reconnects in between still gets them.
    const work = (async () => {
      try {
        const replies = await kms.send(body.kmsMessages, req.ip);
        await core.events.transact(async (_trx, emit) => {
          emit({ recipients: [actor.personId], deviceId, type: 'encryption.kms_message', data: { encryption: { kmsMessages: replies } }, actorId: null });
        });
      } catch (error) {
        req.log.warn({ err: error }, 'KMS relay failed');
      }
    })();
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
    return {};
  });
}
