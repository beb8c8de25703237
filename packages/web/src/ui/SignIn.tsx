/**
 * Sign in and sign up (SPEC ID-1).
 * @module
 */
import { useState, type FormEvent } from 'react';
import { FlintError } from '@flint/sdk';
import { useI18n } from '../i18n/index.tsx';
import { newClient, Session } from '../app/session.ts';
import { startSso } from '../app/admin-api.ts';
import { go } from '../app/router.ts';
import { LanguagePicker } from './LanguagePicker.tsx';

/** What the server's `#/sso-error/<code>` means, in the reader's language (issue 18). */
const SSO_ERROR_KEYS = {
  expired: 'ssoErrorExpired',
  refused: 'ssoErrorRefused',
  outside_domains: 'ssoErrorOutside',
  no_account: 'ssoErrorNoAccount',
  idp_error: 'ssoErrorIdp',
} as const;

export function SignIn({ error, ssoError, onSession }: { error?: string | undefined; ssoError?: string | undefined; onSession: (s: Session) => Promise<void> }) {
  const { t } = useI18n();
  const ssoProblem = ssoError === undefined ? undefined : t(SSO_ERROR_KEYS[ssoError as keyof typeof SSO_ERROR_KEYS] ?? 'ssoErrorRefused');
  const [mode, setMode] = useState<'in' | 'up'>('in');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | undefined>(error ?? ssoProblem);
  const [status, setStatus] = useState<string | undefined>();
  // After a sign-up the server mailed (a confirmation link, or "you have an account"): the address.
  const [mailedTo, setMailedTo] = useState<string | undefined>();

  /** Enter the address, go to the org's identity provider (which sends the browser back signed in). */
  const singleSignOn = async () => {
    setProblem(undefined);
    if (!/^[^@\s]+@[^@\s]+$/.test(email.trim())) {
      setProblem(t('ssoNeedEmail'));
      return;
    }
    setBusy(true);
    try {
      const start = await startSso(newClient(), email.trim());
      if (start.sso && start.redirectUrl !== undefined) {
        setStatus(t('ssoRedirecting'));
        window.location.assign(start.redirectUrl);
        return;
      }
      setProblem(t('ssoNotUsed'));
    } catch (err) {
      setProblem(err instanceof Error ? err.message : String(err));
    }
    setBusy(false);
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setProblem(undefined);
    try {
      const session = mode === 'in' ? await Session.signIn(email, password) : await Session.register({ email, password, displayName });
      if (session === 'mailed') {
        setMailedTo(email);
        setBusy(false);
        return;
      }
      if (ssoError !== undefined) go({ view: 'home' });
      await onSession(session);
    } catch (err) {
      // The org signs its people in through its provider: go there instead.
      if (err instanceof FlintError && err.code === 'sso_required') {
        await singleSignOn();
        return;
      }
      setProblem(err instanceof Error ? err.message : String(err));
      setBusy(false);
    }
  };

  if (mailedTo !== undefined) {
    return (
      <div className="auth-page">
        <main className="auth-card" aria-labelledby="auth-title">
          <div className="brand-lg" aria-hidden="true">
            <img src="./icon.svg" alt="" width="48" height="48" />
          </div>
          <h1 id="auth-title">{t('signupCheckEmailTitle')}</h1>
          <p role="status">{t('signupCheckEmail', { email: mailedTo })}</p>
          <p className="muted small">{t('signupCheckEmailHint')}</p>
          <button
            type="button"
            className="link"
            onClick={() => {
              setMailedTo(undefined);
              setMode('in');
            }}
          >
            {t('haveAccount')}
          </button>
          <LanguagePicker />
        </main>
      </div>
    );
  }

  return (
    <div className="auth-page">
      <main className="auth-card" aria-labelledby="auth-title">
        <div className="brand-lg" aria-hidden="true">
          <img src="./icon.svg" alt="" width="48" height="48" />
        </div>
        <h1 id="auth-title">{mode === 'in' ? t('signIn') : t('signUp')}</h1>
        <form onSubmit={(e) => void submit(e)} className="stack">
          {mode === 'up' && (
            <label>
              {t('displayName')}
              <input name="displayName" autoComplete="name" required maxLength={128} value={displayName} onChange={(e) => setDisplayName(e.target.value)} />
            </label>
          )}
          <label>
            {t('email')}
            <input name="email" type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
          </label>
          <label>
            {t('password')}
            <input
              name="password"
              type="password"
              autoComplete={mode === 'in' ? 'current-password' : 'new-password'}
              required
              minLength={mode === 'up' ? 10 : 1}
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </label>
          {problem !== undefined && (
            <p className="error" role="alert">
              {problem}
            </p>
          )}
          {status !== undefined && (
            <p className="muted" role="status">
              {status}
            </p>
          )}
          <button type="submit" className="primary" disabled={busy}>
            {mode === 'in' ? t('signIn') : t('signUp')}
          </button>
        </form>
        {mode === 'in' && (
          <div className="stack sso-choice">
            <p className="muted small divider-text">{t('ssoOr')}</p>
            <button type="button" disabled={busy} onClick={() => void singleSignOn()}>
              {t('ssoContinue')}
            </button>
          </div>
        )}
        <button type="button" className="link" onClick={() => setMode(mode === 'in' ? 'up' : 'in')}>
          {mode === 'in' ? t('noAccount') : t('haveAccount')}
        </button>
        <p className="muted small">{t('e2eeNote')}</p>
        <LanguagePicker />
      </main>
    </div>
  );
}
