/**
 * OAuth integrations in the web app (issue 18, SPEC ID-9): "My integrations" (a person registers
 * an app: name, redirect URIs, scopes, logo; the client secret is shown once), the consent page
 * `/v1/authorize` sends people to (the integration's name, logo and scopes in words; Allow / Deny),
 * and, in Settings, the integrations one allowed, each revocable.
 * @module
 */
import { useCallback, useEffect, useState } from 'react';
import { OAUTH_SCOPES, type ConsentInfo, type Grant, type Integration, type OAuthScope } from '@flint/protocol';
import { useI18n } from '../i18n/index.tsx';
import type { Strings } from '../i18n/en.ts';
import { useAppStore } from './store-context.ts';
import { answerConsent, consentInfo, createIntegration, deleteIntegration, grantDeviceLabel, integrationLogoSrc, listGrants, listIntegrations, revokeGrant, setIntegrationLogo } from '../app/integrations-api.ts';
import { Problem } from './Problem.tsx';

/** Each scope in words, for the consent page and the lists. */
const SCOPE_TEXT = {
  'spark:people_read': 'scopePeopleRead',
  'spark:rooms_read': 'scopeRoomsRead',
  'spark:rooms_write': 'scopeRoomsWrite',
  'spark:memberships_read': 'scopeMembershipsRead',
  'spark:memberships_write': 'scopeMembershipsWrite',
  'spark:messages_read': 'scopeMessagesRead',
  'spark:messages_write': 'scopeMessagesWrite',
  'spark:teams_read': 'scopeTeamsRead',
  'spark:teams_write': 'scopeTeamsWrite',
  'meeting:schedules_read': 'scopeMeetingsRead',
  'meeting:schedules_write': 'scopeMeetingsWrite',
  'meeting:preferences_read': 'scopeMeetingPreferencesRead',
  'spark:calls_read': 'scopeCallsRead',
  'spark:calls_write': 'scopeCallsWrite',
  'spark:kms': 'scopeKms',
} as const satisfies Record<OAuthScope, keyof Strings>;

function ScopeList({ scopes }: { scopes: readonly OAuthScope[] }) {
  const { t } = useI18n();
  return (
    <ul className="scope-list">
      {scopes.map((s) => (
        <li key={s}>
          {t(SCOPE_TEXT[s])} <code className="muted small">{s}</code>
        </li>
      ))}
    </ul>
  );
}

function Logo({ integrationId, hasLogo, name }: { integrationId: string; hasLogo: boolean; name: string }) {
  const store = useAppStore();
  if (!hasLogo) {
    return (
      <span className="integration-logo placeholder" aria-hidden="true">
        {name.slice(0, 1).toUpperCase()}
      </span>
    );
  }
  return <img className="integration-logo" src={integrationLogoSrc(store.session.client, integrationId)} alt="" width={48} height={48} />;
}

/** `#/integrations`: the integrations one registered. */
export default function IntegrationsPage() {
  const { t } = useI18n();
  const store = useAppStore();
  const { client } = store.session;
  const [items, setItems] = useState<Integration[]>([]);
  const [name, setName] = useState('');
  const [uris, setUris] = useState('');
  const [scopes, setScopes] = useState<Set<OAuthScope>>(new Set(['spark:messages_read', 'spark:messages_write', 'spark:rooms_read', 'spark:kms']));
  const [logo, setLogo] = useState<File | undefined>();
  const [created, setCreated] = useState<{ integration: Integration; clientSecret: string } | undefined>();
  const [error, setError] = useState<string | undefined>();

  const load = useCallback(() => void listIntegrations(client).then(setItems, (e: unknown) => store.fail(e)), [client, store]);
  useEffect(load, [load]);

  const base = client.transport.baseUrl;
  return (
    <div className="settings">
      <h1>{t('myIntegrations')}</h1>
      <p className="muted">{t('integrationsHelp')}</p>
      <p className="muted small">{t('integrationEndpoints', { authorize: `${base}/v1/authorize`, token: `${base}/v1/access_token` })}</p>
      {created !== undefined && (
        <section className="card stack" aria-labelledby="created-title" role="status">
          <h2 id="created-title">{t('integrationRegistered', { name: created.integration.name })}</h2>
          <p>
            <strong>{t('clientId')}</strong>: <code data-testid="client-id">{created.integration.clientId}</code>
          </p>
          <p>
            <strong>{t('clientSecret')}</strong>: <code data-testid="client-secret">{created.clientSecret}</code>
          </p>
          <p className="notice">{t('secretOnce')}</p>
          <button type="button" className="small" onClick={() => setCreated(undefined)}>
            {t('close')}
          </button>
        </section>
      )}
      <section className="card" aria-labelledby="register-title">
        <h2 id="register-title">{t('registerIntegration')}</h2>
        <Problem text={error} />
        <form
          className="stack"
          onSubmit={(e) => {
            e.preventDefault();
            setError(undefined);
            void (async () => {
              try {
                const redirectUris = uris.split(/\s+/).filter((u) => u !== '');
                const made = await createIntegration(client, { name: name.trim(), redirectUris, scopes: OAUTH_SCOPES.filter((s) => scopes.has(s)) });
                if (logo !== undefined) made.integration = await setIntegrationLogo(client, made.integration.id, logo);
                setCreated(made);
                setName('');
                setUris('');
                setLogo(undefined);
                load();
              } catch (err) {
                const body = (err as { body?: { errors?: { description: string }[] } }).body;
                setError(body?.errors?.map((x) => x.description).join(' ') ?? (err as Error).message);
              }
            })();
          }}
        >
          <label>
            {t('integrationName')}
            <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} />
          </label>
          <label>
            {t('redirectUris')}
            <textarea value={uris} onChange={(e) => setUris(e.target.value)} required rows={2} placeholder="https://app.example/callback" />
          </label>
          <fieldset className="scope-choices">
            <legend>{t('integrationScopes')}</legend>
            {OAUTH_SCOPES.map((s) => (
              <label key={s} className="check">
                <input
                  type="checkbox"
                  checked={scopes.has(s)}
                  onChange={(e) => {
                    const next = new Set(scopes);
                    if (e.target.checked) next.add(s);
                    else next.delete(s);
                    setScopes(next);
                  }}
                />
                {t(SCOPE_TEXT[s])} <code className="muted small">{s}</code>
              </label>
            ))}
          </fieldset>
          <label>
            {t('integrationLogo')}
            <input type="file" accept="image/png,image/jpeg,image/webp" onChange={(e) => setLogo(e.target.files?.[0])} />
          </label>
          <button type="submit" className="primary small" disabled={scopes.size === 0}>
            {t('registerIntegration')}
          </button>
        </form>
      </section>
      <section className="card" aria-labelledby="mine-title">
        <h2 id="mine-title">{t('myIntegrations')}</h2>
        {items.length === 0 && <p className="muted">{t('noIntegrations')}</p>}
        <ul className="session-list">
          {items.map((i) => (
            <li key={i.id} className="row">
              <Logo integrationId={i.id} hasLogo={i.hasLogo} name={i.name} />
              <span className="grow">
                <strong>{i.name}</strong>
                <br />
                <span className="muted small">
                  {t('clientId')}: <code>{i.clientId}</code>
                </span>
                <br />
                <span className="muted small">{i.redirectUris.join(' · ')}</span>
                <br />
                <span className="muted small">{i.scopes.join(' ')}</span>
              </span>
              <button
                type="button"
                className="small danger"
                aria-label={t('deleteIntegrationNamed', { name: i.name })}
                onClick={() => void deleteIntegration(client, i.id).then(load, (e: unknown) => store.fail(e))}
              >
                {t('deleteIntegration')}
              </button>
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}

/** A random grant key (64 hex digits): its KMS device is what the integration's tokens use. */
function newGrantKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** `#/oauth/authorize?…`: where `/v1/authorize` sends the signed-in person to allow or deny. */
export function ConsentPage({ params }: { params: string }) {
  const { t } = useI18n();
  const store = useAppStore();
  const { client } = store.session;
  const query = new URLSearchParams(params);
  const request = { client_id: query.get('client_id') ?? '', redirect_uri: query.get('redirect_uri') ?? '', scope: query.get('scope') ?? '' };
  const [info, setInfo] = useState<ConsentInfo | undefined>();
  const [problem, setProblem] = useState<string | undefined>();
  const [leaving, setLeaving] = useState(false);

  useEffect(() => {
    consentInfo(client, request).then(setInfo, (err: unknown) => {
      const body = (err as { body?: { errors?: { description: string }[] } }).body;
      setProblem(body?.errors?.map((x) => x.description).join(' ') ?? (err as Error).message);
    });
    // The request is fixed by the page's address (`params`).
  }, [params]);

  const answer = async (allow: boolean) => {
    if (info === undefined) return;
    setLeaving(true);
    try {
      let kmsGrant: string | undefined;
      if (allow && info.scopes.includes('spark:kms')) {
        // This browser, an enrolled device of the person, approves the grant's KMS device; the key
        // travels to the integration inside its code and tokens, and the core never stores it.
        kmsGrant = newGrantKey();
        await store.session.sdk.approveToken(kmsGrant, grantDeviceLabel(info.integration.id));
      }
      const state = query.get('state');
      const challenge = query.get('code_challenge');
      const method = query.get('code_challenge_method');
      const { redirectTo } = await answerConsent(client, {
        clientId: request.client_id,
        redirectUri: request.redirect_uri,
        scope: request.scope,
        allow,
        ...(state !== null ? { state } : {}),
        ...(challenge !== null ? { codeChallenge: challenge } : {}),
        ...(method === 'S256' ? { codeChallengeMethod: 'S256' as const } : {}),
        ...(kmsGrant !== undefined ? { kmsGrant } : {}),
      });
      window.location.assign(redirectTo);
    } catch (error) {
      setLeaving(false);
      store.fail(error);
    }
  };

  if (problem !== undefined) {
    return (
      <div className="settings">
        <h1>{t('consentInvalidTitle')}</h1>
        <p role="alert">{t('consentInvalid', { reason: problem })}</p>
      </div>
    );
  }
  if (info === undefined) return <p role="status">{t('loading')}</p>;
  return (
    <div className="settings consent">
      <section className="card stack" aria-labelledby="consent-title">
        <div className="row">
          <Logo integrationId={info.integration.id} hasLogo={info.integration.hasLogo} name={info.integration.name} />
          <h1 id="consent-title" className="grow">
            {t('consentTitle', { name: info.integration.name })}
          </h1>
        </div>
        <p className="muted">{t('consentBy', { owner: info.integration.ownerName })}</p>
        <p>{t('consentAsks')}</p>
        <ScopeList scopes={info.scopes} />
        <p className="muted small">{t('consentAs', { email: store.session.me.emails[0] ?? '' })}</p>
        <p className="muted small">{t('consentRevokeLater')}</p>
        <div className="row">
          <button type="button" className="primary" disabled={leaving} onClick={() => void answer(true)}>
            {t('allowIntegration')}
          </button>
          <button type="button" disabled={leaving} onClick={() => void answer(false)}>
            {t('denyIntegration')}
          </button>
        </div>
        {leaving && <p role="status">{t('consentRedirecting', { name: info.integration.name })}</p>}
      </section>
    </div>
  );
}

/** Settings: the integrations one allowed, each revocable at once. */
export function AllowedIntegrations() {
  const { t, relative } = useI18n();
  const store = useAppStore();
  const { client } = store.session;
  const [grants, setGrants] = useState<Grant[]>([]);
  const [notice, setNotice] = useState<string | undefined>();
  const load = useCallback(() => void listGrants(client).then(setGrants, (e: unknown) => store.fail(e)), [client, store]);
  useEffect(load, [load]);
  return (
    <section aria-labelledby="allowed-title" className="card">
      <h2 id="allowed-title">{t('allowedIntegrations')}</h2>
      {notice !== undefined && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {grants.length === 0 && <p className="muted">{t('allowedIntegrationsNone')}</p>}
      <ul className="session-list">
        {grants.map((g) => (
          <li key={g.integrationId} className="row">
            <Logo integrationId={g.integrationId} hasLogo={g.hasLogo} name={g.name} />
            <span className="grow">
              <strong>{g.name}</strong>
              <br />
              <span className="muted small">{t('allowedSince', { when: relative(g.created), used: relative(g.lastUsed) })}</span>
              <ScopeList scopes={g.scopes} />
            </span>
            <button
              type="button"
              className="small danger"
              aria-label={t('revokeIntegrationNamed', { name: g.name })}
              onClick={() =>
                void (async () => {
                  try {
                    await revokeGrant(client, g.integrationId);
                    // Its grant keys' KMS devices go too: they open nothing any more.
                    await store.session.sdk.removeDevicesLabelled(grantDeviceLabel(g.integrationId)).catch(() => 0);
                    setNotice(t('integrationRevoked', { name: g.name }));
                    load();
                  } catch (error) {
                    store.fail(error);
                  }
                })()
              }
            >
              {t('revokeIntegration')}
            </button>
          </li>
        ))}
      </ul>
      <p className="muted small">
        <a href="#/integrations">{t('myIntegrationsLink')}</a>
      </p>
    </section>
  );
}
