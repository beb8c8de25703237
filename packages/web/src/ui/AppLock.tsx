/**
 * The app passcode's pages (SPEC SEC-7): asking for it (on reload, and after the org's idle time)
 * and choosing it (the first time the org's policy applies here). The passcode never leaves the
 * page: it unwraps the local cache's key (app/local-cache.ts), and wrong tries are counted there.
 * @module
 */
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { useI18n } from '../i18n/index.tsx';
import { LocalCache, MAX_PASSCODE_FAILURES, MIN_PASSCODE_LENGTH } from '../app/local-cache.ts';
import { Problem } from './Problem.tsx';
import { AuthCard } from './AuthCard.tsx';

/** The passcode pages' card: the shared auth card under one title id. */
function Card({ title, children }: { title: string; children: ReactNode }) {
  return (
    <AuthCard title={title} titleId="lock-title">
      {children}
    </AuthCard>
  );
}

/**
 * Asks for the passcode. `onUnlocked` gets the opened cache; `onWiped` runs after the last allowed
 * wrong try, when the cache is already deleted (the app then signs the person out).
 */
export function PasscodeLock({ onUnlocked, onWiped, onSignOut }: { onUnlocked: (cache: LocalCache) => void; onWiped: () => void; onSignOut: () => void }) {
  const { t, plural } = useI18n();
  const [passcode, setPasscode] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | undefined>();
  const [waitUntil, setWaitUntil] = useState(0);
  const [, tick] = useState(0);

  // Wrong tries counted before a reload still make the next one wait.
  useEffect(() => {
    void LocalCache.waitBeforeTry().then((ms) => ms > 0 && setWaitUntil(Date.now() + ms));
  }, []);
  useEffect(() => {
    if (waitUntil <= Date.now()) return;
    const timer = setTimeout(() => tick((n) => n + 1), Math.min(1000, waitUntil - Date.now()));
    return () => clearTimeout(timer);
  });
  const waiting = waitUntil > Date.now();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy || waiting) return;
    setBusy(true);
    try {
      const result = await LocalCache.unlock(passcode);
      if ('unlocked' in result) return onUnlocked(result.unlocked);
      if ('wiped' in result) return onWiped();
      setPasscode('');
      if ('wait' in result) setWaitUntil(Date.now() + result.wait);
      else {
        setProblem(plural('passcodeWrong', result.left, { left: result.left }));
        setWaitUntil(Date.now() + (await LocalCache.waitBeforeTry()));
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card title={t('passcodeLockedTitle')}>
      <p className="muted small">{t('passcodeLockedIntro', { max: MAX_PASSCODE_FAILURES })}</p>
      <form onSubmit={(e) => void submit(e)} className="stack">
        <label>
          {t('passcode')}
          <input name="passcode" type="password" autoComplete="off" autoFocus required value={passcode} onChange={(e) => setPasscode(e.target.value)} />
        </label>
        <Problem text={problem} />
        {waiting && (
          <p className="muted" role="status">
            {t('passcodeWait', { seconds: Math.ceil((waitUntil - Date.now()) / 1000) })}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy || waiting}>
          {busy ? t('passcodeChecking') : t('passcodeUnlock')}
        </button>
      </form>
      <button type="button" className="link" onClick={onSignOut}>
        {t('signOut')}
      </button>
    </Card>
  );
}

/** Asks the person to choose a passcode, twice, when the org's policy requires one and this browser has none. */
export function ChoosePasscode({ onChosen }: { onChosen: (passcode: string) => Promise<void> }) {
  const { t } = useI18n();
  const [passcode, setPasscode] = useState('');
  const [again, setAgain] = useState('');
  const [problem, setProblem] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (passcode.length < MIN_PASSCODE_LENGTH) return setProblem(t('passcodeTooShort', { min: MIN_PASSCODE_LENGTH }));
    if (passcode !== again) return setProblem(t('passcodeMismatch'));
    setBusy(true);
    try {
      await onChosen(passcode);
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
      setBusy(false);
    }
  };

  return (
    <Card title={t('passcodeChooseTitle')}>
      <p className="muted small">{t('passcodeChooseIntro', { min: MIN_PASSCODE_LENGTH })}</p>
      <form onSubmit={(e) => void submit(e)} className="stack">
        <label>
          {t('passcodeNew')}
          <input name="passcode" type="password" autoComplete="new-password" autoFocus required value={passcode} onChange={(e) => setPasscode(e.target.value)} />
        </label>
        <label>
          {t('passcodeConfirm')}
          <input name="passcode-again" type="password" autoComplete="new-password" required value={again} onChange={(e) => setAgain(e.target.value)} />
        </label>
        <Problem text={problem} />
        <button type="submit" className="primary" disabled={busy}>
          {t('passcodeSet')}
        </button>
      </form>
    </Card>
  );
}
