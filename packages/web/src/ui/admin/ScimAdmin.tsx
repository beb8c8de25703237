/**
 * Directory sync (issue 18, SPEC ID-5/ID-6): the SCIM base URL to give the org's directory (Okta,
 * Entra ID…), its dedicated SCIM token — created, rotated or revoked here, shown once — and what
 * each of the directory's groups maps to: the administrator role, or one of the admin's teams. A
 * team's spaces are end-to-end encrypted, so people the directory puts in a team join when a team
 * moderator's app next runs (it shares the team's key); the page says so.
 * @module
 */
import { useCallback, useEffect, useState } from 'react';
import type { ScimSettings } from '@flint/protocol';
import { FlintError } from '@flint/sdk';
import { useI18n } from '../../i18n/index.tsx';
import { useAppStore } from '../store-context.ts';
import { createScimToken, mapScimGroup, revokeScimToken, scimSettings } from '../../app/admin-api.ts';
import { ConfirmDialog } from '../Dialog.tsx';
import { Problem } from '../Problem.tsx';

export function ScimAdmin() {
  const { t, relative } = useI18n();
  const store = useAppStore();
  const { client } = store.session;
  const [settings, setSettings] = useState<ScimSettings | undefined>();
  const [fresh, setFresh] = useState<string | undefined>();
  const [notice, setNotice] = useState<string | undefined>();
  const [problem, setProblem] = useState<string | undefined>();
  const [confirming, setConfirming] = useState<'rotate' | 'revoke' | undefined>();

  const load = useCallback(() => void scimSettings(client).then(setSettings, (e: unknown) => store.fail(e)), [client, store]);
  useEffect(load, [load]);

  if (settings === undefined) return <p role="status">{t('loading')}</p>;

  const run = (work: () => Promise<string | undefined>) => {
    setNotice(undefined);
    setProblem(undefined);
    work().then(
      (message) => {
        if (message !== undefined) setNotice(message);
        load();
      },
      (error: unknown) => {
        // A refusal the admin can act on (not a team moderator…) is said by the control, not in the banner.
        if (error instanceof FlintError && error.kind === 'refused' && (error.status === 403 || error.status === 404 || error.status === 400)) setProblem(error.message);
        else store.fail(error);
      },
    );
  };

  const makeToken = () =>
    run(async () => {
      setFresh((await createScimToken(client)).token);
      return undefined;
    });
  const revoke = () =>
    run(async () => {
      await revokeScimToken(client);
      setFresh(undefined);
      return t('scimTokenRevoked');
    });
  const map = (groupId: string, choice: string) =>
    run(async () => {
      await mapScimGroup(client, groupId, choice === 'role' ? { role: 'org_admin' } : choice.startsWith('team:') ? { teamId: choice.slice(5) } : {});
      return t('scimMappingSaved');
    });

  const teams = [...store.teams.values()].sort((a, b) => (a.name ?? '').localeCompare(b.name ?? ''));
  const token = settings.token;

  return (
    <div className="stack admin-form">
      {notice !== undefined && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <p>
        {t('scimIntro')} <code className="break" data-testid="scim-base-url">{settings.baseUrl}</code>
      </p>
      <h3>{t('scimToken')}</h3>
      {fresh !== undefined && (
        <div className="notice stack-tight" role="status">
          <label>
            {t('scimTokenShownOnce')}
            <input readOnly value={fresh} data-testid="scim-token" spellCheck={false} onFocus={(e) => e.currentTarget.select()} />
          </label>
        </div>
      )}
      {token === undefined ? (
        <p className="muted">{t('scimNoToken')}</p>
      ) : (
        <p data-testid="scim-token-info">
          {t('scimTokenCreated', { when: relative(token.created), who: token.createdBy ?? '—' })}{' '}
          {token.lastUsed !== undefined ? t('scimTokenLastUsed', { when: relative(token.lastUsed) }) : t('scimTokenNeverUsed')}
        </p>
      )}
      <div className="row">
        {token === undefined ? (
          <button type="button" className="primary" onClick={makeToken}>
            {t('scimCreateToken')}
          </button>
        ) : (
          <>
            <button type="button" onClick={() => setConfirming('rotate')}>
              {t('scimRotateToken')}
            </button>
            <button type="button" className="danger" onClick={() => setConfirming('revoke')}>
              {t('scimRevokeToken')}
            </button>
          </>
        )}
      </div>
      {confirming !== undefined && (
        // The directory stops reaching Flint with the old token: ask first.
        <ConfirmDialog
          title={confirming === 'rotate' ? t('scimRotateToken') : t('scimRevokeToken')}
          message={confirming === 'rotate' ? t('scimRotateConfirm') : t('scimRevokeConfirm')}
          action={confirming === 'rotate' ? t('scimRotateToken') : t('scimRevokeToken')}
          onClose={() => setConfirming(undefined)}
          onConfirm={confirming === 'rotate' ? makeToken : revoke}
        />
      )}
      <h3>{t('scimGroups')}</h3>
      <p className="muted small">{t('scimGroupsNote')}</p>
      <Problem text={problem} />
      {settings.groups.length === 0 ? (
        <p className="muted">{t('scimNoGroups')}</p>
      ) : (
        <table className="admin-table" data-testid="scim-groups">
          <thead>
            <tr>
              <th scope="col">{t('scimGroupName')}</th>
              <th scope="col">{t('scimGroupMembers')}</th>
              <th scope="col">{t('scimGroupMapsTo')}</th>
            </tr>
          </thead>
          <tbody>
            {settings.groups.map((g) => {
              const value = g.role === 'org_admin' ? 'role' : g.teamId !== undefined ? `team:${g.teamId}` : 'none';
              const unknownTeam = g.teamId !== undefined && !store.teams.has(g.teamId);
              return (
                <tr key={g.id} data-group={g.displayName}>
                  <th scope="row">{g.displayName}</th>
                  <td>{g.members}</td>
                  <td>
                    <select aria-label={t('scimMapsToFor', { group: g.displayName })} value={value} onChange={(e) => map(g.id, e.target.value)}>
                      <option value="none">{t('scimMapNone')}</option>
                      <option value="role">{t('scimMapAdmin')}</option>
                      {teams.map((v) => (
                        <option key={v.team.id} value={`team:${v.team.id}`}>
                          {t('scimMapTeam', { team: v.name ?? t('scimTeamUnnamed') })}
                        </option>
                      ))}
                      {unknownTeam && <option value={value}>{t('scimTeamNotYours')}</option>}
                    </select>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}
