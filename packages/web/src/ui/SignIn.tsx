/**
 * Sign in and sign up (SPEC ID-1).
 * @module
 */
import { useState, type FormEvent } from 'react';
import { useI18n } from '../i18n/index.tsx';
import { Session } from '../app/session.ts';
import { LanguagePicker } from './LanguagePicker.tsx';

export function SignIn({ error, onSession }: { error?: string | undefined; onSession: (s: Session) => Promise<void> }) {
  const { t } = useI18n();
  const [mode, setMode] = useState<'in' | 'up'>('in');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | undefined>(error);
  // After a sign-up the server mailed (a confirmation link, or "you have an account"): the address.
  const [mailedTo, setMailedTo] = useState<string | undefined>();

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
      await onSession(session);
    } catch (err) {
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
          <button type="submit" className="primary" disabled={busy}>
            {mode === 'in' ? t('signIn') : t('signUp')}
          </button>
        </form>
        <button type="button" className="link" onClick={() => setMode(mode === 'in' ? 'up' : 'in')}>
          {mode === 'in' ? t('noAccount') : t('haveAccount')}
        </button>
        <p className="muted small">{t('e2eeNote')}</p>
        <LanguagePicker />
      </main>
    </div>
  );
}
