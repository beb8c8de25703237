/**
 * Settings → App passcode (SPEC SEC-7): where the org requires a passcode and this browser keeps its
 * cache under one, the person changes it here. The current passcode is checked by the local cache
 * exactly as on the lock page — a wrong one counts, and the last allowed one wipes the cache and signs
 * the person out — so this form is no way around the limit.
 * @module
 */
import { useState, type FormEvent } from 'react';
import { useI18n } from '../i18n/index.tsx';
import { CACHE_WIPED, MIN_PASSCODE_LENGTH } from '../app/local-cache.ts';
import { useAppStore } from './store-context.ts';
import { Problem } from './Problem.tsx';

export function PasscodeSettingsCard() {
  const { t, plural } = useI18n();
  const store = useAppStore();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [problem, setProblem] = useState<string | undefined>();
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  const cache = store.localCache;
  if (cache === undefined || cache.protection !== 'passcode') return null;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setDone(false);
    if (next.length < MIN_PASSCODE_LENGTH) return setProblem(t('passcodeTooShort', { min: MIN_PASSCODE_LENGTH }));
    if (next !== again) return setProblem(t('passcodeMismatch'));
    setBusy(true);
    setProblem(undefined);
    try {
      const result = await cache.changePasscode(current, next, store.session.appLock.idleMinutes);
      setCurrent('');
      if ('changed' in result) {
        setNext('');
        setAgain('');
        setDone(true);
      } else if ('wiped' in result) window.dispatchEvent(new Event(CACHE_WIPED));
      else if ('wait' in result) setProblem(t('passcodeWait', { seconds: Math.ceil(result.wait / 1000) }));
      else setProblem(plural('passcodeWrong', result.left, { left: result.left }));
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="passcode-title" className="card">
      <h2 id="passcode-title">{t('passcodeChangeTitle')}</h2>
      <form className="stack" onSubmit={(e) => void submit(e)}>
        <label>
          {t('passcodeCurrent')}
          <input name="current-passcode" type="password" autoComplete="off" required value={current} onChange={(e) => setCurrent(e.target.value)} />
        </label>
        <label>
          {t('passcodeNew')}
          <input name="new-passcode" type="password" autoComplete="new-password" required value={next} onChange={(e) => setNext(e.target.value)} />
        </label>
        <label>
          {t('passcodeConfirm')}
          <input name="new-passcode-again" type="password" autoComplete="new-password" required value={again} onChange={(e) => setAgain(e.target.value)} />
        </label>
        <Problem text={problem} />
        {done && (
          <p className="notice" role="status">
            {t('passcodeChanged')}
          </p>
        )}
        <button type="submit" className="primary small" disabled={busy}>
          {busy ? t('passcodeChecking') : t('passcodeChangeTitle')}
        </button>
      </form>
    </section>
  );
}
