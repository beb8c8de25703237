/**
 * The page a sign-up confirmation e-mail links to, `#/confirm/<token>` (issue 14): the person enters
 * the password they chose when signing up, and the account is made (founding their org, or joining
 * the one that owns their domain) and signed in. The link alone does not sign in, and the password
 * lets this browser enroll its KMS device with the password credential, as a sign-in does.
 * Loaded only when such a link is opened.
 * @module
 */
import { useState, type FormEvent } from 'react';
import { FlintError } from '@flint/sdk';
import { useI18n } from '../i18n/index.tsx';
import { Session } from '../app/session.ts';
import { go } from '../app/router.ts';
import { LanguagePicker } from './LanguagePicker.tsx';
import { Problem } from './Problem.tsx';
import { AuthCard } from './AuthCard.tsx';

export default function ConfirmSignupPage({ token, onSession, signedInAs }: { token: string; onSession?: (s: Session) => Promise<void>; signedInAs?: string }) {
  const { t } = useI18n();
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | undefined>();
  const [spent, setSpent] = useState(false);

  const confirm = async (e: FormEvent) => {
    e.preventDefault();
    if (onSession === undefined) return;
    setBusy(true);
    setProblem(undefined);
    try {
      const session = await Session.confirmSignUp(token, password);
      go({ view: 'home' });
      await onSession(session);
    } catch (err) {
      // A used, expired or unknown link (410), or an address that has an account by now (409), cannot be
      // retried: say so and offer sign-in. A wrong password (401) may be typed again.
      if (err instanceof FlintError && (err.status === 410 || err.status === 409)) setSpent(true);
      setProblem(err instanceof FlintError && err.status === 401 ? t('confirmWrongPassword') : err instanceof Error ? err.message : String(err));
      setBusy(false);
    }
  };

  return (
    <AuthCard titleId="confirm-title" title={t('confirmTitle')}>
      {signedInAs !== undefined ? (
        <p role="alert">{t('confirmSignedIn', { me: signedInAs })}</p>
      ) : spent ? (
        <>
          <p role="alert">{problem}</p>
          <a href="#/">{t('signIn')}</a>
        </>
      ) : (
        <form onSubmit={(e) => void confirm(e)} className="stack">
          <p>{t('confirmIntro')}</p>
          <label>
            {t('password')}
            <input name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
          </label>
          <Problem text={problem} />
          <button type="submit" className="primary" disabled={busy}>
            {t('confirmSubmit')}
          </button>
        </form>
      )}
      <p className="muted small">{t('e2eeNote')}</p>
      <LanguagePicker />
    </AuthCard>
  );
}
