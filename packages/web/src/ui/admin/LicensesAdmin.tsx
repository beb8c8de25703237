/**
 * Licences (SPEC ID-7): what the server counts — one licence, Messaging, used by every person of
 * the org who is not deactivated, unlimited. Nothing invented: the table is the server's answer.
 * @module
 */
import { useEffect, useState } from 'react';
import { useI18n } from '../../i18n/index.tsx';
import { useAppStore } from '../store-context.ts';
import { licenses } from '../../app/admin-api.ts';

type License = Awaited<ReturnType<typeof licenses>>[number];

export function LicensesAdmin() {
  const { t } = useI18n();
  const store = useAppStore();
  const { client } = store.session;
  const [items, setItems] = useState<License[]>([]);
  useEffect(() => void licenses(client).then(setItems, (e: unknown) => store.fail(e)), [client, store]);

  return (
    <div className="stack">
      <p className="muted small">{t('licensesNote')}</p>
      <table className="admin-table" data-testid="licenses">
        <thead>
          <tr>
            <th scope="col">{t('licenseName')}</th>
            <th scope="col">{t('licenseUsed')}</th>
            <th scope="col">{t('licenseTotal')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((l) => (
            <tr key={l.id} data-license={l.id}>
              <th scope="row">{l.name}</th>
              <td>{l.consumedUnits}</td>
              <td>{l.totalUnits < 0 ? t('unlimited') : l.totalUnits}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
