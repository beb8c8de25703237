/**
 * The app: signed out, the sign-in page; signed in, the shell (top bar, spaces, the view of the
 * route). Follows sign-ins and sign-outs made in other tabs.
 * @module
 */
import { lazy, Suspense, useCallback, useEffect, useRef, useState } from 'react';
import { FlintError } from '@flint/sdk';
import { browserTimeZone, I18nProvider, useI18n } from '../i18n/index.tsx';
import { ACCOUNT_DELETED, onAuthAnnouncement, Session } from '../app/session.ts';
import { forgetPushKeys } from '../app/notifications.ts';
import { Store } from '../app/store.ts';
import { code, logEvent } from '../app/client-log.ts';
import { clearDrafts } from '../app/drafts.ts';
import { go, useRoute } from '../app/router.ts';
import { isKmsEnrollmentRefusal, SignIn } from './SignIn.tsx';
import type { EnrollTarget } from './EnrollDevice.tsx';
import { Sidebar } from './Sidebar.tsx';
import { Conversation } from './Conversation.tsx';
const SearchView = lazy(() => import('./SearchView.tsx'));
const Settings = lazy(() => import('./Settings.tsx'));
const InvitationPage = lazy(() => import('./InvitationPage.tsx'));
const ConfirmSignupPage = lazy(() => import('./ConfirmSignupPage.tsx'));
const AdminConsole = lazy(() => import('./admin/AdminConsole.tsx'));
const FlaggedView = lazy(() => import('./FlaggedView.tsx'));
const MentionsView = lazy(() => import('./MentionsView.tsx'));
const CareView = lazy(() => import('./CareView.tsx'));
const ResetPasswordPage = lazy(() => import('./ResetPasswordPage.tsx'));
const IntegrationsPage = lazy(() => import('./Integrations.tsx'));
const ConsentPage = lazy(() => import('./Integrations.tsx').then((m) => ({ default: m.ConsentPage })));
import { TopBar } from './TopBar.tsx';
import { NoticeBanner } from './NoticeBanner.tsx';
import { StoreContext, useAppStore } from './store-context.ts';
import { TabTitle } from './TabTitle.tsx';
import { FaviconBadge } from './FaviconBadge.tsx';
import { QuickSwitcher } from './QuickSwitcher.tsx';

type State =
  | { kind: 'loading' }
  | { kind: 'signed-out'; error?: string; notice?: string; enroll?: EnrollTarget; attempt?: number }
  | { kind: 'signed-in'; store: Store };

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

  const start = useCallback(async (session: Session) => {
    const store = new Store(session);
    try {
      await openSession(session, store, () => setState({ kind: 'signed-out' }));
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
    setState({ kind: 'signed-in', store });
  }, []);

  const resume = useCallback(async (recovery?: string) => {
    setState({ kind: 'loading' });
    try {
      const session = await Session.resume(recovery !== undefined ? { recovery } : {});
      if (session === undefined) {
        forgetPushKeys();
        setState({ kind: 'signed-out' });
      }
      else await start(session);
    } catch (error) {
      setState({ kind: 'signed-out', error: error instanceof Error ? error.message : String(error) });
    }
  }, [start]);

  useEffect(() => {
    void resume();
  }, [resume]);

  useEffect(() => {
    // One's own account deleted (Settings → Delete account): the sign-in page, saying so.
    const deleted = () => {
      forgetPushKeys();
      go({ view: 'home' });
      setState({ kind: 'signed-out', notice: i18nRef.current.t('deleteAccountDone') });
    };
    window.addEventListener(ACCOUNT_DELETED, deleted);
    return () => window.removeEventListener(ACCOUNT_DELETED, deleted);
  }, []);

  useEffect(
    () =>
      onAuthAnnouncement((kind) => {
        setState((current) => {
          if (kind === 'signed-out' && current.kind === 'signed-in') {
            current.store.session.close();
            forgetPushKeys();
            return { kind: 'signed-out' };
          }
          if (kind === 'signed-in' && current.kind === 'signed-out') void resume();
          return current;
        });
      }),
    [resume],
  );

  if (state.kind === 'loading') {
    return (
      <div className="splash" role="status" aria-live="polite">
        {t('loading')}
      </div>
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
    return (
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
  }
  const signOut = async () => {
    clearDrafts();
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
        {route.view === 'space' && <Conversation key={route.roomId} route={route} />}
        <Suspense fallback={<p role="status">{t('loading')}</p>}>
          {route.view === 'search' && <SearchView query={route.query} />}
          {route.view === 'settings' && <Settings />}
          {route.view === 'invitation' && <InvitationPage token={route.token} signedInAs={store.session.me.emails[0] ?? ''} />}
          {route.view === 'confirm' && <ConfirmSignupPage token={route.token} signedInAs={store.session.me.emails[0] ?? ''} />}
          {route.view === 'admin' && <AdminConsole section={route.section} />}
          {route.view === 'flagged' && <FlaggedView />}
          {route.view === 'mentions' && <MentionsView />}
          {route.view === 'care' && <CareView />}
          {route.view === 'reset' && <p className="empty">{t('resetSignedIn')}</p>}
          {route.view === 'integrations' && <IntegrationsPage />}
          {route.view === 'oauth' && <ConsentPage params={route.params} />}
        </Suspense>
        {route.view === 'home' && <p className="empty">{t('selectSpace')}</p>}
      </main>
    </div>
  );
}
