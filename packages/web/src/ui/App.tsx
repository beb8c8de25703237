/**
 * The app: signed out, the sign-in page; signed in, the shell (top bar, spaces, the view of the
 * route). Follows sign-ins and sign-outs made in other tabs. Before the network answers (or when it
 * does not), what the encrypted local cache holds; where the org requires an app passcode, the
 * passcode first, on reload and after the idle time (SPEC SEC-7, app/local-cache.ts).
 * @module
 */
import { lazy, Suspense, useCallback, useEffect, useRef, useState } from 'react';
import { FlintError } from '@flint/sdk';
import { browserTimeZone, I18nProvider, useI18n } from '../i18n/index.tsx';
import { ACCOUNT_DELETED, onAuthAnnouncement, Session } from '../app/session.ts';
import { forgetPushKeys } from '../app/notifications.ts';
import { Store } from '../app/store.ts';
import { code, logError, logEvent } from '../app/client-log.ts';
import { clearDrafts } from '../app/drafts.ts';
import { go, useRoute } from '../app/router.ts';
import { isKmsEnrollmentRefusal, SignIn } from './SignIn.tsx';
import type { EnrollTarget } from './EnrollDevice.tsx';
import { Sidebar } from './Sidebar.tsx';
import { Conversation } from './Conversation.tsx';
import { WhiteboardView } from './whiteboard/WhiteboardView.tsx';
const SearchView = lazy(() => import('./SearchView.tsx'));
const Settings = lazy(() => import('./Settings.tsx'));
const InvitationPage = lazy(() => import('./InvitationPage.tsx'));
const ConfirmSignupPage = lazy(() => import('./ConfirmSignupPage.tsx'));
const AdminConsole = lazy(() => import('./admin/AdminConsole.tsx'));
const FlaggedView = lazy(() => import('./FlaggedView.tsx'));
const MentionsView = lazy(() => import('./MentionsView.tsx'));
const CareView = lazy(() => import('./CareView.tsx'));
const MeetingsView = lazy(() => import('./scheduling/MeetingsView.tsx'));
const CallsView = lazy(() => import('./call/CallsView.tsx'));
const VoicemailView = lazy(() => import('./voicemail/VoicemailView.tsx'));
const MeetPage = lazy(() => import('./scheduling/MeetPage.tsx'));
const GuestPage = lazy(() => import('./meeting/GuestPage.tsx'));
const MeetPageSignedOut = lazy(() => import('./scheduling/MeetPage.tsx').then((m) => ({ default: m.MeetPageSignedOut })));
const ResetPasswordPage = lazy(() => import('./ResetPasswordPage.tsx'));
const IntegrationsPage = lazy(() => import('./Integrations.tsx'));
const ConsentPage = lazy(() => import('./Integrations.tsx').then((m) => ({ default: m.ConsentPage })));
import { TopBar } from './TopBar.tsx';
import { NoticeBanner } from './NoticeBanner.tsx';
import { StoreContext, useAppStore } from './store-context.ts';
import { TabTitle } from './TabTitle.tsx';
import { FaviconBadge } from './FaviconBadge.tsx';
import { QuickSwitcher } from './QuickSwitcher.tsx';
import { CACHE_WIPED, LocalCache } from '../app/local-cache.ts';
import { readSpaces, type CachedSpaces } from '../app/cached-content.ts';
import { ChoosePasscode, PasscodeLock } from './AppLock.tsx';
import { CachedView } from './CachedView.tsx';
import { CallWindow } from './call/CallWindow.tsx';
import { IncomingCall } from './call/IncomingCall.tsx';
import { PhoneCallPanel } from './call/PhoneCallPanel.tsx';

type State =
  | { kind: 'loading' }
  /** A passcode-protected cache is on disk: nothing opens (not even the session) before the passcode. */
  | { kind: 'locked' }
  /** The cache's spaces and messages while the session opens, or while offline. */
  | { kind: 'cached'; cache: LocalCache; spaces: CachedSpaces; offline: boolean }
  /** Signed in, and the org requires a passcode this browser does not have yet. */
  | { kind: 'choose-passcode'; store: Store; cache: LocalCache }
  | { kind: 'signed-out'; error?: string; notice?: string; enroll?: EnrollTarget; attempt?: number }
  /** `locked`: the org's idle time passed; the app runs on behind the passcode page. */
  | { kind: 'signed-in'; store: Store; locked?: boolean };

/** Forgets the local cache: its key in memory and the whole database on disk. */
async function wipeCache(cacheRef: { current: LocalCache | undefined }, store?: Store): Promise<void> {
  store?.detachCache();
  cacheRef.current = undefined;
  await LocalCache.wipe();
}

/** The cache for this person: the one opened at start if it is theirs, else a new one (an old one of someone else is wiped). */
async function cacheFor(cacheRef: { current: LocalCache | undefined }, personId: string): Promise<LocalCache> {
  if (cacheRef.current?.personId === personId) return cacheRef.current;
  // Signed in here while another tab already keeps this person's cache: share it rather than start over.
  const existing = await LocalCache.openWithDevice();
  if (existing?.personId === personId) return (cacheRef.current = existing);
  cacheRef.current = await LocalCache.create(personId);
  return cacheRef.current;
}

/** Each refusal of this browser by the KMS remounts the sign-in page with its message. */
let enrollAttempts = 0;

/** Opens the event stream and the KMS, then loads the spaces; `onRevoked` when the session turns out to be gone. */
async function openSession(session: Session, store: Store, onRevoked: () => void): Promise<void> {
  await session.open({
    onEvent: (e) => store.onEvent(e),
    onSignal: (f) => store.onSignal(f),
    onReset: () => void store.onReset().catch((e: unknown) => store.fail(e)),
    onState: (s) => {
      logEvent('stream.state', { state: code(s) });
      store.connection = s;
      store.changed();
      // A stream that keeps failing may mean the session was revoked elsewhere: ask once.
      if (s === 'closed') {
        void session.client.auth.webToken().catch((error: unknown) => {
          if (error instanceof FlintError && error.status === 401) {
            session.close();
            onRevoked();
          }
        });
      }
    },
  });
  await store.loadAll();
}

export function App() {
  return (
    <I18nProvider>
      <AuthGate />
    </I18nProvider>
  );
}

function AuthGate() {
  const i18n = useI18n();
  const { t } = i18n;
  // Read through a ref: `start` must keep its identity (it is a dependency of the resume effect).
  const i18nRef = useRef(i18n);
  i18nRef.current = i18n;
  const route = useRoute();
  const [state, setState] = useState<State>({ kind: 'loading' });
  /** The local cache open in this tab (its key in memory), if any. */
  const cacheRef = useRef<LocalCache | undefined>(undefined);

  const start = useCallback(async (session: Session) => {
    const store = new Store(session);
    try {
      await openSession(session, store, () => {
        void wipeCache(cacheRef, store);
        setState({ kind: 'signed-out' });
      });
    } catch (error) {
      // Signed in at the core, but the KMS does not know this browser: the sign-in page offers the
      // password, approval from an enrolled browser, or a recovery key (docs/threat-model.md).
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof FlintError && error.kind === 'refused' && isKmsEnrollmentRefusal(message) && session.me !== undefined) {
        const enroll: EnrollTarget = { personId: session.me.id, client: session.client };
        session.close();
        setState({ kind: 'signed-out', error: message, enroll, attempt: ++enrollAttempts });
        return;
      }
      session.close();
      throw error;
    }
    // Texts of the open tab's notifications, in the person's language (read when one is shown).
    store.notifier.texts = {
      addedTo: (space) => i18nRef.current.t('notifyAddedTo', { space }),
      mentioned: (name) => i18nRef.current.t('notifyMentioned', { name }),
      get file() {
        return i18nRef.current.t('notifyFile');
      },
    };
    // The person's language and zone follow them from device to device (SPEC AD-4).
    const prefs = session.preferences();
    if (prefs.language !== undefined && prefs.language !== i18nRef.current.language) i18nRef.current.setLanguage(prefs.language);
    i18nRef.current.setTimeZone(prefs.timezone ?? browserTimeZone());
    // The local cache (SPEC SEC-7): locked by this browser's device key, or by a passcode when the
    // org requires one — chosen now if this browser has none yet; unlocked by the device key again
    // when the org no longer requires it.
    let cache: LocalCache | undefined;
    try {
      cache = await cacheFor(cacheRef, session.me.id);
    } catch (error) {
      // No usable IndexedDB (some private modes): the app works without a cache, keeping nothing at rest.
      logError(error);
    }
    if (cache === undefined) {
      setState({ kind: 'signed-in', store });
      return;
    }
    if (session.appLock.passcodeRequired && cache.protection !== 'passcode') {
      setState({ kind: 'choose-passcode', store, cache });
      return;
    }
    if (!session.appLock.passcodeRequired && cache.protection === 'passcode') await cache.protectWithDevice();
    store.attachCache(cache);
    setState({ kind: 'signed-in', store });
  }, []);

  const resume = useCallback(async (recovery?: string) => {
    setState({ kind: 'loading' });
    // Fast start: the cache opens (by the device key, or after the passcode) before the network is asked anything.
    let cache = cacheRef.current;
    if (cache === undefined) {
      const probe = await LocalCache.probe();
      if (probe?.protection === 'passcode') {
        setState({ kind: 'locked' });
        return;
      }
      if (probe !== undefined) cache = cacheRef.current = await LocalCache.openWithDevice();
    }
    const spaces = cache !== undefined ? await readSpaces(cache) : undefined;
    if (cache !== undefined && spaces !== undefined) setState({ kind: 'cached', cache, spaces, offline: false });
    try {
      const session = await Session.resume(recovery !== undefined ? { recovery } : {});
      if (session === undefined) {
        forgetPushKeys();
        await wipeCache(cacheRef);
        setState({ kind: 'signed-out' });
      }
      else await start(session);
    } catch (error) {
      // Offline with a cache: keep showing it, and try again when the browser says the network is back.
      if (cache !== undefined && spaces !== undefined && error instanceof FlintError && error.kind === 'network') {
        setState({ kind: 'cached', cache, spaces, offline: true });
        window.addEventListener('online', () => void resume(recovery), { once: true });
        return;
      }
      setState({ kind: 'signed-out', error: error instanceof Error ? error.message : String(error) });
    }
  }, [start]);

  /** Too many wrong passcodes (the cache is already wiped), or "sign out" on the passcode page: the session ends too. */
  const endFromLock = useCallback(async (store: Store | undefined, wiped: boolean) => {
    await wipeCache(cacheRef, store);
    clearDrafts();
    forgetPushKeys();
    try {
      const session = store?.session ?? (await Session.resume());
      await session?.signOut();
    } catch {
      // Offline: the cookie's session stays on the server until it expires or is revoked; this browser forgot its data.
    }
    go({ view: 'home' });
    setState(wiped ? { kind: 'signed-out', notice: i18nRef.current.t('passcodeWiped') } : { kind: 'signed-out' });
  }, []);

  // The org's idle time without a key press, click or touch locks the app behind its passcode.
  const idleLock = state.kind === 'signed-in' && state.locked !== true && state.store.session.appLock.passcodeRequired && cacheRef.current?.protection === 'passcode' ? state.store : undefined;
  useEffect(() => {
    if (idleLock === undefined) return;
    const idleMs = idleLock.session.appLock.idleMinutes * 60_000;
    let timer = setTimeout(lock, idleMs);
    function lock() {
      // Nothing is written to the cache while locked: a wipe by the 5th wrong passcode must not race a write.
      idleLock?.detachCache();
      setState((current) => (current.kind === 'signed-in' && current.store === idleLock ? { ...current, locked: true } : current));
    }
    const active = () => {
      clearTimeout(timer);
      timer = setTimeout(lock, idleMs);
    };
    const events = ['keydown', 'pointerdown', 'wheel', 'touchstart'] as const;
    for (const e of events) window.addEventListener(e, active, { passive: true });
    return () => {
      clearTimeout(timer);
      for (const e of events) window.removeEventListener(e, active);
    };
  }, [idleLock]);

  useEffect(() => {
    void resume();
  }, [resume]);

  useEffect(() => {
    // One's own account deleted (Settings → Delete account): the sign-in page, saying so.
    const deleted = () => {
      forgetPushKeys();
      void wipeCache(cacheRef);
      go({ view: 'home' });
      setState({ kind: 'signed-out', notice: i18nRef.current.t('deleteAccountDone') });
    };
    window.addEventListener(ACCOUNT_DELETED, deleted);
    return () => window.removeEventListener(ACCOUNT_DELETED, deleted);
  }, []);

  // The last allowed wrong passcode typed in Settings wiped the cache: signed out, as from the lock page.
  const storeRef = useRef<Store | undefined>(undefined);
  storeRef.current = state.kind === 'signed-in' ? state.store : undefined;
  useEffect(() => {
    const wiped = () => void endFromLock(storeRef.current, true);
    window.addEventListener(CACHE_WIPED, wiped);
    return () => window.removeEventListener(CACHE_WIPED, wiped);
  }, [endFromLock]);

  useEffect(
    () =>
      onAuthAnnouncement((kind) => {
        setState((current) => {
          if (kind === 'signed-out' && (current.kind === 'signed-in' || current.kind === 'choose-passcode')) {
            current.store.session.close();
            forgetPushKeys();
            void wipeCache(cacheRef, current.store);
            return { kind: 'signed-out' };
          }
          if (kind === 'signed-in' && current.kind === 'signed-out') void resume();
          return current;
        });
      }),
    [resume],
  );

  // A meeting link opens the guest page whoever is signed in: the guest's session is its own.
  if (route.view === 'guest') {
    return (
      <Suspense fallback={<p role="status">{t('loading')}</p>}>
        <GuestPage token={route.token} />
      </Suspense>
    );
  }
  if (state.kind === 'loading') {
    return (
      <div className="splash" role="status" aria-live="polite">
        {t('loading')}
      </div>
    );
  }
  if (state.kind === 'locked') {
    return (
      <PasscodeLock
        onUnlocked={(cache) => {
          cacheRef.current = cache;
          void resume();
        }}
        onWiped={() => void endFromLock(undefined, true)}
        onSignOut={() => void endFromLock(undefined, false)}
      />
    );
  }
  if (state.kind === 'cached') return <CachedView cache={state.cache} spaces={state.spaces} offline={state.offline} />;
  if (state.kind === 'choose-passcode') {
    const { store, cache } = state;
    return (
      <ChoosePasscode
        onChosen={async (passcode) => {
          await cache.protectWithPasscode(passcode, store.session.appLock.idleMinutes);
          store.attachCache(cache);
          setState({ kind: 'signed-in', store });
        }}
      />
    );
  }
  if (state.kind === 'signed-out') {
    if (route.view === 'invitation') {
      return (
        <Suspense fallback={<p role="status">{t('loading')}</p>}>
          <InvitationPage token={route.token} onSession={(s) => start(s)} />
        </Suspense>
      );
    }
    if (route.view === 'confirm') {
      return (
        <Suspense fallback={<p role="status">{t('loading')}</p>}>
          <ConfirmSignupPage token={route.token} onSession={(s) => start(s)} />
        </Suspense>
      );
    }
    if (route.view === 'reset') {
      return (
        <Suspense fallback={<p role="status">{t('loading')}</p>}>
          <ResetPasswordPage
            token={route.token}
            onDone={() => {
              go({ view: 'home' });
              setState({ kind: 'signed-out', notice: t('resetDone') });
            }}
          />
        </Suspense>
      );
    }
    const signIn = (
      <SignIn
        key={state.attempt ?? 0}
        error={state.error}
        notice={state.notice}
        ssoError={route.view === 'sso-error' ? route.code : undefined}
        onSession={(s) => start(s)}
        enroll={state.enroll}
        onEnrollRetry={(recovery) => void resume(recovery)}
      />
    );
    if (route.view === 'meet') {
      return (
        <>
          <Suspense fallback={<p role="status">{t('loading')}</p>}>
            <MeetPageSignedOut name={route.name} />
          </Suspense>
          {signIn}
        </>
      );
    }
    return signIn;
  }
  if (state.locked === true) {
    const { store } = state;
    return (
      <PasscodeLock
        onUnlocked={() => {
          if (cacheRef.current !== undefined) store.attachCache(cacheRef.current);
          setState({ kind: 'signed-in', store });
        }}
        onWiped={() => void endFromLock(store, true)}
        onSignOut={() => void endFromLock(store, false)}
      />
    );
  }
  const signOut = async () => {
    clearDrafts();
    // The local cache goes with the session (SPEC SEC-7).
    await wipeCache(cacheRef, state.store);
    // Push to this browser stops, and the keys its service worker held are forgotten (SPEC MS-5).
    await state.store.notifier.disablePush().catch(() => undefined);
    const providerLogout = await state.store.session.signOut().catch(() => undefined);
    go({ view: 'home' });
    // Single logout: the provider ends its session and sends the browser back to Flint's sign-in page.
    if (providerLogout !== undefined) window.location.assign(providerLogout);
    else setState({ kind: 'signed-out' });
  };
  return (
    <StoreContext.Provider value={state.store}>
      <Shell onSignOut={signOut} />
    </StoreContext.Provider>
  );
}

function Shell({ onSignOut }: { onSignOut: () => Promise<void> }) {
  const { t } = useI18n();
  const store = useAppStore();
  const route = useRoute();
  const [menuOpen, setMenuOpen] = useState(false);
  const roomId = route.view === 'space' ? route.roomId : undefined;
  store.activeRoomId = roomId;
  // On a phone the spaces list and the conversation take turns.
  const showList = route.view === 'home' || menuOpen;

  useEffect(() => setMenuOpen(false), [route]);
  // The view's name only: a route's ids and search words stay out of the log.
  useEffect(() => logEvent('route', { view: code(route.view) }), [route.view]);

  return (
    <div className={`shell ${showList ? 'show-list' : 'show-main'}`}>
      <a className="skip-link" href="#main">
        {t('skipToContent')}
      </a>
      <TabTitle />
      <FaviconBadge />
      <QuickSwitcher />
      <TopBar onSignOut={onSignOut} onMenu={() => setMenuOpen((o) => !o)} route={route} />
      <NoticeBanner />
      {store.connection !== 'open' && (
        <div className="banner" role="status" aria-live="polite">
          {store.connection === 'connecting' ? t('connecting') : t('reconnecting')}
        </div>
      )}
      {store.lastError !== undefined && (
        <div className="banner banner-error" role="alert">
          {t('error', { message: store.lastError })}
          <button type="button" className="link" onClick={() => ((store.lastError = undefined), store.changed())}>
            {t('close')}
          </button>
        </div>
      )}
      <Sidebar activeRoomId={roomId} currentView={route.view} />
      <main id="main" tabIndex={-1} className="main">
        {route.view === 'space' && route.boardId === undefined && <Conversation key={route.roomId} route={route} />}
        {route.view === 'space' && route.boardId !== undefined && <WhiteboardView key={route.boardId} roomId={route.roomId} boardId={route.boardId} />}
        <Suspense fallback={<p role="status">{t('loading')}</p>}>
          {route.view === 'search' && <SearchView query={route.query} />}
          {route.view === 'settings' && <Settings />}
          {route.view === 'invitation' && <InvitationPage token={route.token} signedInAs={store.session.me.emails[0] ?? ''} />}
          {route.view === 'confirm' && <ConfirmSignupPage token={route.token} signedInAs={store.session.me.emails[0] ?? ''} />}
          {route.view === 'admin' && <AdminConsole section={route.section} />}
          {route.view === 'flagged' && <FlaggedView />}
          {route.view === 'mentions' && <MentionsView />}
          {route.view === 'care' && <CareView />}
          {route.view === 'meetings' && <MeetingsView />}
          {route.view === 'calls' && <CallsView />}
          {route.view === 'voicemail' && <VoicemailView />}
          {route.view === 'meet' && <MeetPage name={route.name} />}
          {route.view === 'reset' && <p className="empty">{t('resetSignedIn')}</p>}
          {route.view === 'integrations' && <IntegrationsPage />}
          {route.view === 'oauth' && <ConsentPage params={route.params} />}
        </Suspense>
        {route.view === 'home' && <p className="empty">{t('selectSpace')}</p>}
      </main>
      <CallWindow />
      <IncomingCall />
      <PhoneCallPanel />
    </div>
  );
}
