/**
 * The organization's logo (issue 16): an admin uploads a PNG, JPEG or WebP image (at most 256 KiB)
 * or removes it; every member's header shows it beside the org's name. The server checks and
 * re-encodes the image and audits the change; the checks here only answer sooner.
 * @module
 */
import { useState, type FormEvent } from 'react';
import { LIMITS } from '@flint/protocol';
import { useI18n } from '../../i18n/index.tsx';
import { useAppStore } from '../store-context.ts';
import { Problem } from '../Problem.tsx';

const TYPES = ['image/png', 'image/jpeg', 'image/webp'] as const;

export function BrandingAdmin() {
  const { t, fileSize } = useI18n();
  const store = useAppStore();
  const { client } = store.session;
  const orgId = store.session.me.orgId;
  const branding = store.session.orgBranding;
  const [file, setFile] = useState<File | undefined>();
  const [status, setStatus] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const act = async (work: () => Promise<{ displayName: string; logo?: string | undefined }>, done: string) => {
    setStatus(undefined);
    setError(undefined);
    setBusy(true);
    try {
      const org = await work();
      // The admin's own header follows at once; the others' on their next load.
      store.session.orgBranding = { name: org.displayName, logo: org.logo };
      store.changed();
      setStatus(done);
    } catch (e) {
      store.fail(e);
    } finally {
      setBusy(false);
    }
  };

  const upload = (e: FormEvent) => {
    e.preventDefault();
    if (orgId === undefined || file === undefined) return;
    if (!(TYPES as readonly string[]).includes(file.type)) return setError(t('logoNotImage'));
    if (file.size > LIMITS.orgLogoBytes) return setError(t('logoTooBig', { size: fileSize(LIMITS.orgLogoBytes) }));
    void act(() => client.organizations.setLogo(orgId, file, file.type), t('logoSaved'));
  };

  const remove = () => {
    if (orgId === undefined) return;
    void act(async () => {
      await client.organizations.deleteLogo(orgId);
      return { displayName: branding?.name ?? '', logo: undefined };
    }, t('logoRemoved'));
  };

  return (
    <div className="stack">
      <p className="muted small">{t('logoNote', { size: fileSize(LIMITS.orgLogoBytes) })}</p>
      {status !== undefined && (
        <p className="notice" role="status">
          {status}
        </p>
      )}
      <Problem text={error} />
      <div className="card stack">
        <h3>{t('logoCurrent')}</h3>
        {branding?.logo !== undefined ? (
          <div className="row wrap logo-preview">
            <img src={branding.logo} alt={t('logoOf', { name: branding.name })} height="56" data-testid="logo-preview" />
            <button type="button" className="ghost" disabled={busy} onClick={remove}>
              {t('logoRemove')}
            </button>
          </div>
        ) : (
          <p className="muted">{t('logoNone')}</p>
        )}
      </div>
      <form className="card stack" onSubmit={upload} aria-label={t('logoUpload')}>
        <label>
          {t('logoFile')}
          <input
            type="file"
            accept={TYPES.join(',')}
            onChange={(e) => {
              setError(undefined);
              setFile(e.target.files?.[0]);
            }}
          />
        </label>
        <div>
          <button type="submit" disabled={busy || file === undefined}>
            {t('logoUpload')}
          </button>
        </div>
      </form>
    </div>
  );
}
