/**
 * Usage report (SPEC ID-8, AD-2): daily figures for a period (the last 30 days by default), from
 * metadata only, as charts (UsageCharts, uPlot, loaded only here), a table and a CSV download.
 * @module
 */
import { lazy, Suspense, useEffect, useState, type FormEvent } from 'react';
import type { UsageDay } from '@flint/protocol';
import { useI18n } from '../../i18n/index.tsx';
import { useAppStore } from '../store-context.ts';
import { usage, usageCsvHref } from '../../app/admin-api.ts';

const UsageCharts = lazy(() => import('./UsageCharts.tsx'));

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function UsageReport() {
  const { t } = useI18n();
  const store = useAppStore();
  const { client } = store.session;
  const [from, setFrom] = useState(() => dayOf(Date.now() - 29 * 86_400_000));
  const [to, setTo] = useState(() => dayOf(Date.now()));
  const [period, setPeriod] = useState({ from, to });
  const [days, setDays] = useState<UsageDay[]>([]);

  useEffect(() => {
    void usage(client, period.from, period.to).then(setDays, (e: unknown) => store.fail(e));
  }, [client, store, period]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setPeriod({ from, to });
  };

  return (
    <div className="stack">
      <p className="muted small">{t('reportNote')}</p>
      <form className="row wrap" onSubmit={submit}>
        <label>
          {t('reportFrom')}
          <input type="date" required value={from} onChange={(e) => setFrom(e.target.value)} />
        </label>
        <label>
          {t('reportTo')}
          <input type="date" required value={to} onChange={(e) => setTo(e.target.value)} />
        </label>
        <button type="submit" className="small">
          {t('reportShow')}
        </button>
        <a href={usageCsvHref(period.from, period.to)} download>
          {t('reportCsv')}
        </a>
      </form>
      <Suspense fallback={<p role="status">{t('loading')}</p>}>
        <UsageCharts days={days} />
      </Suspense>
      <h3 id="usage-table-title">{t('reportTable')}</h3>
      <table className="admin-table" data-testid="usage-report" aria-labelledby="usage-table-title">
        <thead>
          <tr>
            <th scope="col">{t('reportDay')}</th>
            <th scope="col">{t('reportActive')}</th>
            <th scope="col">{t('reportMessages')}</th>
            <th scope="col">{t('reportFiles')}</th>
            <th scope="col">{t('reportBytes')}</th>
            <th scope="col">{t('reportSpaces')}</th>
          </tr>
        </thead>
        <tbody>
          {days.map((d) => (
            <tr key={d.day}>
              <th scope="row">{d.day}</th>
              <td>{d.activePeople}</td>
              <td>{d.messages}</td>
              <td>{d.files}</td>
              <td>{d.fileBytes}</td>
              <td>{d.spacesCreated}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
