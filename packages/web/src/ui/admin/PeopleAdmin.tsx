/**
 * People in the console (SPEC ID-7, ID-5, ID-8): search by name prefix or exact address, page,
 * add (with a password, or by invitation), make or unmake admin, deactivate and reactivate, reset a
 * password (shown once), see and end sessions. Each action is audited by the server (CP-5).
 * @module
 */
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import type { Person, Session as SessionInfo, RoleId } from '@flint/protocol';
import { useI18n } from '../../i18n/index.tsx';
import { useAppStore } from '../store-context.ts';
import { createPerson, endSessions, peoplePage, personSessions, resetPassword, updatePerson } from '../../app/admin-api.ts';

const PAGE = 25;

export function PeopleAdmin() {
  const { t, relative } = useI18n();
  const store = useAppStore();
  const { client } = store.session;
  const [search, setSearch] = useState('');
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [page, setPage] = useState<{ items: Person[]; next?: string }>({ items: [] });
  const [notice, setNotice] = useState<string | undefined>();
  const [sessions, setSessions] = useState<{ person: Person; items: SessionInfo[] } | undefined>();
  const [newEmail, setNewEmail] = useState('');
  const [newName, setNewName] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const cursor = cursors.at(-1);

  // Each keystroke in the search asks again: only the latest question's answer is shown, or a slower
  // earlier one (a shorter term) could land last and show a list that does not match the search box.
  const asked = useRef(0);
  const load = useCallback(() => {
    const term = search.trim();
    const filter = term === '' ? {} : term.includes('@') ? { email: term } : { displayName: term };
    const question = ++asked.current;
    void peoplePage(client, { ...filter, max: PAGE, ...(cursor !== undefined ? { cursor } : {}) }).then(
      (answer) => {
        if (question === asked.current) setPage(answer);
      },
      (e: unknown) => store.fail(e),
    );
  }, [client, store, search, cursor]);
  useEffect(load, [load]);

  const act = async (work: () => Promise<string | undefined>) => {
    setNotice(undefined);
    try {
      setNotice(await work());
      load();
    } catch (error) {
      store.fail(error);
    }
  };

  const add = (e: FormEvent) => {
    e.preventDefault();
    void act(async () => {
      await createPerson(client, { emails: [newEmail.trim()], displayName: newName.trim(), ...(newPassword !== '' ? { password: newPassword } : {}) });
      const sent = newPassword === '' ? t('invitationSent', { email: newEmail.trim() }) : t('saved');
      setNewEmail('');
      setNewName('');
      setNewPassword('');
      return sent;
    });
  };

  const status = (p: Person) => (p.invitePending === true ? t('statusInvited') : p.loginEnabled === false ? t('statusDeactivated') : t('statusActive'));

  return (
    <div className="stack">
      {notice !== undefined && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <label>
        {t('searchPeople')}
        <input
          type="search"
          value={search}
          onChange={(e) => {
            setSearch(e.target.value);
            setCursors([undefined]);
          }}
        />
      </label>
      <table className="admin-table">
        <thead>
          <tr>
            <th scope="col">{t('displayName')}</th>
            <th scope="col">{t('email')}</th>
            <th scope="col">{t('status')}</th>
            <th scope="col">{t('roles')}</th>
            <th scope="col">{t('actions')}</th>
          </tr>
        </thead>
        <tbody>
          {page.items.map((p) => {
            const email = p.emails[0] ?? '';
            const isAdmin = p.roles?.includes('org_admin') === true;
            const self = p.id === store.me;
            return (
              <tr key={p.id} data-email={email}>
                <th scope="row">{p.displayName}</th>
                <td>{email}</td>
                <td>{status(p)}</td>
                <td>
                  {isAdmin && <span className="tag small">{t('admin')}</span>}
                  {p.isGuest === true && <span className="tag small">{t('guest')}</span>}
                </td>
                <td className="row wrap">
                  {!self && p.type === 'person' && (
                    <>
                      <button type="button" className="small" aria-label={`${isAdmin ? t('removeAdmin') : t('makeAdmin')}: ${email}`} onClick={() => void act(async () => (await updatePerson(client, p.id, { roles: isAdmin ? ((p.roles ?? []) as RoleId[]).filter((r) => r !== 'org_admin') : [...((p.roles ?? []) as RoleId[]), 'org_admin'] }), t('saved')))}>
                        {isAdmin ? t('removeAdmin') : t('makeAdmin')}
                      </button>
                      {p.invitePending !== true && (
                        <button type="button" className="small" aria-label={`${p.loginEnabled === false ? t('reactivate') : t('deactivate')}: ${email}`} onClick={() => void act(async () => (await updatePerson(client, p.id, { loginEnabled: p.loginEnabled === false }), t('saved')))}>
                          {p.loginEnabled === false ? t('reactivate') : t('deactivate')}
                        </button>
                      )}
                      {p.loginEnabled === true && (
                        <button type="button" className="small" aria-label={`${t('resetPassword')}: ${email}`} onClick={() => void act(async () => t('newPasswordIs', { email, password: await resetPassword(client, p.id) }))}>
                          {t('resetPassword')}
                        </button>
                      )}
                      {p.loginEnabled === true && (
                        <button type="button" className="small" aria-label={`${t('sessions')}: ${email}`} onClick={() => void personSessions(client, p.id).then((items) => setSessions({ person: p, items }), (e: unknown) => store.fail(e))}>
                          {t('sessions')}
                        </button>
                      )}
                    </>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <div className="row">
        <button type="button" className="small" disabled={cursors.length === 1} onClick={() => setCursors((c) => c.slice(0, -1))}>
          {t('previousPage')}
        </button>
        <button type="button" className="small" disabled={page.next === undefined} onClick={() => setCursors((c) => [...c, page.next])}>
          {t('nextPage')}
        </button>
      </div>
      {sessions !== undefined && (
        <section aria-labelledby="person-sessions-title" className="stack">
          <h3 id="person-sessions-title">
            {t('sessions')}: {sessions.person.emails[0]}
          </h3>
          <ul>
            {sessions.items.map((s) => (
              <li key={s.id} className="small">
                {s.userAgent ?? '?'} — {s.ip ?? '?'} {s.clientVersion !== undefined ? `(${s.clientVersion})` : ''} — {t('lastSeen', { when: relative(s.lastSeen) })}
              </li>
            ))}
          </ul>
          <button
            type="button"
            className="small danger"
            onClick={() =>
              void act(async () => {
                await endSessions(client, sessions.person.id);
                setSessions(undefined);
                return t('sessionsEnded', { email: sessions.person.emails[0] ?? '' });
              })
            }
          >
            {t('endSessions')}
          </button>
        </section>
      )}
      <form onSubmit={add} className="stack admin-form" aria-labelledby="create-person-title">
        <h3 id="create-person-title">{t('createPerson')}</h3>
        <label>
          {t('email')}
          <input type="email" required value={newEmail} onChange={(e) => setNewEmail(e.target.value)} />
        </label>
        <label>
          {t('displayName')}
          <input required maxLength={128} value={newName} onChange={(e) => setNewName(e.target.value)} />
        </label>
        <label>
          {t('passwordOptional')}
          <input type="password" autoComplete="new-password" minLength={10} value={newPassword} onChange={(e) => setNewPassword(e.target.value)} />
        </label>
        <button type="submit" className="primary">
          {t('createPerson')}
        </button>
      </form>
    </div>
  );
}
