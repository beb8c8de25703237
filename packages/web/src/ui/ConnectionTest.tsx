/**
 * The connection test a person runs from Settings (SPEC AD-3), through the SDK session: HTTPS and
 * WebSocket round trips, download and upload speed; media reachability is listed as not measured
 * (Flint has no calls yet).
 * @module
 */
import { useState } from 'react';
import type { ConnectionStepResult, ConnectionTestStep } from '@flint/sdk';
import { useI18n } from '../i18n/index.tsx';
import { useAppStore } from './store-context.ts';

const STEP = { https: 'ctHttps', websocket: 'ctWebsocket', download: 'ctDownload', upload: 'ctUpload' } as const satisfies Record<ConnectionTestStep, string>;

export function ConnectionTest() {
  const { t } = useI18n();
  const store = useAppStore();
  const [steps, setSteps] = useState<ConnectionStepResult[]>([]);
  const [running, setRunning] = useState(false);

  const run = () => {
    setSteps([]);
    setRunning(true);
    void store.session.sdk
      .connectionTest({ onStep: (r) => setSteps((s) => [...s, r]) })
      .catch((e: unknown) => store.fail(e))
      .finally(() => setRunning(false));
  };

  const result = (r: ConnectionStepResult) =>
    !r.ok ? t('ctFailed', { reason: r.error ?? '?' }) : r.rttMs !== undefined ? t('ctRtt', { ms: r.rttMs }) : t('ctSpeed', { mbps: r.mbps ?? 0 });

  return (
    <section aria-labelledby="connection-test-title" className="card stack">
      <h2 id="connection-test-title">{t('connectionTest')}</h2>
      <p className="muted small">{t('connectionTestNote')}</p>
      <div>
        <button type="button" className="small" onClick={run} disabled={running}>
          {running ? t('connectionTestRunning') : t('connectionTestRun')}
        </button>
      </div>
      {(steps.length > 0 || running) && (
        <table className="admin-table conn-table" data-testid="connection-test" aria-busy={running}>
          <thead>
            <tr>
              <th scope="col">{t('ctCheck')}</th>
              <th scope="col">{t('ctResult')}</th>
            </tr>
          </thead>
          <tbody>
            {steps.map((r) => (
              <tr key={r.step} data-step={r.step} data-ok={String(r.ok)}>
                <th scope="row">{t(STEP[r.step])}</th>
                <td className={r.ok ? 'state-ok' : 'state-down'}>{result(r)}</td>
              </tr>
            ))}
            {!running && (
              <tr data-step="media">
                <th scope="row">{t('ctMedia')}</th>
                <td className="muted">{t('ctMediaNotBuilt')}</td>
              </tr>
            )}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** The opt-in to e-mailed service notices (stored on the server with the person's other notification settings). */
export function ServiceNoticesSetting() {
  const { t } = useI18n();
  const store = useAppStore();
  const { client } = store.session;
  const [on, setOn] = useState(store.session.me.notificationPrefs?.serviceNotices === true);

  const change = (value: boolean) => {
    setOn(value);
    void client.people.updateMe({ notificationPrefs: { serviceNotices: value } }).then(
      (person) => {
        store.session.me = person;
        store.changed();
      },
      (e: unknown) => {
        setOn(!value);
        store.fail(e);
      },
    );
  };

  return (
    <section aria-labelledby="service-notices-title" className="card stack">
      <h2 id="service-notices-title">{t('serviceNotices')}</h2>
      <label className="check">
        <input type="checkbox" checked={on} onChange={(e) => change(e.target.checked)} />
        {t('serviceNoticesOptIn')}
      </label>
    </section>
  );
}
