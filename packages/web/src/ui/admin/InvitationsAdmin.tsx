/**
 * Pending invitations (SPEC ID-3): invite by e-mail, send again (a fresh link; the old one stops
 * working), withdraw. The server shows an admin every pending invitation of the org.
 * @module
 */
import { useState, type FormEvent } from 'react';
import { useI18n } from '../../i18n/index.tsx';
import { useAdminList } from './use-admin-list.ts';
import { invite, pendingInvitations, resendInvitation, revokeInvitation } from '../../app/admin-api.ts';

export function InvitationsAdmin() {
  const { t, relative } = useI18n();
  const { client, items, notice, act } = useAdminList(pendingInvitations);
  const [email, setEmail] = useState('');


  const submit = (e: FormEvent) => {
    e.preventDefault();
    const address = email.trim();
    void act(async () => {
      await invite(client, address);
      setEmail('');
      return t('invitationSent', { email: address });
    });
  };

  return (
    <div className="stack">
      {notice !== undefined && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <form className="row" onSubmit={submit}>
        <label className="grow">
          {t('inviteSomeone')}
          <input type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
        <button type="submit" className="primary small">
          {t('invite')}
        </button>
      </form>
      {items.length === 0 ? (
        <p className="muted">{t('noInvitations')}</p>
      ) : (
        <table className="admin-table">
          <thead>
            <tr>
              <th scope="col">{t('email')}</th>
              <th scope="col">{t('expires')}</th>
              <th scope="col">{t('actions')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((i) => (
              <tr key={i.id}>
                <th scope="row">
                  {i.email} {i.asGuest && <span className="tag small">{t('guest')}</span>}
                </th>
                <td>{relative(i.expires)}</td>
                <td className="row">
                  <button type="button" className="small" aria-label={`${t('resend')}: ${i.email}`} onClick={() => void act(async () => (await resendInvitation(client, i.id), t('invitationSent', { email: i.email })))}>
                    {t('resend')}
                  </button>
                  <button type="button" className="small danger" aria-label={`${t('withdraw')}: ${i.email}`} onClick={() => void act(async () => (await revokeInvitation(client, i.id), t('saved')))}>
                    {t('withdraw')}
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
