/**
 * Voicemail (SPEC CL-3, SEC-4): thin handlers over voicemail/ (docs/voicemail.md). The upload body
 * is raw ciphertext read by the domain (at most the declared size, itself under the limit).
 * @module
 */
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { voicemail } from '@flint/protocol';
import type { Core } from '../../core.ts';
import { ApiError } from '../../errors.ts';
import { claimVoicemailEmail, createVoicemail, deleteVoicemail, listVoicemails, openVoicemailContent, receiveContent, setVoicemailRead, voicemailSummary } from '../../voicemail/voicemails.ts';
import { getVoicemailSettings, setVoicemailPin, updateVoicemailSettings, verifyVoicemailPin } from '../../voicemail/settings.ts';
import { REPLY_SENT, route } from '../route.ts';

function contentLength(req: FastifyRequest): number | undefined {
  const v = req.headers['content-length'];
  return typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined;
}

async function* body(req: FastifyRequest): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of req.raw as AsyncIterable<Uint8Array>) yield chunk;
  } catch {
    throw ApiError.badRequest('The upload’s connection broke off; send the voicemail again.');
  }
}

export function voicemailRoutes(app: FastifyInstance, core: Core): void {
  route(app, core, voicemail.createVoicemail, async ({ actor, body: input }) => createVoicemail(core, actor, input));
  // Encapsulated so the non-reading octet-stream parser applies to this route only.
  void app.register(async (scope) => {
    scope.addContentTypeParser('application/octet-stream', (_req, _payload, done) => done(null, undefined));
    route(scope, core, voicemail.putContent, async ({ actor, params, req }) => {
      if (req.headers['content-type']?.split(';')[0]?.trim() !== 'application/octet-stream') {
        throw new ApiError('unsupported_media_type', 'Send the ciphertext as application/octet-stream.');
      }
      return receiveContent(core, actor, params.id, body(req), contentLength(req));
    });
  });
  route(app, core, voicemail.listVoicemails, async ({ actor }) => ({ items: await listVoicemails(core, actor) }));
  route(app, core, voicemail.summary, async ({ actor }) => voicemailSummary(core, actor));
  route(app, core, voicemail.getContent, async ({ actor, params, reply }) => {
    const blob = await openVoicemailContent(core, actor, params.id);
    void reply
      .code(200)
      .header('Content-Type', 'application/octet-stream')
      .header('Cache-Control', 'private, no-store')
      .header('Content-Length', String(blob.size))
      .send(blob.body instanceof Readable ? blob.body : Readable.from(blob.body));
    return REPLY_SENT;
  });
  route(app, core, voicemail.setRead, async ({ actor, params, body: input }) => setVoicemailRead(core, actor, params.id, input.read));
  route(app, core, voicemail.deleteVoicemail, async ({ actor, params }) => {
    await deleteVoicemail(core, actor, params.id);
  });
  route(app, core, voicemail.claimEmail, async ({ actor, params }) => claimVoicemailEmail(core, actor, params.id));
  route(app, core, voicemail.getSettings, async ({ actor }) => getVoicemailSettings(core, actor));
  route(app, core, voicemail.updateSettings, async ({ actor, body: input }) => updateVoicemailSettings(core, actor, input));
  route(app, core, voicemail.setPin, async ({ actor, body: input }) => setVoicemailPin(core, actor, input));
  route(app, core, voicemail.verifyPin, async ({ actor, body: input }) => {
    await verifyVoicemailPin(core, actor, input.pin);
  });
}
