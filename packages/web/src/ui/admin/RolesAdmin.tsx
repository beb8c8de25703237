/**
 * Roles (SPEC ID-7, CP-1): the roles Flint models, how many hold each, who holds the administrator
 * and compliance officer roles; granting one by address and removing it, keeping the person's other
 * roles. The server audits each change (CP-5) and refuses it to non-admins. The compliance officer
 * role opens the org's encrypted content only: its keys are the KMS operator's to grant.
 * @module
 */
import { useState, type FormEvent } from 'react';
import type { RoleId, RoleSummary } from '@flint/protocol';
import { useI18n } from '../../i18n/index.tsx';
import { useAppStore } from '../store-context.ts';
import { useAdminList } from './use-admin-list.ts';
import { peoplePage, roleSummaries, updatePerson } from '../../app/admin-api.ts';

export function RolesAdmin() {
  const { t } = useI18n();
  const store = useAppStore();
  const { client, items: roles, notice, act } = useAdminList(roleSummaries);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<RoleId>('org_admin');

  const roleName = (r: { id: string; name: string }) => (r.id === 'org_admin' ? t('roleOrgAdmin') : r.id === 'compliance_officer' ? t('roleComplianceOfficer') : r.id === 'user' ? t('roleUser') : r.name);

  const grant = (e: FormEvent) => {
    e.preventDefault();
    const address = email.trim();
    void act(async () => {
      const person = (await peoplePage(client, { email: address, max: 1 })).items[0];
      if (person === undefined || person.orgId !== store.session.me.orgId) return t('noSuchPerson', { email: address });
      // The person's other roles stay.
      await updatePerson(client, person.id, { roles: [...new Set([...((person.roles ?? []) as RoleId[]), role])] });
      setEmail('');
      return role === 'org_admin' ? t('roleGranted', { email: address }) : t('roleGrantedNamed', { role: roleName({ id: role, name: role }), email: address });
    });
  };

  const remove = (r: RoleSummary, holder: { id: string; email: string }) =>
    void act(async () => {
      const person = (await peoplePage(client, { email: holder.email, max: 1 })).items[0];
      const roles = ((person?.roles ?? []) as RoleId[]).filter((x) => x !== r.id);
      await updatePerson(client, holder.id, { roles });
      return r.id === 'org_admin' ? t('roleRemoved', { email: holder.email }) : t('roleRemovedNamed', { role: roleName(r), email: holder.email });
    });

  return (
    <div className="stack">
      <p className="muted small">{t('rolesNote')}</p>
      <p className="muted small">{t('complianceRoleNote')}</p>
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
                        {(h.id !== store.me || r.id !== 'org_admin') && (
                          <button type="button" className="small" aria-label={r.id === 'org_admin' ? `${t('removeAdmin')}: ${h.email}` : `${t('removeRole')} (${roleName(r)}): ${h.email}`} onClick={() => remove(r, h)}>
                            {r.id === 'org_admin' ? t('removeAdmin') : t('removeRole')}
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
        <label>
          {t('roleToGrant')}
          <select value={role} onChange={(e) => setRole(e.target.value as RoleId)}>
            <option value="org_admin">{t('roleOrgAdmin')}</option>
            <option value="compliance_officer">{t('roleComplianceOfficer')}</option>
          </select>
        </label>
        <button type="submit" className="small">
          {t('grant')}
        </button>
      </form>
    </div>
  );
}
