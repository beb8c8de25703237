/**
 * The page of a "forgot password" link (issue 16): choose a new password. Setting it ends every
 * session; the person then signs in with it. The KMS's password credential is not the core's to
 * change: a browser that holds an enrolled device sets it at that sign-in (app/session.ts); a new
 * browser is told why it cannot enroll yet (docs/threat-model.md).
 * @module
 */
import { useState, type FormEvent } from 'react';
import { useI18n } from '../i18n/index.tsx';
import { newClient } from '../app/session.ts';
import { LanguagePicker } from './LanguagePicker.tsx';
import { Problem } from './Problem.tsx';
import { AuthCard } from './AuthCard.tsx';

export default function ResetPasswordPage({ token, onDone }: { token: string; onDone: () => void }) {
  const { t } = useI18n();
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | undefined>();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (password !== again) {
      setProblem(t('passwordsDiffer'));
      return;
    }
    setBusy(true);
    setProblem(undefined);
    try {
      await newClient().auth.resetPassword(token, password);
      onDone();
    } catch (err) {
      setProblem(err instanceof Error ? err.message : String(err));
      setBusy(false);
    }
  };

  return (
    <AuthCard titleId="reset-title" title={t('resetTitle')}>
      <p className="muted small">{t('resetIntro')}</p>
      <form onSubmit={(e) => void submit(e)} className="stack">
        <label>
          {t('newPassword')}
          <input name="new-password" type="password" autoComplete="new-password" required minLength={10} maxLength={256} value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        <label>
          {t('repeatPassword')}
          <input name="repeat-password" type="password" autoComplete="new-password" required minLength={10} maxLength={256} value={again} onChange={(e) => setAgain(e.target.value)} />
        </label>
        <Problem text={problem} />
        <button type="submit" className="primary" disabled={busy}>
          {t('setPassword')}
        </button>
      </form>
      <a href="#/">{t('backToSignIn')}</a>
      <LanguagePicker />
    </AuthCard>
  );
}
