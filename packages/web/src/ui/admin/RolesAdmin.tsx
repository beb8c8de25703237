/**
 * Roles (SPEC ID-7): the roles Flint models, how many hold each, who holds the administrator role;
 * granting it by address and removing it. The server audits each change (CP-5) and refuses it to
 * non-admins.
 * @module
 */
import { useState, type FormEvent } from 'react';
import type { RoleSummary } from '@flint/protocol';
import { useI18n } from '../../i18n/index.tsx';
import { useAppStore } from '../store-context.ts';
import { useAdminList } from './use-admin-list.ts';
import { peoplePage, roleSummaries, updatePerson } from '../../app/admin-api.ts';

export function RolesAdmin() {
  const { t } = useI18n();
  const store = useAppStore();
  const { client, items: roles, notice, act } = useAdminList(roleSummaries);
  const [email, setEmail] = useState('');


  const grant = (e: FormEvent) => {
    e.preventDefault();
    const address = email.trim();
    void act(async () => {
      const person = (await peoplePage(client, { email: address, max: 1 })).items[0];
      if (person === undefined || person.orgId !== store.session.me.orgId) return t('noSuchPerson', { email: address });
      await updatePerson(client, person.id, { roles: ['org_admin'] });
      setEmail('');
      return t('roleGranted', { email: address });
    });
  };

  const roleName = (r: RoleSummary) => (r.id === 'org_admin' ? t('roleOrgAdmin') : r.id === 'user' ? t('roleUser') : r.name);

  return (
    <div className="stack">
      <p className="muted small">{t('rolesNote')}</p>
      {notice !== undefined && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <table className="admin-table" data-testid="roles">
        <thead>
          <tr>
            <th scope="col">{t('roleName')}</th>
            <th scope="col">{t('roleHolderCount')}</th>
            <th scope="col">{t('roleHolders')}</th>
          </tr>
        </thead>
        <tbody>
          {roles.map((r) => (
            <tr key={r.id} data-role={r.id}>
              <th scope="row">{roleName(r)}</th>
              <td>{r.count}</td>
              <td>
                {r.id === 'user' ? (
                  <span className="muted small">{t('roleUserHolders')}</span>
                ) : (
                  <ul className="plain stack-tight">
                    {r.holders.map((h) => (
                      <li key={h.id} className="row wrap" data-email={h.email}>
                        <span>
                          {h.displayName} <span className="muted small">{h.email}</span>
                        </span>
                        {h.id !== store.me && (
                          <button type="button" className="small" aria-label={`${t('removeAdmin')}: ${h.email}`} onClick={() => void act(async () => (await updatePerson(client, h.id, { roles: [] }), t('roleRemoved', { email: h.email })))}>
                            {t('removeAdmin')}
                          </button>
                        )}
                      </li>
                    ))}
                  </ul>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3 id="grant-admin-title">{t('grantAdmin')}</h3>
      <form className="row wrap" onSubmit={grant} aria-labelledby="grant-admin-title">
        <label>
          {t('grantAdminEmail')}
          <input type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
        <button type="submit" className="small">
          {t('grant')}
        </button>
      </form>
    </div>
  );
}
