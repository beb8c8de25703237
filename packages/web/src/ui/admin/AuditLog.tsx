/**
 * The admin audit log (SPEC CP-5): who did what to whom, when, from which address and browser, and
 * what changed; newest first, a page at a time. Read-only: the server has no way to change it.
 * @module
 */
import { useEffect, useState } from 'react';
import type { AuditEvent } from '@flint/protocol';
import { useI18n } from '../../i18n/index.tsx';
import { useAppStore } from '../store-context.ts';
import { auditEvents, type AuditQuery } from '../../app/admin-api.ts';

const PAGE = 50;

function changesText(changes: AuditEvent['changes']): string {
  if (changes === undefined) return '';
  const show = (v: unknown) => (v === undefined ? '—' : typeof v === 'string' ? v : JSON.stringify(v));
  return Object.entries(changes)
    .map(([field, c]) => `${field}: ${show(c.from)} → ${show(c.to)}`)
    .join('; ');
}

export function AuditLog() {
  const { t, day, time } = useI18n();
  const store = useAppStore();
  const { client } = store.session;
  const [queries, setQueries] = useState<AuditQuery[]>([{ max: PAGE }]);
  const [page, setPage] = useState<{ items: AuditEvent[]; next?: AuditQuery }>({ items: [] });
  const query = queries.at(-1) ?? { max: PAGE };

  useEffect(() => {
    void auditEvents(client, query).then(setPage, (e: unknown) => store.fail(e));
  }, [client, store, query]);

  return (
    <div className="stack">
      {page.items.length === 0 ? (
        <p className="muted">{t('auditEmpty')}</p>
      ) : (
        <table className="admin-table" data-testid="audit-log">
          <thead>
            <tr>
              <th scope="col">{t('auditWhen')}</th>
              <th scope="col">{t('auditWho')}</th>
              <th scope="col">{t('auditWhat')}</th>
              <th scope="col">{t('auditChanges')}</th>
              <th scope="col">{t('auditFrom')}</th>
            </tr>
          </thead>
          <tbody>
            {page.items.map((e) => (
              <tr key={e.id}>
                <td>{`${day(e.created)} ${time(e.created)}`}</td>
                <td>{e.actorName}</td>
                <th scope="row">{e.actionText}</th>
                <td className="small">{changesText(e.changes)}</td>
                <td className="small">
                  {e.actorIp ?? ''}
                  <br />
                  <span className="muted">{e.actorUserAgent ?? ''}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="row">
        <button type="button" className="small" disabled={queries.length === 1} onClick={() => setQueries((q) => q.slice(0, -1))}>
          {t('previousPage')}
        </button>
        <button type="button" className="small" disabled={page.next === undefined} onClick={() => page.next !== undefined && setQueries((q) => [...q, page.next!])}>
          {t('nextPage')}
        </button>
      </div>
    </div>
  );
}
