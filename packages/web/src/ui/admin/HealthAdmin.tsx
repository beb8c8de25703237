/**
 * Service health (SPEC AD-3): each part of the service as the server checks it now — state,
 * latency, detail — and the monitoring endpoint's address. Checked again on demand.
 * @module
 */
import { useCallback, useEffect, useState } from 'react';
import { serviceHealth, type HealthComponent, type HealthState, type ServiceHealth } from '@flint/protocol';
import { useI18n } from '../../i18n/index.tsx';
import { useAppStore } from '../store-context.ts';
import { serviceStatus } from '../../app/admin-api.ts';

const PART = { core: 'hcCore', kms: 'hcKms', database: 'hcDatabase', redis: 'hcRedis', blobs: 'hcBlobs', jobs: 'hcJobs', sip: 'hcSip', rtpengine: 'hcRtpengine' } as const satisfies Record<HealthComponent, string>;
const STATE = { ok: 'hsOk', degraded: 'hsDegraded', down: 'hsDown', not_configured: 'hsNotConfigured' } as const satisfies Record<HealthState, string>;

export function HealthAdmin() {
  const { t, plural, relative } = useI18n();
  const store = useAppStore();
  const { client } = store.session;
  const [health, setHealth] = useState<ServiceHealth | undefined>();
  const [busy, setBusy] = useState(false);

  const check = useCallback(() => {
    setBusy(true);
    void serviceStatus(client)
      .then(setHealth, (e: unknown) => store.fail(e))
      .finally(() => setBusy(false));
  }, [client, store]);
  useEffect(check, [check]);

  return (
    <div className="stack">
      <p className="muted small">{t('healthNote')}</p>
      <div className="row wrap">
        <button type="button" className="small" onClick={check} disabled={busy}>
          {t('healthRefresh')}
        </button>
        <p role="status" aria-live="polite" className={health !== undefined ? `health-overall state-${health.state}` : undefined}>
          {health !== undefined && t('healthOverall', { state: t(STATE[health.state]), when: relative(health.checkedAt) })}
        </p>
      </div>
      <table className="admin-table" data-testid="service-health">
        <thead>
          <tr>
            <th scope="col">{t('healthPart')}</th>
            <th scope="col">{t('healthState')}</th>
            <th scope="col">{t('healthLatency')}</th>
            <th scope="col">{t('healthDetail')}</th>
          </tr>
        </thead>
        <tbody>
          {health?.checks.map((c) => (
            <tr key={c.component} data-component={c.component} data-state={c.state}>
              <th scope="row">{t(PART[c.component])}</th>
              <td>
                <span className={`state state-${c.state}`}>{t(STATE[c.state])}</span>
              </td>
              <td className="nowrap">{c.state === 'not_configured' ? '—' : `${c.latencyMs} ms`}</td>
              <td className="small">
                {c.backlog !== undefined ? plural('healthBacklog', c.backlog) : (c.detail ?? '')}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted small">{t('healthMonitoring', { path: serviceHealth.MONITORING_PATH })}</p>
    </div>
  );
}
