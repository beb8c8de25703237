/**
 * Sign in and sign up (SPEC ID-1), and "Forgot password?" (issue 16): the address gets a reset
 * link by e-mail; the answer never says whether it has an account.
 * @module
 */
import { useState, type FormEvent } from 'react';
import { useI18n } from '../i18n/index.tsx';
import { newClient, Session } from '../app/session.ts';
import { LanguagePicker } from './LanguagePicker.tsx';

/** The KMS refused this browser: the password credential it holds is not the password just used. */
export function isStaleKmsPassword(message: string): boolean {
  return /password credential does not match/i.test(message);
}

export function SignIn({ error, notice, onSession }: { error?: string | undefined; notice?: string | undefined; onSession: (s: Session) => Promise<void> }) {
  const { t } = useI18n();
  const [mode, setMode] = useState<'in' | 'up' | 'forgot'>('in');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | undefined>(error);
  const [sent, setSent] = useState<string | undefined>(notice);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setProblem(undefined);
    setSent(undefined);
    try {
      if (mode === 'forgot') {
        await newClient().auth.requestPasswordReset(email);
        setSent(t('resetSent', { email }));
        setMode('in');
        setBusy(false);
        return;
      }
      const session = mode === 'in' ? await Session.signIn(email, password) : await Session.signUp({ email, password, displayName });
      await onSession(session);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      setProblem(isStaleKmsPassword(message) ? t('kmsPasswordStale') : message);
      setBusy(false);
    }
  };

  const title = mode === 'in' ? t('signIn') : mode === 'up' ? t('signUp') : t('forgotTitle');
  return (
    <div className="auth-page">
      <main className="auth-card" aria-labelledby="auth-title">
        <div className="brand-lg" aria-hidden="true">
          <img src="./icon.svg" alt="" width="48" height="48" />
        </div>
        <h1 id="auth-title">{title}</h1>
        {sent !== undefined && (
          <p className="notice" role="status">
            {sent}
          </p>
        )}
        {mode === 'forgot' && <p className="muted small">{t('forgotIntro')}</p>}
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
          {mode !== 'forgot' && (
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
          )}
          {problem !== undefined && (
            <p className="error" role="alert">
              {problem}
            </p>
          )}
          <button type="submit" className="primary" disabled={busy}>
            {mode === 'forgot' ? t('sendResetLink') : title}
          </button>
        </form>
        {mode === 'in' && (
          <button type="button" className="link" onClick={() => (setMode('forgot'), setProblem(undefined), setSent(undefined))}>
            {t('forgotPassword')}
          </button>
        )}
        <button type="button" className="link" onClick={() => (setMode(mode === 'in' ? 'up' : 'in'), setProblem(undefined))}>
          {mode === 'in' ? t('noAccount') : mode === 'up' ? t('haveAccount') : t('backToSignIn')}
        </button>
        <p className="muted small">{t('e2eeNote')}</p>
        <LanguagePicker />
      </main>
    </div>
  );
}
