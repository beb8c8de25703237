/**
 * Invitations into spaces sent to my address (issue 14): who invited me, from which org, and
 * whether I would join as an external guest; accept or decline. An accepted one says it waits for
 * a member's device, which shares the space's key with me and lets me in (the core cannot).
 * @module
 */
import { useState } from 'react';
import { useI18n } from '../i18n/index.tsx';
import { acceptInvitation, declineInvitation } from '../app/actions.ts';
import { useAppStore } from './store-context.ts';

export function SpaceInvitations() {
  const { t } = useI18n();
  const store = useAppStore();
  const [busy, setBusy] = useState<string | undefined>();
  if (store.invitations.length === 0) return null;
  const run = (id: string, work: () => Promise<void>) => {
    setBusy(id);
    work().then(
      () => setBusy(undefined),
      (e: unknown) => {
        setBusy(undefined);
        store.fail(e);
      },
    );
  };
  return (
    <section className="space-invitations stack" aria-labelledby="space-invitations-title">
      <h2 id="space-invitations-title" className="section-title">
        {t('yourInvitations')}
      </h2>
      <ul className="space-invitation-list">
        {store.invitations.map((i) => {
          const params = { name: i.inviterName, org: i.inviterOrgName };
          return (
            <li key={i.id} className="space-invitation" data-testid="space-invitation">
              <p className="small">{t(i.external ? 'invitedYouExternal' : 'invitedYou', params)}</p>
              <p className="muted small">{i.inviterEmail}</p>
              {i.accepted !== undefined ? (
                <p className="small" role="status">
                  {t('invitationWaiting')}
                </p>
              ) : (
                <div className="row">
                  <button type="button" className="primary small" disabled={busy === i.id} aria-label={t('acceptInvitationFrom', { name: i.inviterName })} onClick={() => run(i.id, () => acceptInvitation(store, i.id))}>
                    {t('acceptInvitation')}
                  </button>
                  <button type="button" className="small" disabled={busy === i.id} aria-label={t('declineInvitationFrom', { name: i.inviterName })} onClick={() => run(i.id, () => declineInvitation(store, i.id))}>
                    {t('declineInvitation')}
                  </button>
                </div>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
