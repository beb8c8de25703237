/**
 * The service worker's push and notification-click handlers (SPEC MS-5), bundled by
 * `build/service-worker.mjs` (esbuild) into `sw.js` beside the app-shell cache and download streams.
 * @module
 */
import { decryptContentWithCryptoKey } from '@flint/crypto';
import { handlePush, type ShownNotification } from './push-handler.ts';
import { keyStore } from './key-store.ts';

interface SwClient {
  url: string;
  visibilityState?: string;
  focus?: () => Promise<unknown>;
  navigate?: (url: string) => Promise<unknown>;
}
interface ExtendableEventLike extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface SwScope {
  registration: { scope: string; showNotification(title: string, options: ShownNotification['options']): Promise<void> };
  clients: { matchAll(options: { type: 'window'; includeUncontrolled: boolean }): Promise<SwClient[]>; openWindow(url: string): Promise<unknown> };
  addEventListener(type: 'push', listener: (event: ExtendableEventLike & { data: { json(): unknown } | null }) => void): void;
  addEventListener(type: 'notificationclick', listener: (event: ExtendableEventLike & { notification: { data: unknown; close(): void } }) => void): void;
}

const sw = globalThis as unknown as SwScope;

function deps() {
  const base = sw.registration.scope;
  return {
    async getJson(path: string) {
      const response = await fetch(new URL(path, base), { credentials: 'same-origin', headers: { accept: 'application/json' } });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return (await response.json()) as unknown;
    },
    key: (uri: string) => keyStore.getKey(uri).catch(() => undefined),
    decrypt: decryptContentWithCryptoKey,
    language: async () => (await keyStore.getMeta().catch(() => undefined))?.language ?? (navigator.language.startsWith('fr') ? 'fr' : 'en'),
    visibleWindow: async () => (await sw.clients.matchAll({ type: 'window', includeUncontrolled: false })).some((c) => c.visibilityState === 'visible'),
    show: (n: ShownNotification) => sw.registration.showNotification(n.title, n.options),
  } as const;
}

/** Also reachable as `self.flintHandlePush(payload)`, which the browser test calls with what the push service received. */
export function onPush(payload: unknown): Promise<ShownNotification | undefined> {
  return handlePush(deps(), payload);
}
(globalThis as unknown as { flintHandlePush: typeof onPush }).flintHandlePush = onPush;

sw.addEventListener('push', (event) => {
  let payload: unknown;
  try {
    payload = event.data?.json();
  } catch {
    payload = undefined;
  }
  event.waitUntil(onPush(payload));
});

sw.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const data = event.notification.data as { spaceId?: string; callId?: string; voicemailId?: string } | null;
  // A call opens the app on its direct space (its tabs ring if it still rings), or the calls page; a voicemail, the mailbox.
  const target = new URL(data?.spaceId !== undefined ? `./#/space/${data.spaceId}` : data?.callId !== undefined ? './#/calls' : data?.voicemailId !== undefined ? './#/voicemail' : './#/space/', sw.registration.scope).href;
  event.waitUntil(
    sw.clients.matchAll({ type: 'window', includeUncontrolled: true }).then(async (clients) => {
      const open = clients[0];
      if (open?.navigate !== undefined && open.focus !== undefined) {
        await open.navigate(target);
        await open.focus();
      } else await sw.clients.openWindow(target);
    }),
  );
});
