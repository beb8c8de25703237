/**
 * Settings → Encryption keys (issues 14 and 18): from this enrolled browser, approve or refuse a
 * new browser of the same person (it shows a code; the request's MAC under that code is checked
 * here before the KMS is asked, so a request the core slipped in is refused), and make the
 * person's recovery key (shown once; the KMS keeps only its hash).
 * @module
 */
import { useCallback, useEffect, useState } from 'react';
import { deviceRequestMac, formatRecoveryKey, normalizeApprovalCode } from '@flint/sdk';
import type { DeviceRequest } from '@flint/protocol';
import { useI18n } from '../i18n/index.tsx';
import { useAppStore } from './store-context.ts';
import { Problem } from './Problem.tsx';

/** How often the list of pending requests is read while this page is open. */
const POLL_MS = 3000;

export function KeyDevices() {
  const { t, relative } = useI18n();
  const store = useAppStore();
  const { client, sdk } = store.session;
  const [requests, setRequests] = useState<DeviceRequest[]>([]);
  const [codes, setCodes] = useState<Record<string, string>>({});
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [done, setDone] = useState<string | undefined>();
  const [recoveryKey, setRecoveryKey] = useState<string | undefined>();

  const load = useCallback(() => void client.deviceRequests.list().then(setRequests, () => undefined), [client]);
  useEffect(() => {
    load();
    const timer = setInterval(load, POLL_MS);
    return () => clearInterval(timer);
  }, [load]);

  const approve = async (request: DeviceRequest) => {
    setDone(undefined);
    const code = normalizeApprovalCode(codes[request.id] ?? '');
    // The code never went through the core: a request whose MAC does not fit it is not the browser the person is looking at.
    if (code === undefined || (await deviceRequestMac(code, request.credentialHash)) !== request.mac) {
      setProblems((p) => ({ ...p, [request.id]: t('approveCodeMismatch') }));
      return;
    }
    try {
      await sdk.approveDevice(request.credentialHash, request.userAgent?.slice(0, 200));
      await client.deviceRequests.answer(request.id, 'approved');
      setDone(t('approveDone'));
      load();
    } catch (error) {
      store.fail(error);
    }
  };

  const refuse = async (request: DeviceRequest) => {
    setDone(undefined);
    try {
      await client.deviceRequests.answer(request.id, 'refused');
      setDone(t('refuseDone'));
      load();
    } catch (error) {
      store.fail(error);
    }
  };

  const makeRecoveryKey = async () => {
    try {
      setRecoveryKey(await sdk.createRecoveryKey());
    } catch (error) {
      store.fail(error);
    }
  };

  return (
    <section aria-labelledby="keys-title" className="card stack">
      <h2 id="keys-title">{t('keysTitle')}</h2>
      <h3>{t('approveTitle')}</h3>
      {done !== undefined && (
        <p className="notice" role="status">
          {done}
        </p>
      )}
      {requests.length === 0 ? (
        <p className="muted small">{t('approveNone')}</p>
      ) : (
        <ul className="session-list">
          {requests.map((r) => (
            <li key={r.id} className="stack device-request">
              <span>
                <strong>{t('approveRequest')}</strong>
                <br />
                <span className="muted small">{[r.userAgent, r.address, relative(r.created)].filter((x) => x !== undefined).join(' · ')}</span>
              </span>
              <label>
                {t('approveCodeInput')}
                <input autoComplete="off" spellCheck={false} value={codes[r.id] ?? ''} onChange={(e) => setCodes((c) => ({ ...c, [r.id]: e.target.value }))} />
              </label>
              <Problem text={problems[r.id]} />
              <div className="row">
                <button type="button" className="primary small" onClick={() => void approve(r)}>
                  {t('approve')}
                </button>
                <button type="button" className="small danger" onClick={() => void refuse(r)}>
                  {t('refuse')}
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
      <h3>{t('recoveryTitle')}</h3>
      <p className="muted small">{t('recoveryIntro')}</p>
      {recoveryKey === undefined ? (
        <button type="button" className="small" onClick={() => void makeRecoveryKey()}>
          {t('recoveryCreate')}
        </button>
      ) : (
        <div className="stack" role="status">
          <p>{t('recoveryShownOnce')}</p>
          <p className="approval-code">
            <code>{formatRecoveryKey(recoveryKey)}</code>
          </p>
        </div>
      )}
    </section>
  );
}
