/**
 * Maintenance and incident notices (SPEC AD-3): write one (title, text, kind, period), see the
 * org's notices with how many people each was e-mailed to, withdraw one. Publishing and
 * withdrawing are audited by the server (CP-5).
 * @module
 */
import { useState, type FormEvent } from 'react';
import type { Notice, NoticeSeverity } from '@flint/protocol';
import { serviceHealth } from '@flint/protocol';
import { useI18n } from '../../i18n/index.tsx';
import { useAdminList } from './use-admin-list.ts';
import { NOTICES_CHANGED, orgNotices, publishNotice, withdrawNotice } from '../../app/admin-api.ts';

const SEVERITY = { info: 'sevInfo', maintenance: 'sevMaintenance', incident: 'sevIncident' } as const satisfies Record<NoticeSeverity, string>;

/** A `datetime-local` value (the browser's zone) for a time. */
function localInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

/** Tells the banner in this tab to reload at once. */
const announceNoticesChanged = () => window.dispatchEvent(new Event(NOTICES_CHANGED));

export function NoticesAdmin() {
  const { t, plural, time, day } = useI18n();
  const { client, items, notice, act } = useAdminList(orgNotices, announceNoticesChanged);
  const [title, setTitle] = useState('');
  const [text, setText] = useState('');
  const [severity, setSeverity] = useState<NoticeSeverity>('maintenance');
  const [starts, setStarts] = useState(() => localInput(Date.now()));
  const [ends, setEnds] = useState(() => localInput(Date.now() + 2 * 3_600_000));


  const submit = (e: FormEvent) => {
    e.preventDefault();
    void act(async () => {
      const created = await publishNotice(client, { title, text, severity, startsAt: new Date(starts).toISOString(), endsAt: new Date(ends).toISOString() });
      setTitle('');
      setText('');
      return plural('noticePublished', created.emailed ?? 0);
    });
  };

  const when = (iso: string) => `${day(iso)} ${time(iso)}`;
  const phase = (n: Notice) => {
    const now = Date.now();
    return Date.parse(n.endsAt) <= now ? t('noticeEnded') : Date.parse(n.startsAt) > now ? t('noticeScheduled') : t('noticeActive');
  };

  return (
    <div className="stack">
      <p className="muted small">{t('noticesNote')}</p>
      {notice !== undefined && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <form className="stack card" onSubmit={submit} aria-label={t('noticePublish')}>
        <label>
          {t('noticeTitle')}
          <input required maxLength={serviceHealth.NOTICE_LIMITS.titleChars} value={title} onChange={(e) => setTitle(e.target.value)} />
        </label>
        <label>
          {t('noticeText')}
          <textarea required rows={3} maxLength={serviceHealth.NOTICE_LIMITS.textChars} value={text} onChange={(e) => setText(e.target.value)} />
        </label>
        <div className="row wrap">
          <label>
            {t('noticeSeverity')}
            <select value={severity} onChange={(e) => setSeverity(e.target.value as NoticeSeverity)}>
              {(Object.keys(SEVERITY) as NoticeSeverity[]).map((s) => (
                <option key={s} value={s}>
                  {t(SEVERITY[s])}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('noticeStarts')}
            <input type="datetime-local" required value={starts} onChange={(e) => setStarts(e.target.value)} />
          </label>
          <label>
            {t('noticeEnds')}
            <input type="datetime-local" required value={ends} onChange={(e) => setEnds(e.target.value)} />
          </label>
        </div>
        <div>
          <button type="submit">{t('noticePublish')}</button>
        </div>
      </form>
      {items.length === 0 ? (
        <p className="muted">{t('noticeEmpty')}</p>
      ) : (
        <table className="admin-table" data-testid="notices">
          <thead>
            <tr>
              <th scope="col">{t('noticeTitle')}</th>
              <th scope="col">{t('noticeSeverity')}</th>
              <th scope="col">{t('noticeWhen')}</th>
              <th scope="col">{t('noticeEmailed')}</th>
              <th scope="col">{t('actions')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((n) => (
              <tr key={n.id} data-notice={n.title}>
                <th scope="row">
                  {n.title}
                  <div className="muted small">{n.text}</div>
                </th>
                <td>{t(SEVERITY[n.severity])}</td>
                <td className="small">
                  {phase(n)} · {t('noticeFromTo', { from: when(n.startsAt), to: when(n.endsAt) })}
                </td>
                <td>{n.emailed ?? 0}</td>
                <td>
                  <button type="button" className="small" aria-label={`${t('noticeWithdraw')}: ${n.title}`} onClick={() => void act(async () => (await withdrawNotice(client, n.id), t('noticeWithdrawn')))}>
                    {t('noticeWithdraw')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
