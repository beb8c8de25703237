/**
 * The org's active maintenance and incident notices (SPEC AD-3), as banners above the app: loaded
 * at start, every minute, and at once when this tab's admin publishes or withdraws one. A person
 * may close a banner for this tab.
 * @module
 */
import { useEffect, useState } from 'react';
import type { Notice } from '@flint/protocol';
import { useI18n } from '../i18n/index.tsx';
import { useAppStore } from './store-context.ts';
import { activeNotices, NOTICES_CHANGED } from '../app/admin-api.ts';

const POLL_MS = 60_000;
const CLOSED_KEY = 'flint.closedNotices';

function closedIds(): string[] {
  try {
    return JSON.parse(sessionStorage.getItem(CLOSED_KEY) ?? '[]') as string[];
  } catch {
    return [];
  }
}

export function NoticeBanner() {
  const { t, time, day } = useI18n();
  const store = useAppStore();
  const { client } = store.session;
  const [items, setItems] = useState<Notice[]>([]);
  const [closed, setClosed] = useState<string[]>(closedIds);

  useEffect(() => {
    let live = true;
    // A failure here is not worth an error banner: the next poll tries again.
    const load = () => void activeNotices(client).then((n) => live && setItems(n), () => undefined);
    load();
    const timer = setInterval(load, POLL_MS);
    window.addEventListener(NOTICES_CHANGED, load);
    return () => {
      live = false;
      clearInterval(timer);
      window.removeEventListener(NOTICES_CHANGED, load);
    };
  }, [client]);

  const shown = items.filter((n) => !closed.includes(n.id));
  if (shown.length === 0) return null;
  const close = (id: string) => {
    const next = [...closed, id];
    sessionStorage.setItem(CLOSED_KEY, JSON.stringify(next));
    setClosed(next);
  };
  const when = (iso: string) => `${day(iso)} ${time(iso)}`;
  const label = { info: 'sevInfo', maintenance: 'sevMaintenance', incident: 'sevIncident' } as const;

  return (
    <section className="service-notices" aria-label={t('noticeBanners')}>
      {shown.map((n) => (
        <div key={n.id} className={`banner notice-banner severity-${n.severity}`} data-testid="notice-banner">
          <p>
            <strong>
              {t(label[n.severity])}: {n.title}
            </strong>{' '}
            {n.text} <span className="small">({t('noticeFromTo', { from: when(n.startsAt), to: when(n.endsAt) })})</span>
          </p>
          <button type="button" className="link" aria-label={`${t('close')}: ${n.title}`} onClick={() => close(n.id)}>
            {t('close')}
          </button>
        </div>
      ))}
    </section>
  );
}
