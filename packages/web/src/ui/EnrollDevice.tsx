/**
 * A browser the KMS does not know yet (issue 14, issue 18): besides the password (the sign-in form
 * around it), it can be approved from one of the person's enrolled browsers — it shows a code and
 * waits — or enrolled with the person's recovery key or the KMS operator's enrollment code
 * (docs/threat-model.md).
 * @module
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { deviceCredentialHash, deviceRequestMac, formatRecoveryKey, newApprovalCode, normalizeRecoveryKey, type FlintClient } from '@flint/sdk';
import { useI18n } from '../i18n/index.tsx';
import { kmsDeviceSecret } from '../app/kms-device.ts';
import { Problem } from './Problem.tsx';

/** How often the waiting browser asks whether it was approved. */
const POLL_MS = 2000;

export interface EnrollTarget {
  personId: string;
  client: FlintClient;
}

export function EnrollDevice({ target, onRetry }: { target: EnrollTarget; onRetry: (recovery?: string) => void }) {
  const { t } = useI18n();
  const [request, setRequest] = useState<{ id: string; code: string } | undefined>();
  const [outcome, setOutcome] = useState<'waiting' | 'refused' | 'expired' | undefined>();
  const [problem, setProblem] = useState<string | undefined>();
  const [recovery, setRecovery] = useState('');
  const timer = useRef<ReturnType<typeof setInterval> | undefined>(undefined);

  useEffect(() => () => clearInterval(timer.current), []);

  const ask = async () => {
    setProblem(undefined);
    const secret = kmsDeviceSecret(target.personId);
    if (secret === undefined) {
      setProblem(t('enrollNoDevice'));
      return;
    }
    try {
      const code = newApprovalCode();
      const credentialHash = await deviceCredentialHash(secret);
      const made = await target.client.deviceRequests.create({ credentialHash, mac: await deviceRequestMac(code, credentialHash) });
      setRequest({ id: made.id, code });
      setOutcome('waiting');
      clearInterval(timer.current);
      const expires = Date.parse(made.expires);
      timer.current = setInterval(() => {
        void target.client.deviceRequests.get(made.id).then(
          (r) => {
            if (r.status === 'approved') {
              clearInterval(timer.current);
              onRetry();
            } else if (r.status === 'refused') {
              clearInterval(timer.current);
              setOutcome(Date.now() >= expires ? 'expired' : 'refused');
            }
          },
          () => undefined,
        );
      }, POLL_MS);
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    }
  };

  const submitRecovery = (e: FormEvent) => {
    e.preventDefault();
    const key = normalizeRecoveryKey(recovery);
    if (key === undefined) {
      setProblem(t('recoveryKeyMalformed'));
      return;
    }
    setProblem(undefined);
    onRetry(key);
  };

  return (
    <section className="stack enroll-device" aria-labelledby="enroll-title">
      <h2 id="enroll-title">{t('enrollTitle')}</h2>
      <p className="muted small">{t('enrollIntro')}</p>
      {request === undefined ? (
        <button type="button" onClick={() => void ask()}>
          {t('enrollAsk')}
        </button>
      ) : (
        <div className="stack">
          <p>{t('enrollShowCode')}</p>
          <p className="approval-code" aria-label={t('enrollCodeLabel')}>
            <code>{formatRecoveryKey(request.code)}</code>
          </p>
          <p role="status" aria-live="polite">
            {outcome === 'refused' ? t('enrollRefused') : outcome === 'expired' ? t('enrollExpired') : t('enrollWaiting')}
          </p>
          {(outcome === 'refused' || outcome === 'expired') && (
            <button type="button" onClick={() => void ask()}>
              {t('enrollAskAgain')}
            </button>
          )}
        </div>
      )}
      <form className="stack" onSubmit={submitRecovery}>
        <label>
          {t('recoveryKeyInput')}
          <input name="recovery" autoComplete="off" spellCheck={false} value={recovery} onChange={(e) => setRecovery(e.target.value)} />
        </label>
        <button type="submit">{t('recoveryKeyUse')}</button>
      </form>
      <Problem text={problem} />
    </section>
  );
}
