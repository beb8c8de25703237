/**
 * What the service worker does with a Web Push (SPEC MS-5). The push holds ids only
 * (`{v, kind, spaceId, messageId?}`, `{v, kind: 'call', callId, spaceId?}` for an incoming call, or
 * `{v, kind: 'voicemail', voicemailId}` for a new voicemail); the worker fetches the message, the space and the sender
 * through the API with the browser's session cookie, opens the text and the title with the keys the
 * app left in IndexedDB (decrypt-only, non-extractable), and shows the notification. If it cannot
 * (no key — e.g. the space's key was rotated while every tab was closed —, signed out, offline), it
 * shows a neutral text naming the space if it can, and nothing of the content. When a window of the
 * app is visible, that window notifies by itself, so the worker shows nothing (one notification per
 * event on one device); the notification's tag names the event, so a resent push replaces rather
 * than adds one.
 *
 * Pure over its dependencies, so it is tested in Node (`tests/web/push-handler.test.ts`) and in
 * Chromium (`tests/e2e/web-app-notifications.test.ts`).
 * @module
 */

export type PushData =
  | { v: 1; kind: 'message' | 'mention' | 'added'; spaceId: string; messageId?: string }
  /** An incoming call (CL-1): who calls is asked of the API; the direct space once there is one. */
  | { v: 1; kind: 'call'; callId: string; spaceId?: string }
  /** A new voicemail (CL-3): who left it and how long it is are asked of the API; the audio stays sealed. */
  | { v: 1; kind: 'voicemail'; voicemailId: string };

export interface ShownNotification {
  title: string;
  options: {
    body: string;
    tag: string;
    data: { spaceId?: string; messageId?: string; callId?: string; voicemailId?: string };
    icon: string;
    lang: string;
    /** A ringing call stays on screen until acted on, as a phone's would. */
    requireInteraction?: boolean;
  };
}

export interface PushDeps {
  /** Same-origin API GET with the session cookie: the parsed JSON, or throws. */
  getJson(path: string): Promise<unknown>;
  key(uri: string): Promise<CryptoKey | undefined>;
  decrypt(key: CryptoKey, jwe: string): Promise<string>;
  language(): Promise<'en' | 'fr'>;
  /** A window of the app is visible now. */
  visibleWindow(): Promise<boolean>;
  show(notification: ShownNotification): Promise<void>;
}

const TEXT = {
  en: {
    newMessage: (space: string) => `New message in ${space}`,
    newMessageAnywhere: 'New message',
    aSpace: 'a space',
    mentioned: (who: string) => `${who} mentioned you`,
    added: (space: string) => `You were added to ${space}`,
    addedAnywhere: 'You were added to a space',
    attachment: 'sent a file',
    incomingCall: 'Incoming call',
    incomingVideoCall: 'Incoming video call',
    missedCall: 'Missed call',
    newVoicemail: 'New voicemail',
    voicemailFrom: (who: string, seconds: number) => `Voicemail from ${who} (${seconds} s)`,
  },
  fr: {
    newMessage: (space: string) => `Nouveau message dans ${space}`,
    newMessageAnywhere: 'Nouveau message',
    aSpace: 'un espace',
    mentioned: (who: string) => `${who} vous a mentionné`,
    added: (space: string) => `Vous avez été ajouté à ${space}`,
    addedAnywhere: 'Vous avez été ajouté à un espace',
    attachment: 'a envoyé un fichier',
    incomingCall: 'Appel entrant',
    incomingVideoCall: 'Appel vidéo entrant',
    missedCall: 'Appel manqué',
    newVoicemail: 'Nouveau message vocal',
    voicemailFrom: (who: string, seconds: number) => `Message vocal de ${who} (${seconds} s)`,
  },
} as const;

const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BODY_CHARS = 180;

/** The payload if it is one of ours, else undefined (anything else is ignored). */
export function parsePush(data: unknown): PushData | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const d = data as Record<string, unknown>;
  if (d['v'] === 1 && d['kind'] === 'voicemail') {
    if (typeof d['voicemailId'] !== 'string' || !ID.test(d['voicemailId'])) return undefined;
    return { v: 1, kind: 'voicemail', voicemailId: d['voicemailId'] };
  }
  if (d['v'] === 1 && d['kind'] === 'call') {
    if (typeof d['callId'] !== 'string' || !ID.test(d['callId'])) return undefined;
    if (d['spaceId'] !== undefined && (typeof d['spaceId'] !== 'string' || !ID.test(d['spaceId']))) return undefined;
    return { v: 1, kind: 'call', callId: d['callId'], ...(typeof d['spaceId'] === 'string' ? { spaceId: d['spaceId'] } : {}) };
  }
  if (d['v'] !== 1 || !['message', 'mention', 'added'].includes(String(d['kind'])) || typeof d['spaceId'] !== 'string' || !ID.test(d['spaceId'])) return undefined;
  if (d['messageId'] !== undefined && (typeof d['messageId'] !== 'string' || !ID.test(d['messageId']))) return undefined;
  return { v: 1, kind: d['kind'] as 'message' | 'mention' | 'added', spaceId: d['spaceId'], ...(typeof d['messageId'] === 'string' ? { messageId: d['messageId'] } : {}) };
}

interface RoomJson {
  type?: string;
  title?: string;
  encryptionKeyUrl?: string;
}
interface MessageJson {
  personId?: string;
  text?: string;
  markdown?: string;
  encryptionKeyUrl?: string;
  files?: unknown[];
}

async function open(deps: PushDeps, uri: string | undefined, jwe: string | undefined): Promise<string | undefined> {
  if (uri === undefined || jwe === undefined) return undefined;
  const key = await deps.key(uri);
  if (key === undefined) return undefined;
  try {
    return await deps.decrypt(key, jwe);
  } catch {
    return undefined;
  }
}

/** Markdown reduced to what reads well in one notification line. */
function plain(text: string): string {
  const flat = text.replace(/[*_`~>#]/g, '').replace(/\s+/g, ' ').trim();
  return flat.length > BODY_CHARS ? `${flat.slice(0, BODY_CHARS - 1)}…` : flat;
}

interface CallJson {
  state?: string;
  media?: string;
  caller?: { displayName?: string };
}

/**
 * An incoming call: the caller's name (directory metadata, not content) from the API. Still ringing:
 * a notification that stays until acted on; rung out before the push arrived: a missed call; the API
 * unreachable: a neutral "Incoming call". Clicking it opens the app, whose tabs ring for a call that
 * still rings.
 */
async function callNotification(deps: PushDeps, push: Extract<PushData, { kind: 'call' }>, lang: 'en' | 'fr'): Promise<ShownNotification> {
  const t = TEXT[lang];
  let call: CallJson | undefined;
  try {
    call = (await deps.getJson(`api/calls/${push.callId}`)) as CallJson;
  } catch {
    call = undefined;
  }
  const ringing = call === undefined || call.state === 'ringing';
  const caller = call?.caller?.displayName;
  const what = !ringing ? t.missedCall : call?.media === 'video' ? t.incomingVideoCall : t.incomingCall;
  return {
    title: caller ?? 'Flint',
    options: {
      body: what,
      tag: `flint:call:${push.callId}`,
      data: { callId: push.callId, ...(push.spaceId !== undefined ? { spaceId: push.spaceId } : {}) },
      icon: './icon-192.png',
      lang,
      ...(ringing ? { requireInteraction: true } : {}),
    },
  };
}

interface VoicemailJson {
  id?: string;
  callerName?: string;
  durationMs?: number;
  read?: boolean;
}

/**
 * A new voicemail: who left it and its length (metadata the mailbox lists anyway) from the API; the
 * recording is opened only in the app. One already heard (on another device) shows nothing; the API
 * unreachable: a neutral "New voicemail".
 */
async function voicemailNotification(deps: PushDeps, push: Extract<PushData, { kind: 'voicemail' }>, lang: 'en' | 'fr'): Promise<ShownNotification | undefined> {
  const t = TEXT[lang];
  let found: VoicemailJson | undefined;
  let reached = true;
  try {
    const list = (await deps.getJson('api/voicemails')) as { items?: VoicemailJson[] };
    found = list.items?.find((v) => v.id === push.voicemailId);
  } catch {
    reached = false;
  }
  if (reached && (found === undefined || found.read === true)) return undefined;
  const body = found?.callerName !== undefined ? t.voicemailFrom(found.callerName, Math.max(1, Math.round((found.durationMs ?? 0) / 1000))) : t.newVoicemail;
  return {
    title: found !== undefined ? t.newVoicemail : 'Flint',
    options: { body, tag: `flint:voicemail:${push.voicemailId}`, data: { voicemailId: push.voicemailId }, icon: './icon-192.png', lang },
  };
}

/** Decides and shows (or not) the notification for one push. Never throws for a bad payload. */
export async function handlePush(deps: PushDeps, raw: unknown): Promise<ShownNotification | undefined> {
  const push = parsePush(raw);
  if (push === undefined) return undefined;
  if (await deps.visibleWindow()) return undefined;
  const lang = await deps.language();
  if (push.kind === 'call') {
    const shown = await callNotification(deps, push, lang);
    await deps.show(shown);
    return shown;
  }
  if (push.kind === 'voicemail') {
    const shown = await voicemailNotification(deps, push, lang);
    if (shown !== undefined) await deps.show(shown);
    return shown;
  }
  const t = TEXT[lang];
  const tag = `flint:${push.messageId ?? `added:${push.spaceId}`}`;
  const data = { spaceId: push.spaceId, ...(push.messageId !== undefined ? { messageId: push.messageId } : {}) };
  const notification = (title: string, body: string): ShownNotification => ({ title, options: { body, tag, data, icon: './icon-192.png', lang } });

  let room: RoomJson | undefined;
  let spaceName: string | undefined;
  try {
    room = (await deps.getJson(`api/rooms/${push.spaceId}`)) as RoomJson;
    if (room.type !== 'direct') spaceName = await open(deps, room.encryptionKeyUrl, room.title);
  } catch {
    room = undefined;
  }
  let shown: ShownNotification | undefined;
  try {
    if (push.kind === 'added') {
      shown = notification('Flint', spaceName !== undefined ? t.added(spaceName) : t.addedAnywhere);
    } else if (push.messageId !== undefined) {
      const message = (await deps.getJson(`api/messages/${push.messageId}`)) as MessageJson;
      const text = (await open(deps, message.encryptionKeyUrl, message.text)) ?? (await open(deps, message.encryptionKeyUrl, message.markdown));
      const sender = message.personId !== undefined ? ((await deps.getJson(`api/people/${message.personId}`)) as { displayName?: string }).displayName : undefined;
      const body = text !== undefined ? plain(text) : (message.files?.length ?? 0) > 0 ? t.attachment : undefined;
      if (body !== undefined && sender !== undefined) {
        const title = room?.type === 'direct' ? sender : push.kind === 'mention' ? `${t.mentioned(sender)}${spaceName !== undefined ? ` · ${spaceName}` : ''}` : (spaceName ?? sender);
        shown = notification(title, room?.type === 'direct' || push.kind === 'mention' ? body : `${sender}: ${body}`);
      }
    }
  } catch {
    shown = undefined;
  }
  // Could not open it: say where, never what.
  shown ??= notification('Flint', push.kind === 'added' ? t.addedAnywhere : spaceName !== undefined ? t.newMessage(spaceName) : room?.type === 'direct' ? t.newMessageAnywhere : t.newMessage(t.aSpace));
  await deps.show(shown);
  return shown;
}
