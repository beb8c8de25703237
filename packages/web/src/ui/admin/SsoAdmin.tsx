/**
 * The org's single sign-on (issue 18, SPEC ID-6): its provider — OpenID Connect (issuer, client id
 * and secret) or SAML 2.0 (the IdP's metadata, from its URL or pasted; Flint's own metadata URL to
 * give the IdP) — whether people sign in there, just-in-time accounts, and "require SSO". The server
 * reads the provider's discovery document or metadata before it saves, and refuses bad ones by name.
 * @module
 */
import { useEffect, useState, type FormEvent } from 'react';
import type { SamlSp, SsoConfig } from '@flint/protocol';
import { FlintError } from '@flint/sdk';
import { useI18n } from '../../i18n/index.tsx';
import { useAppStore } from '../store-context.ts';
import { removeSsoConfig, samlSpInfo, saveSsoConfig, ssoConfig } from '../../app/admin-api.ts';
import { Problem } from '../Problem.tsx';

interface Draft {
  protocol: 'oidc' | 'saml';
  metadataUrl: string;
  metadataXml: string;
  issuer: string;
  clientId: string;
  clientSecret: string;
  enabled: boolean;
  jit: boolean;
  requireSso: boolean;
}

const EMPTY: Draft = { protocol: 'oidc', metadataUrl: '', metadataXml: '', issuer: '', clientId: '', clientSecret: '', enabled: true, jit: false, requireSso: false };

export function SsoAdmin() {
  const { t } = useI18n();
  const store = useAppStore();
  const { client } = store.session;
  const [config, setConfig] = useState<SsoConfig | undefined | null>(null);
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [notice, setNotice] = useState<string | undefined>();
  const [problem, setProblem] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [sp, setSp] = useState<SamlSp | undefined>();

  const adopt = (c: SsoConfig | undefined) => {
    setConfig(c);
    setDraft(
      c === undefined
        ? EMPTY
        : c.protocol === 'saml'
          ? { ...EMPTY, protocol: 'saml', metadataUrl: c.saml?.metadataUrl ?? '', enabled: c.enabled, jit: c.jit, requireSso: c.requireSso }
          : { ...EMPTY, issuer: c.issuer, clientId: c.clientId, enabled: c.enabled, jit: c.jit, requireSso: c.requireSso },
    );
  };

  useEffect(() => {
    void ssoConfig(client).then(adopt, (e: unknown) => store.fail(e));
    void samlSpInfo(client).then(setSp, (e: unknown) => store.fail(e));
  }, [client, store]);

  if (config === null) return <p role="status">{t('loading')}</p>;
  const saml = draft.protocol === 'saml';

  const save = (e: FormEvent) => {
    e.preventDefault();
    setNotice(undefined);
    setProblem(undefined);
    setBusy(true);
    const secret = draft.clientSecret.trim();
    const settings = { enabled: draft.enabled, jit: draft.jit, requireSso: draft.requireSso };
    const pasted = draft.metadataXml.trim();
    saveSsoConfig(
      client,
      saml
        ? // Pasted XML wins over the URL: the admin pasted it for a reason.
          { protocol: 'saml', ...(pasted !== '' ? { metadataXml: pasted } : { metadataUrl: draft.metadataUrl.trim() }), ...settings }
        : {
            protocol: 'oidc',
            issuer: draft.issuer.trim(),
            clientId: draft.clientId.trim(),
            // Empty keeps the stored secret (the server never sends it back); a first setting without one is a public client.
            ...(secret !== '' ? { clientSecret: secret } : config === undefined || config.protocol !== 'oidc' ? { clientSecret: null } : {}),
            ...settings,
          },
    ).then(
      (c) => {
        adopt(c);
        setNotice(t('ssoSaved'));
        setBusy(false);
      },
      (error: unknown) => {
        // A refused setting is the admin's to fix (the issuer, the client): say it here, by the form.
        if (error instanceof FlintError && error.kind === 'refused' && error.status === 400) setProblem([error.message, ...(error.body?.errors.map((d) => d.description) ?? [])].join(' '));
        else store.fail(error);
        setBusy(false);
      },
    );
  };

  const remove = () => {
    setNotice(undefined);
    setProblem(undefined);
    removeSsoConfig(client).then(
      () => {
        adopt(undefined);
        setNotice(t('ssoRemoved'));
      },
      (error: unknown) => store.fail(error),
    );
  };

  const redirectUri = config?.redirectUri ?? `${window.location.origin}/api/auth/sso/callback`;

  return (
    <form className="stack admin-form" onSubmit={save}>
      {notice !== undefined && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {config === undefined && <p className="muted">{t('ssoNone')}</p>}
      <fieldset className="stack">
        <legend>{t('ssoProtocol')}</legend>
        <label className="check">
          <input type="radio" name="protocol" value="oidc" checked={!saml} onChange={() => setDraft({ ...draft, protocol: 'oidc' })} />
          {t('ssoProtocolOidc')}
        </label>
        <label className="check">
          <input type="radio" name="protocol" value="saml" checked={saml} onChange={() => setDraft({ ...draft, protocol: 'saml' })} />
          {t('ssoProtocolSaml')}
        </label>
      </fieldset>
      {saml ? (
        <>
          <p>{t('ssoSamlIntro')}</p>
          {sp !== undefined && (
            <dl className="sso-sp">
              <dt>{t('ssoSamlSpMetadata')}</dt>
              <dd>
                <code className="break">{sp.metadataUrl}</code>
              </dd>
              <dt>{t('ssoSamlSpEntity')}</dt>
              <dd>
                <code className="break">{sp.entityId}</code>
              </dd>
              <dt>{t('ssoSamlSpAcs')}</dt>
              <dd>
                <code className="break">{sp.acsUrl}</code>
              </dd>
              <dt>{t('ssoSamlSpSlo')}</dt>
              <dd>
                <code className="break">{sp.sloUrl}</code>
              </dd>
            </dl>
          )}
          {config?.protocol === 'saml' && config.saml !== undefined && (
            <p className="muted">
              {t('ssoSamlIdpNow', { entity: config.saml.entityId })} {config.saml.sloUrl !== null ? t('ssoSingleLogoutYes') : t('ssoSingleLogoutNo')}
            </p>
          )}
          <label>
            {t('ssoSamlMetadataUrl')}
            <input name="metadataUrl" type="url" maxLength={512} placeholder="https://idp.example.com/metadata" value={draft.metadataUrl} onChange={(e) => setDraft({ ...draft, metadataUrl: e.target.value })} spellCheck={false} required={draft.metadataXml.trim() === ''} />
          </label>
          <label>
            {t('ssoSamlMetadataXml')}
            <textarea name="metadataXml" rows={5} maxLength={256 * 1024} value={draft.metadataXml} onChange={(e) => setDraft({ ...draft, metadataXml: e.target.value })} spellCheck={false} />
          </label>
        </>
      ) : (
        <>
          <p>
            {t('ssoIntro')} <code className="break">{redirectUri}</code>
          </p>
          <label>
            {t('ssoIssuer')}
            <input name="issuer" type="url" required maxLength={512} placeholder="https://idp.example.com" value={draft.issuer} onChange={(e) => setDraft({ ...draft, issuer: e.target.value })} spellCheck={false} />
          </label>
          <label>
            {t('ssoClientId')}
            <input name="clientId" required maxLength={256} value={draft.clientId} onChange={(e) => setDraft({ ...draft, clientId: e.target.value })} spellCheck={false} autoComplete="off" />
          </label>
          <label>
            {config?.protocol === 'oidc' && config.hasClientSecret ? t('ssoClientSecretKept') : t('ssoClientSecret')}
            <input name="clientSecret" type="password" maxLength={512} value={draft.clientSecret} onChange={(e) => setDraft({ ...draft, clientSecret: e.target.value })} autoComplete="new-password" />
          </label>
          {config?.protocol === 'oidc' && <p className="muted">{config.singleLogout ? t('ssoSingleLogoutYes') : t('ssoSingleLogoutNo')}</p>}
        </>
      )}
      <label className="check">
        <input type="checkbox" checked={draft.enabled} onChange={(e) => setDraft({ ...draft, enabled: e.target.checked })} />
        {t('ssoEnabled')}
      </label>
      <label className="check">
        <input type="checkbox" checked={draft.jit} onChange={(e) => setDraft({ ...draft, jit: e.target.checked })} />
        {t('ssoJit')}
      </label>
      <label className="check">
        <input type="checkbox" checked={draft.requireSso} onChange={(e) => setDraft({ ...draft, requireSso: e.target.checked })} />
        {t('ssoRequire')}
      </label>
      <Problem text={problem} />
      <p className="muted small">{t('ssoKmsNote')}</p>
      <div className="row">
        <button type="submit" className="primary" disabled={busy}>
          {t('save')}
        </button>
        {config !== undefined && (
          <button type="button" className="danger" onClick={remove}>
            {t('ssoRemove')}
          </button>
        )}
      </div>
    </form>
  );
}
