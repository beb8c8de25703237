/**
 * The page an invitation e-mail links to, `#/invitation/<token>` (SPEC ID-3): who invited whom to
 * which org; the invitee picks a name and password, and lands in the space they were invited into.
 * A link already used leads to sign-in; someone signed in is told to sign out first (an invitation
 * is for one address). Loaded only when such a link is opened.
 * @module
 */
import { useEffect, useState, type FormEvent } from 'react';
import type { InvitationPreview } from '@flint/protocol';
import { FlintError } from '@flint/sdk';
import { useI18n } from '../i18n/index.tsx';
import { newClient, Session } from '../app/session.ts';
import { previewInvitation } from '../app/admin-api.ts';
import { go } from '../app/router.ts';
import { LanguagePicker } from './LanguagePicker.tsx';
import { Problem } from './Problem.tsx';
import { AuthCard } from './AuthCard.tsx';

type Loaded = { kind: 'loading' } | { kind: 'ok'; preview: InvitationPreview } | { kind: 'used' } | { kind: 'invalid' };

export default function InvitationPage({ token, onSession, signedInAs }: { token: string; onSession?: (s: Session) => Promise<void>; signedInAs?: string }) {
  const { t } = useI18n();
  const [loaded, setLoaded] = useState<Loaded>({ kind: 'loading' });
  const [displayName, setDisplayName] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | undefined>();

  useEffect(() => {
    previewInvitation(newClient(), token).then(
      (preview) => setLoaded({ kind: 'ok', preview }),
      (error: unknown) => setLoaded({ kind: error instanceof FlintError && error.status === 410 ? 'used' : 'invalid' }),
    );
  }, [token]);

  const accept = async (e: FormEvent) => {
    e.preventDefault();
    if (loaded.kind !== 'ok' || onSession === undefined) return;
    setBusy(true);
    setProblem(undefined);
    try {
      const session = await Session.signUp({ email: loaded.preview.email, password, displayName, invitationToken: token });
      // The route first, so the shell opens on the space the invitee was added to.
      go(loaded.preview.roomId !== undefined ? { view: 'space', roomId: loaded.preview.roomId } : { view: 'home' });
      await onSession(session);
    } catch (err) {
      setProblem(err instanceof Error ? err.message : String(err));
      setBusy(false);
    }
  };

  return (
    <AuthCard titleId="invitation-title" title={t('invitationTitle')}>
      {loaded.kind === 'loading' && <p role="status">{t('loading')}</p>}
      {(loaded.kind === 'used' || loaded.kind === 'invalid') && (
        <>
          <p role="alert">{loaded.kind === 'used' ? t('invitationUsed') : t('invitationInvalid')}</p>
          <a href="#/">
            {t('signIn')}
          </a>
        </>
      )}
      {loaded.kind === 'ok' && (
        <>
          <p>{t('invitationFrom', { inviter: loaded.preview.inviterName, org: loaded.preview.orgName })}</p>
          {loaded.preview.asGuest && <p className="muted small">{t('invitationGuest')}</p>}
          {signedInAs !== undefined ? (
            <p role="alert">{t('invitationSignedIn', { me: signedInAs, email: loaded.preview.email })}</p>
          ) : (
            <form onSubmit={(e) => void accept(e)} className="stack">
              <label>
                {t('email')}
                <input name="email" type="email" value={loaded.preview.email} readOnly />
              </label>
              <label>
                {t('displayName')}
                <input name="displayName" autoComplete="name" required maxLength={128} value={displayName} onChange={(e) => setDisplayName(e.target.value)} />
              </label>
              <label>
                {t('password')}
                <input name="password" type="password" autoComplete="new-password" required minLength={10} value={password} onChange={(e) => setPassword(e.target.value)} />
              </label>
              <Problem text={problem} />
              <button type="submit" className="primary" disabled={busy}>
                {t('invitationAccept')}
              </button>
            </form>
          )}
        </>
      )}
      <p className="muted small">{t('e2eeNote')}</p>
      <LanguagePicker />
    </AuthCard>
  );
}
