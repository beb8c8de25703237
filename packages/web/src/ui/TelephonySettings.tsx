/**
 * Settings → Calling (SPEC CL-4, CL-5): one's extension and numbers, the caller ID one's calls
 * show (one's own line or the company number, one's own choice), whether one may call
 * international numbers (the admins' choice), and the hunt groups one is an agent of, to log in
 * and out of (logged-out agents are not rung). Shown only to people the admins gave a line or a
 * hunt group.
 * @module
 */
import { useCallback, useEffect, useState } from 'react';
import type { HuntGroup, PersonCalling } from '@flint/protocol';
import { FlintError } from '@flint/sdk';
import { useI18n } from '../i18n/index.tsx';
import { useAppStore } from './store-context.ts';

export function TelephonySettingsCard() {
  const { t } = useI18n();
  const store = useAppStore();
  const telephony = store.session.sdk.telephony;
  const me = store.session.me.id;
  const [mine, setMine] = useState<PersonCalling | undefined>();
  const [groups, setGroups] = useState<HuntGroup[]>([]);
  const [notice, setNotice] = useState<string | undefined>();
  const load = useCallback(() => {
    // A guest is no one's line (403): the card stays hidden.
    const failed = (e: unknown) => (e instanceof FlintError && e.status === 403 ? undefined : store.fail(e));
    telephony.person(me).then(setMine, failed);
    telephony.myHuntGroups().then(setGroups, failed);
  }, [telephony, me, store]);
  useEffect(load, [load]);
  const act = async (work: () => Promise<unknown>, text: string) => {
    setNotice(undefined);
    try {
      await work();
      setNotice(text);
      load();
    } catch (error) {
      store.fail(error);
    }
  };
  if (mine === undefined || (mine.extension === undefined && mine.phoneNumbers.length === 0 && groups.length === 0)) return null;
  return (
    <section aria-labelledby="calling-title" className="card stack">
      <h2 id="calling-title">{t('telCalling')}</h2>
      {notice !== undefined && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <dl className="stack">
        <div>
          <dt>{t('telExtension')}</dt>
          <dd data-testid="my-extension">{mine.extension ?? '—'}</dd>
        </div>
        <div>
          <dt>{t('telNumbers')}</dt>
          <dd>{mine.phoneNumbers.join(', ') || '—'}</dd>
        </div>
        <div>
          <dt>{t('telInternational')}</dt>
          <dd>{mine.internationalAllowed ? t('telAllowed') : t('telBlocked')}</dd>
        </div>
      </dl>
      <label>
        {t('telCallerId')}
        <select aria-label={t('telCallerId')} value={mine.callerId} onChange={(e) => void act(() => telephony.updatePerson(me, { callerId: e.target.value as 'own' | 'company' }), t('telSaved'))}>
          <option value="own">{t('telCallerOwn')}</option>
          <option value="company">{t('telCallerCompany')}</option>
        </select>
      </label>
      {mine.callerIdNumber !== undefined && <p className="muted small">{t('telCallersSee', { number: mine.callerIdNumber })}</p>}
      {groups.length > 0 && (
        <table className="admin-table" data-testid="my-hunt-groups">
          <caption>{t('telHuntGroups')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('telName')}</th>
              <th scope="col">{t('telStatus')}</th>
              <th scope="col">{t('actions')}</th>
            </tr>
          </thead>
          <tbody>
            {groups.map((g) => {
              const loggedIn = g.agents.find((a) => a.personId === me)?.loggedIn === true;
              return (
                <tr key={g.id} data-hunt-group={g.name}>
                  <th scope="row">{g.name}</th>
                  <td>{loggedIn ? t('telLoggedIn') : t('telLoggedOut')}</td>
                  <td>
                    <button type="button" className="small" aria-label={`${loggedIn ? t('telLogOut') : t('telLogIn')}: ${g.name}`} onClick={() => void act(() => telephony.setAgentLogin(g.id, !loggedIn), loggedIn ? t('telLoggedOutNotice') : t('telLoggedInNotice'))}>
                      {loggedIn ? t('telLogOut') : t('telLogIn')}
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
