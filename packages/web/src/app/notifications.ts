/**
 * Notifications in the web app (SPEC MS-5).
 *
 * - **The open tab**: when a message or "added to a space" arrives on the event stream and the
 *   person is not looking at that space, the tab decides with the same rule as the core
 *   (`shouldNotify` from @flint/protocol: defaults, the space's and team's levels and mutes, the
 *   "do not disturb" status and hours) and shows a browser notification with the decrypted text —
 *   on this device only: the text never leaves it. Through the service worker's registration when
 *   there is one (same tag as a push of the same event, so the two never show twice), else
 *   `new Notification`.
 * - **Web Push** (this browser, when every tab is closed): turned on in Settings. The browser
 *   subscribes with the server's VAPID key, the subscription is registered with the core, and the
 *   content keys of this person's spaces are kept in IndexedDB as decrypt-only, non-extractable keys
 *   (`src/sw/key-store.ts`) so the service worker can open a pushed message; turned off (or signed
 *   out), the subscription is removed and the keys are forgotten.
 * @module
 */
import { shouldNotify, type Availability, type NotifiableEvent, type NotificationSettings } from '@flint/protocol';
import type { FlintClient, SecureMessage, SecureRoom } from '@flint/sdk';
import { keyStore } from '../sw/key-store.ts';
import { logError } from './client-log.ts';

/** What the notifier reads of the tab's store (an interface, so the store and this module do not import each other). */
export interface NotifierHost {
  readonly session: { readonly client: FlintClient; readonly sdk: { contentDecryptionKey(uri: string): Promise<CryptoKey> } };
  readonly me: string;
  readonly availability: ReadonlyMap<string, Availability>;
  readonly activeRoomId: string | undefined;
  readonly people: ReadonlyMap<string, { displayName: string }>;
  readonly rooms: ReadonlyMap<string, SecureRoom>;
}

const SUBSCRIPTION_KEY = 'flint.push.subscription.';
const BODY_CHARS = 180;

/** Signed out in this browser (here or in another tab, or the session ended): the worker's keys are of no use any more. */
export function forgetPushKeys(): void {
  void keyStore.clear().catch(() => undefined);
}

export type PermissionState = NotificationPermission | 'unsupported';

function supported(): boolean {
  return typeof window !== 'undefined' && 'Notification' in window;
}

export function pushSupported(): boolean {
  return supported() && 'serviceWorker' in navigator && 'PushManager' in window && window.isSecureContext;
}

function plain(text: string): string {
  const flat = text.replace(/[*_`~>#]/g, '').replace(/\s+/g, ' ').trim();
  return flat.length > BODY_CHARS ? `${flat.slice(0, BODY_CHARS - 1)}…` : flat;
}

export class Notifier {
  settings: NotificationSettings | undefined;
  /** Texts for notifications, set by the UI (in the person's language). */
  texts = { addedTo: (space: string) => space, mentioned: (who: string) => who, file: 'file' };
  private syncing: Promise<void> | undefined;

  constructor(private readonly store: NotifierHost) {}

  get permission(): PermissionState {
    return supported() ? Notification.permission : 'unsupported';
  }

  async requestPermission(): Promise<PermissionState> {
    if (!supported()) return 'unsupported';
    return Notification.requestPermission();
  }

  async load(): Promise<void> {
    this.settings = await this.store.session.client.notifications.settings();
    if (this.pushOn) this.syncKeys();
  }

  // ── The open tab ─────────────────────────────────────────────────────────────────────────

  private decide(event: NotifiableEvent, room: SecureRoom): boolean {
    const settings = this.settings;
    if (settings === undefined) return false;
    const space = settings.spaces.find((s) => s.id === room.id);
    const team = room.teamId !== undefined ? settings.teams.find((s) => s.id === room.teamId) : undefined;
    const status = this.store.availability.get(this.store.me);
    const doNotDisturb = status?.status === 'dnd' && (status.until === undefined || Date.parse(status.until) > Date.now());
    return shouldNotify(event, { defaults: settings.defaults, space, team, doNotDisturb, timezone: settings.timezone }, Date.now());
  }

  /** The person is looking at this space right now. */
  private watching(roomId: string): boolean {
    return document.visibilityState === 'visible' && document.hasFocus() && this.store.activeRoomId === roomId;
  }

  onMessage(message: SecureMessage, room: SecureRoom | undefined): void {
    if (room === undefined || message.personId === this.store.me || this.permission !== 'granted' || this.watching(room.id)) return;
    const mentionsMe = (message.mentionedPeople ?? []).includes(this.store.me) || (message.mentionedGroups ?? []).includes('all');
    if (!this.decide({ kind: 'message', mentionsMe }, room)) return;
    const sender = this.store.people.get(message.personId)?.displayName ?? message.personEmail ?? '';
    const text = message.text ?? message.markdown;
    const body = text !== undefined ? plain(text) : this.texts.file;
    const direct = room.type === 'direct';
    const spaceName = direct ? sender : (room.title ?? '');
    const title = direct ? sender : mentionsMe ? `${this.texts.mentioned(sender)} · ${spaceName}` : spaceName;
    void this.show(title, direct || mentionsMe ? body : `${sender}: ${body}`, `flint:${message.id}`, room.id);
  }

  /** A space appeared for this person, made or joined by someone else: they were added. */
  onAdded(room: SecureRoom, actorId: string | undefined): void {
    if (actorId === undefined || actorId === this.store.me || this.permission !== 'granted') return;
    if (!this.decide({ kind: 'added' }, room)) return;
    void this.show('Flint', this.texts.addedTo(room.title ?? ''), `flint:added:${room.id}`, room.id);
  }

  /** A space's key changed (rotation) or a space appeared: keep the worker able to open it. */
  onRoomKey(): void {
    if (this.pushOn) this.syncKeys();
  }

  private async show(title: string, body: string, tag: string, roomId: string): Promise<void> {
    // A browser that cannot show one now (headless Firefox has no alert service and rejects with
    // NS_ERROR_FAILURE) must not leave an unhandled rejection behind: the failure goes to the client log.
    await this.display(title, body, tag, roomId).catch(logError);
  }

  private async display(title: string, body: string, tag: string, roomId: string): Promise<void> {
    const registration = 'serviceWorker' in navigator ? await navigator.serviceWorker.getRegistration() : undefined;
    const options = { body, tag, data: { spaceId: roomId }, icon: './icon-192.png' };
    if (registration !== undefined) {
      await registration.showNotification(title, options);
      return;
    }
    const n = new Notification(title, options);
    n.onclick = () => {
      window.focus();
      location.hash = `#/space/${roomId}`;
      n.close();
    };
  }

  // ── Web Push ─────────────────────────────────────────────────────────────────────────────

  private get storageKey(): string {
    return SUBSCRIPTION_KEY + this.store.me;
  }

  /** This browser has a push subscription registered for this person. */
  get pushOn(): boolean {
    try {
      return localStorage.getItem(this.storageKey) !== null;
    } catch {
      return false;
    }
  }

  /** Subscribes this browser (asks for permission first) and registers it; throws what went wrong. */
  async enablePush(): Promise<void> {
    if (!pushSupported()) throw new Error('unsupported');
    if ((await this.requestPermission()) !== 'granted') throw new Error('denied');
    const { client } = this.store.session;
    const registration = await navigator.serviceWorker.ready;
    const key = await client.notifications.pushKey();
    const applicationServerKey = Uint8Array.from(atob(key.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
    const subscription = (await registration.pushManager.getSubscription()) ?? (await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey }));
    const json = subscription.toJSON() as { endpoint: string; keys: { p256dh: string; auth: string } };
    const registered = await client.notifications.subscribe({ endpoint: json.endpoint, keys: { p256dh: json.keys.p256dh, auth: json.keys.auth } });
    localStorage.setItem(this.storageKey, registered.id);
    await this.syncKeysNow();
  }

  /** Unsubscribes this browser, removes the subscription from the server and forgets the keys. */
  async disablePush(): Promise<void> {
    const id = localStorage.getItem(this.storageKey);
    localStorage.removeItem(this.storageKey);
    await keyStore.clear().catch(() => undefined);
    if ('serviceWorker' in navigator) {
      const registration = await navigator.serviceWorker.getRegistration();
      await (await registration?.pushManager.getSubscription())?.unsubscribe().catch(() => false);
    }
    if (id !== null) await this.store.session.client.notifications.unsubscribe(id).catch(() => undefined);
  }

  /** Keeps the worker's keys current (coalesced; failures only mean neutral texts for those spaces). */
  syncKeys(): void {
    this.syncing ??= this.syncKeysNow()
      .catch(() => undefined)
      .finally(() => (this.syncing = undefined));
  }

  async syncKeysNow(): Promise<void> {
    const { sdk } = this.store.session;
    await keyStore.putMeta({ personId: this.store.me, language: document.documentElement.lang === 'fr' ? 'fr' : 'en' });
    for (const room of this.store.rooms.values()) {
      const uri = room.encryptionKeyUrl;
      if (uri === undefined || (await keyStore.hasKey(uri))) continue;
      try {
        await keyStore.putKey(uri, await sdk.contentDecryptionKey(uri));
      } catch {
        // A space whose key this person cannot get (yet): its pushes show the neutral text.
      }
    }
  }
}
