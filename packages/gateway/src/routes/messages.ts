/**
 * `/v1/messages` (SPEC PL-2, MS-1, MS-2, FL-1, FL-3, SR-1): the caller's plaintext is sealed with the
 * space's current key before it reaches the core, and opened with the caller's KMS access on the
 * way back. A file (multipart, or fetched from a URL) is encrypted in chunks under its own key and
 * uploaded like any Flint file; its sealed reference rides with the message. A card (`attachments`)
 * is sealed with the same key. What is sent or edited is indexed as native clients index it: blinded
 * search tokens of the text and the file's name, under the search key of the sealing key's epoch.
 * @module
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CARD_CONTENT_TYPE, fromHydraId, type Message } from '@flint/protocol';
import { FlintError, type Card, type FetchLike, type SecureMessage, type SendInput as SendInputSdk } from '@flint/sdk';
import type { Caller } from '../callers.ts';
import { WebexError } from '../errors.ts';
import { guardedFetch, InternalAddressError, type AddressCheck } from '../files/guarded-fetch.ts';
import { parseMultipart, type MultipartFile, type MultipartMessage } from '../files/multipart.ts';
import { fieldId, hydra, pathId } from '../ids.ts';
import { GATEWAY_LIMITS } from '../limits.ts';
import { parseMentions, plainTextOf } from '../mentions.ts';
import { presentMessage } from '../present.ts';
import { bodyObject, optString, originOf, pageMax, queryList, queryString, setNextLink } from '../request.ts';
import { v1, type Gateway } from '../context.ts';
import { isOfficer, orOfficer, readableMessage } from './events.ts';

export interface MessageRouteOptions {
  /** Let `files: [url]` reach loopback and private addresses (intranet installs, tests). */
  allowPrivateFileUrls?: boolean;
  /** The operator's rule for the addresses `files: [url]` may reach (default: public ones only). */
  fileUrlAddressAllowed?: AddressCheck;
  /**
   * Sends file bodies to the core. It must stream with back-pressure (Node's global fetch reads a
   * streamed request body as fast as it is produced, so a large file would pile up in memory):
   * the SDK's `nodeHttpFetch`, or the core access's own fetch when it has one.
   */
  uploadFetch?: FetchLike;
}

interface Content {
  text?: string;
  markdown?: string;
  html?: string;
}

const encoder = new TextEncoder();

/** text, markdown and html, each within Webex's 7,439 bytes; `text` derived from markdown if absent. */
function contentOf(body: Record<string, unknown>): Content {
  const out: Content = {};
  for (const field of ['text', 'markdown', 'html'] as const) {
    const value = optString(body, field);
    if (value === undefined || value === '') continue;
    if (encoder.encode(value).length > GATEWAY_LIMITS.messageContentBytes) throw WebexError.badRequest(`${field}: at most ${GATEWAY_LIMITS.messageContentBytes} bytes`);
    out[field] = value;
  }
  if (out.text === undefined && out.markdown !== undefined) out.text = plainTextOf(out.markdown);
  return out;
}

/** The mentions in the markdown, as person ids of the space's members (others are not mentionable). */
async function mentionsOf(caller: Caller, roomId: string, markdown: string | undefined): Promise<{ mentionedPeople?: string[]; mentionedGroups?: 'all'[] }> {
  if (markdown === undefined) return {};
  const parsed = parseMentions(markdown);
  if (parsed.people.length > GATEWAY_LIMITS.mentions) throw WebexError.badRequest(`markdown: at most ${GATEWAY_LIMITS.mentions} mentions`);
  const ids = new Set<string>();
  for (const target of parsed.people) {
    let personId: string | undefined;
    if (target.kind === 'id') personId = fromHydraId('PEOPLE', target.value);
    else personId = (await caller.session.api.people.list({ email: target.value })).items[0]?.id;
    if (personId === undefined || ids.has(personId)) continue;
    // Only members can be mentioned (the core refuses others); Webex leaves others as plain text.
    const member = await caller.session.api.memberships.list({ roomId, personId });
    if (member.items.length > 0) ids.add(personId);
  }
  return { ...(ids.size > 0 ? { mentionedPeople: [...ids] } : {}), ...(parsed.all ? { mentionedGroups: ['all'] } : {}) };
}

/**
 * `attachments`: one Adaptive Card (as Webex), its JSON within `cardBytes`. Webex shows the message's
 * text or markdown where a card cannot be shown, so a card needs one of them.
 */
function cardsOf(body: Record<string, unknown>, content: Content): Card[] | undefined {
  const raw = body['attachments'];
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw) || raw.length === 0) throw WebexError.badRequest('attachments: a list of one card');
  if (raw.length > 1) throw WebexError.badRequest('attachments: one card per message');
  const [card] = raw as unknown[];
  if (typeof card !== 'object' || card === null || Array.isArray(card)) throw WebexError.badRequest('attachments: each is an object {contentType, content}');
  const { contentType, content: json } = card as { contentType?: unknown; content?: unknown };
  if (contentType !== CARD_CONTENT_TYPE) throw WebexError.badRequest(`attachments: contentType must be ${CARD_CONTENT_TYPE}`);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw WebexError.badRequest('attachments: content must be the card’s JSON object');
  if (encoder.encode(JSON.stringify(json)).length > GATEWAY_LIMITS.cardBytes) throw WebexError.badRequest(`attachments: a card is at most ${GATEWAY_LIMITS.cardBytes} bytes of JSON`);
  if (content.text === undefined && content.markdown === undefined) throw WebexError.badRequest('attachments: a message with a card needs text or markdown, shown where the card cannot be');
  return [{ contentType: CARD_CONTENT_TYPE, content: json as Record<string, unknown> }];
}

async function personIdByEmail(caller: Caller, email: string): Promise<string> {
  const found = (await caller.session.api.people.list({ email })).items[0];
  if (found === undefined) throw WebexError.notFound('person');
  return found.id;
}

/**
 * The direct space with someone: found among one's direct spaces, else (when `create`) opened
 * with a fresh KMS resource authorizing both people. Remembered per caller.
 */
export async function directSpace(caller: Caller, personId: string, create: boolean): Promise<string | undefined> {
  const known = caller.directRooms.get(personId);
  if (known !== undefined) return known;
  let cursor: string | undefined;
  do {
    const page = await caller.session.api.rooms.list({ type: 'direct', max: 1000, ...(cursor !== undefined ? { cursor } : {}) });
    const found = page.items.find((r) => r.directPersonId === personId);
    if (found !== undefined) {
      caller.directRooms.set(personId, found.id);
      return found.id;
    }
    cursor = page.next === undefined ? undefined : (new URL(page.next).searchParams.get('cursor') ?? undefined);
  } while (cursor !== undefined);
  if (!create) return undefined;
  const room = await caller.session.spaces.direct({ personId });
  caller.directRooms.set(personId, room.id);
  return room.id;
}

interface SendInput extends Content {
  roomId: string;
  parentId?: string;
  mentionedPeople?: string[];
  mentionedGroups?: 'all'[];
  /** An uploaded file, or a URL the gateway fetches (FL-3). */
  file?: MultipartFile | { url: string };
  cards?: Card[];
}

/**
 * Sends through the SDK's one send path (`session.messages.send`): it seals the text, the file's
 * reference, the card and the search tokens with the space's current key. A large multipart file
 * streams from the request through encryption to the core (attempts: 1); a URL is fetched through
 * a fetch that refuses the server's own network, and its faults are the caller's: 4xx.
 */
async function send(caller: Caller, input: SendInput, options: MessageRouteOptions): Promise<SecureMessage> {
  const { file, ...rest } = input;
  const fetch = options.uploadFetch !== undefined ? { fetch: options.uploadFetch } : {};
  let files: SendInputSdk['files'];
  if (file !== undefined && 'url' in file) {
    files = [{ url: file.url, maxBytes: GATEWAY_LIMITS.urlFileBytes, sourceFetch: guardedFetch({ allowPrivateAddresses: options.allowPrivateFileUrls === true, ...(options.fileUrlAddressAllowed !== undefined ? { addressAllowed: options.fileUrlAddressAllowed } : {}) }), ...fetch }];
  } else if (file !== undefined) {
    const { name, type } = file;
    files = ['stream' in file ? { source: file.stream, name, type, size: file.size, ...fetch } : { source: file.bytes, name, type, ...fetch }];
  }
  try {
    const { uploaded: _uploaded, ...message } = await caller.session.messages.send({ ...rest, ...(files !== undefined ? { files } : {}) });
    return message;
  } catch (error) {
    if (error instanceof FlintError && error.subject === 'file-source') {
      if (error.code === 'payload_too_large') throw new WebexError('payload_too_large', error.message);
      if (causedBy(error, InternalAddressError)) throw WebexError.badRequest('files: the URL is not on a public address');
      throw WebexError.badRequest(`files: ${error.message}`);
    }
    throw error;
  }
}

/** Whether `error` or anything in its chain of causes is a `type`. */
function causedBy(error: unknown, type: abstract new (...args: never[]) => Error): boolean {
  let e: unknown = error;
  for (let depth = 0; e instanceof Error && depth < 8; depth++) {
    if (e instanceof type) return true;
    e = (e as Error).cause;
  }
  return false;
}

/**
 * A JSON or multipart message body, as one object of fields plus the file (if any). A refused
 * multipart body is not read on: the answer closes the connection instead.
 */
async function messageBody(req: FastifyRequest, reply: FastifyReply): Promise<{ body: Record<string, unknown>; file?: SendInput['file']; multipart?: MultipartMessage }> {
  const type = String(req.headers['content-type'] ?? '');
  if (type.toLowerCase().startsWith('multipart/form-data')) {
    let parsed: MultipartMessage;
    try {
      parsed = await parseMultipart(req);
    } catch (error) {
      void reply.header('Connection', 'close');
      throw error;
    }
    return { body: parsed.fields, ...(parsed.file !== undefined ? { file: parsed.file } : {}), multipart: parsed };
  }
  const body = bodyObject(req);
  const files = body['files'];
  if (files === undefined || files === null) return { body };
  if (!Array.isArray(files) || files.length === 0 || files.some((f) => typeof f !== 'string')) throw WebexError.badRequest('files: a list of one URL');
  if (files.length > 1) throw WebexError.badRequest('files: one file per message');
  return { body, file: { url: files[0] as string } };
}

async function openMessages(caller: Caller, items: readonly Message[]): Promise<SecureMessage[]> {
  return Promise.all(items.map((m) => caller.session.messages.open(m)));
}

/** `POST /v1/messages` once its body is read (up to a streamed file, which `send` consumes). */
async function createMessage(req: FastifyRequest, caller: Caller, body: Record<string, unknown>, file: SendInput['file'], options: MessageRouteOptions) {
  const content = contentOf(body);
  const cards = cardsOf(body, content);
  if (content.text === undefined && content.html === undefined && file === undefined) throw WebexError.badRequest('A message needs text, markdown, html or files.');
  const roomIdRaw = optString(body, 'roomId');
  const toPersonIdRaw = optString(body, 'toPersonId');
  const toPersonEmail = optString(body, 'toPersonEmail', { max: 254 });
  const parentIdRaw = optString(body, 'parentId');
  if ([roomIdRaw, toPersonIdRaw, toPersonEmail].filter((t) => t !== undefined).length !== 1) throw WebexError.badRequest('Give exactly one of roomId, toPersonId and toPersonEmail.');
  let roomId: string;
  let to: { personId?: string; personEmail?: string } | undefined;
  if (roomIdRaw !== undefined) roomId = fieldId('ROOM', roomIdRaw, 'roomId');
  else {
    if (parentIdRaw !== undefined) throw WebexError.badRequest('parentId: threads need roomId');
    const personId = toPersonIdRaw !== undefined ? fieldId('PEOPLE', toPersonIdRaw, 'toPersonId') : await personIdByEmail(caller, toPersonEmail!);
    if (personId === caller.me.id) throw WebexError.badRequest('A direct message needs another person.');
    roomId = (await directSpace(caller, personId, true))!;
    to = toPersonIdRaw !== undefined ? { personId } : { personEmail: toPersonEmail! };
  }
  const parentId = parentIdRaw !== undefined ? fieldId('MESSAGE', parentIdRaw, 'parentId') : undefined;
  const mentions = await mentionsOf(caller, roomId, content.markdown);
  const message = await send(caller, { roomId, ...content, ...mentions, ...(parentId !== undefined ? { parentId } : {}), ...(file !== undefined ? { file } : {}), ...(cards !== undefined ? { cards } : {}) }, options);
  return presentMessage(message, originOf(req), to);
}

export function messageRoutes(app: FastifyInstance, gw: Gateway, options: MessageRouteOptions = {}): void {
  // The body stays a stream: the multipart parser reads it (bounded), never Fastify's body limit.
  app.addContentTypeParser('multipart/form-data', (_req, payload, done) => done(null, payload));

  v1(
    app,
    gw,
    'POST',
    '/v1/messages',
    async ({ req, reply, caller }) => {
      const { body, file, multipart } = await messageBody(req, reply);
      try {
        return await createMessage(req, caller, body, file, options);
      } catch (error) {
        // A streamed file that went wrong says why (not as the upload's broken connection).
        const failure = multipart?.failure();
        if (multipart !== undefined && (failure !== undefined || (file !== undefined && 'stream' in file))) {
          multipart.discard();
          void reply.header('Connection', 'close');
        }
        throw failure ?? error;
      }
    },
    { bodyLimit: GATEWAY_LIMITS.multipartBytes },
  );


  v1(app, gw, 'GET', '/v1/messages', async ({ req, reply, caller }) => {
    const roomIdRaw = queryString(req.query, 'roomId');
    if (roomIdRaw === undefined) throw WebexError.badRequest('roomId: required');
    const roomId = fieldId('ROOM', roomIdRaw, 'roomId');
    const parentId = queryString(req.query, 'parentId');
    const mentioned = queryList(req.query, 'mentionedPeople');
    if (mentioned !== undefined && (mentioned.length !== 1 || (mentioned[0] !== 'me' && fromHydraId('PEOPLE', mentioned[0]!) !== caller.me.id))) {
      throw WebexError.badRequest('mentionedPeople: only `me` (or one’s own id) is supported');
    }
    const before = queryString(req.query, 'before', 40);
    if (before !== undefined && Number.isNaN(Date.parse(before))) throw WebexError.badRequest('before: an ISO-8601 time');
    const beforeMessage = queryString(req.query, 'beforeMessage');
    const max = pageMax(req.query, GATEWAY_LIMITS.messagesPageDefault, mentioned !== undefined ? 100 : GATEWAY_LIMITS.pageMax);
    const cursor = queryString(req.query, 'cursor', 300);
    // A compliance officer who is not a member reads the space through the compliance API, newest first.
    const asOfficer = async () => {
      let to = before !== undefined ? new Date(Date.parse(before)).toISOString() : undefined;
      if (beforeMessage !== undefined) to = (await readableMessage(caller, fieldId('MESSAGE', beforeMessage, 'beforeMessage'))).created;
      const page = await caller.session.compliance.messages({
        roomId,
        sort: 'newest',
        max,
        ...(parentId !== undefined ? { parentId: fieldId('MESSAGE', parentId, 'parentId') } : {}),
        ...(to !== undefined ? { to } : {}),
        ...(cursor !== undefined ? { cursor } : {}),
      });
      if (page.next !== undefined) setNextLink(req, reply, { cursor: page.next });
      const origin = originOf(req);
      return { items: page.items.map((m) => presentMessage(m, origin)) };
    };
    if (cursor !== undefined && isOfficer(caller)) return asOfficer();
    const asMember = async () => {
      const page = await caller.session.api.messages.list({
        roomId,
        max,
        ...(parentId !== undefined ? { parentId: fieldId('MESSAGE', parentId, 'parentId') } : {}),
        ...(mentioned !== undefined ? { mentionedPeople: 'me' } : {}),
        ...(before !== undefined ? { before: new Date(Date.parse(before)).toISOString() } : {}),
        ...(beforeMessage !== undefined ? { beforeMessage: fieldId('MESSAGE', beforeMessage, 'beforeMessage') } : {}),
      });
      const next = page.next === undefined ? undefined : new URL(page.next).searchParams.get('beforeMessage');
      if (next !== null && next !== undefined) setNextLink(req, reply, { beforeMessage: hydra.message(next), before: undefined });
      const origin = originOf(req);
      return { items: (await openMessages(caller, page.items)).map((m) => presentMessage(m, origin)) };
    };
    return mentioned === undefined ? orOfficer(caller, asMember, asOfficer) : asMember();
  });

  v1(app, gw, 'GET', '/v1/messages/direct', async ({ req, caller }) => {
    const personIdRaw = queryString(req.query, 'personId');
    const personEmail = queryString(req.query, 'personEmail', 254);
    if ((personIdRaw === undefined) === (personEmail === undefined)) throw WebexError.badRequest('Give exactly one of personId and personEmail.');
    const personId = personIdRaw !== undefined ? fieldId('PEOPLE', personIdRaw, 'personId') : await personIdByEmail(caller, personEmail!);
    const roomId = await directSpace(caller, personId, false);
    if (roomId === undefined) return { items: [] };
    const parentId = queryString(req.query, 'parentId');
    const page = await caller.session.api.messages.list({ roomId, max: pageMax(req.query, GATEWAY_LIMITS.messagesPageDefault), ...(parentId !== undefined ? { parentId: fieldId('MESSAGE', parentId, 'parentId') } : {}) });
    const origin = originOf(req);
    return { items: (await openMessages(caller, page.items)).map((m) => presentMessage(m, origin)) };
  });

  v1(app, gw, 'GET', '/v1/messages/:messageId', async ({ req, caller }) => {
    const id = pathId('MESSAGE', (req.params as { messageId: string }).messageId);
    return presentMessage(await caller.session.messages.open(await readableMessage(caller, id)), originOf(req));
  });

  v1(app, gw, 'PUT', '/v1/messages/:messageId', async ({ req, caller }) => {
    const id = pathId('MESSAGE', (req.params as { messageId: string }).messageId);
    const body = bodyObject(req);
    const current = await caller.session.api.messages.get(id);
    const roomIdRaw = optString(body, 'roomId');
    if (roomIdRaw === undefined) throw WebexError.badRequest('roomId: required');
    if (fieldId('ROOM', roomIdRaw, 'roomId') !== current.roomId) throw WebexError.badRequest('roomId: not the message’s space');
    if (current.files !== undefined && current.files.length > 0) throw WebexError.badRequest('A message with files cannot be edited.');
    if (current.attachments !== undefined && current.attachments.length > 0) throw WebexError.badRequest('A message with a card cannot be edited.');
    const content = contentOf(body);
    if (content.text === undefined && content.html === undefined) throw WebexError.badRequest('An edit needs text or markdown.');
    const mentions = await mentionsOf(caller, current.roomId, content.markdown);
    // Sealed with the space's current key; the new content's search tokens replace the old ones.
    const updated = await caller.session.messages.edit(id, { roomId: current.roomId, ...content, ...mentions });
    return presentMessage(updated, originOf(req));
  });

  v1(app, gw, 'DELETE', '/v1/messages/:messageId', async ({ req, caller }) => {
    await caller.session.api.messages.delete(pathId('MESSAGE', (req.params as { messageId: string }).messageId));
  });
}
