/**
 * The org's domains (SPEC ID-2): claim one, publish the TXT record shown, then check DNS; remove.
 * @module
 */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { OrgDomain } from '@flint/protocol';
import { useI18n } from '../../i18n/index.tsx';
import { useAppStore } from '../store-context.ts';
import { claimDomain, domains, removeDomain, verifyDomain } from '../../app/admin-api.ts';

export function DomainsAdmin() {
  const { t } = useI18n();
  const store = useAppStore();
  const { client } = store.session;
  const [items, setItems] = useState<OrgDomain[]>([]);
  const [domain, setDomain] = useState('');

  const load = useCallback(() => void domains(client).then(setItems, (e: unknown) => store.fail(e)), [client, store]);
  useEffect(load, [load]);

  const act = async (work: () => Promise<unknown>) => {
    try {
      await work();
      load();
    } catch (error) {
      store.fail(error);
    }
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void act(async () => {
      await claimDomain(client, domain.trim());
      setDomain('');
    });
  };

  return (
    <div className="stack">
      <table className="admin-table">
        <thead>
          <tr>
            <th scope="col">{t('domain')}</th>
            <th scope="col">{t('status')}</th>
            <th scope="col">{t('actions')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((d) => (
            <tr key={d.domain}>
              <th scope="row">{d.domain}</th>
              <td>
                {d.verified ? t('verified') : t('notVerified')}
                {d.txtRecord !== undefined && (
                  <p className="small">
                    {t('txtRecord', { domain: d.domain, token: '' })}
                    <code>{d.txtRecord}</code>
                  </p>
                )}
              </td>
              <td className="row">
                {!d.verified && (
                  <button type="button" className="small" aria-label={`${t('verify')}: ${d.domain}`} onClick={() => void act(() => verifyDomain(client, d.domain))}>
                    {t('verify')}
                  </button>
                )}
                <button type="button" className="small danger" aria-label={`${t('removeDomain')}: ${d.domain}`} onClick={() => void act(() => removeDomain(client, d.domain))}>
                  {t('removeDomain')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form className="row" onSubmit={submit}>
        <label className="grow">
          {t('addDomain')}
          <input required value={domain} onChange={(e) => setDomain(e.target.value)} placeholder="example.com" />
        </label>
        <button type="submit" className="primary small">
          {t('addDomain')}
        </button>
      </form>
    </div>
  );
}
