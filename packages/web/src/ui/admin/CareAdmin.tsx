/**
 * The help desk's queues (SPEC SP-7): define a queue with its experts (people of the org, ticked
 * from the directory), see the queues, change a queue's experts, delete one that has no open question. The server audits
 * every change (CP-5) and refuses anyone but the org's admins.
 * @module
 */
import { useEffect, useState, type FormEvent } from 'react';
import type { CareQueue, Person } from '@flint/protocol';
import { CARE_LIMITS } from '@flint/protocol';
import { useI18n } from '../../i18n/index.tsx';
import { useAdminList } from './use-admin-list.ts';
import { careQueues, createCareQueue, deleteCareQueue, peoplePage, updateCareQueue } from '../../app/admin-api.ts';
import { useAppStore } from '../store-context.ts';

export function CareAdmin() {
  const { t } = useI18n();
  const store = useAppStore();
  const { client, items, notice, act } = useAdminList(careQueues);
  const [name, setName] = useState('');
  const [people, setPeople] = useState<Person[]>([]);
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [editing, setEditing] = useState<CareQueue | undefined>();
  const [edited, setEdited] = useState<Set<string>>(new Set());

  useEffect(() => {
    // The org's active people (the first page of the directory: up to 100, enough for a queue's experts here).
    peoplePage(client, { max: 100 }).then(
      (page) => setPeople(page.items.filter((p) => p.type !== 'bot' && p.invitePending !== true && p.loginEnabled !== false)),
      (e: unknown) => store.fail(e),
    );
  }, [client, store]);

  const toggleIn = (set: (f: (before: Set<string>) => Set<string>) => void) => (id: string) =>
    set((before) => {
      const next = new Set(before);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const toggle = toggleIn(setChosen);
  const toggleEdited = toggleIn(setEdited);

  const saveExperts = (e: FormEvent) => {
    e.preventDefault();
    if (editing === undefined) return;
    void act(async () => {
      await updateCareQueue(client, editing.id, { expertIds: [...edited] });
      setEditing(undefined);
      return t('careQueueSaved');
    });
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void act(async () => {
      await createCareQueue(client, { name, expertIds: [...chosen] });
      setName('');
      setChosen(new Set());
      return t('careQueueCreated');
    });
  };

  return (
    <div className="stack">
      <p className="muted small">{t('careAdminNote')}</p>
      {notice !== undefined && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <form className="stack card" onSubmit={submit} aria-label={t('careCreateQueue')}>
        <label>
          {t('careQueueName')}
          <input required maxLength={CARE_LIMITS.nameChars} value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <fieldset>
          <legend>{t('careExperts')}</legend>
          {people.map((p) => (
            <label key={p.id} className="row">
              <input type="checkbox" checked={chosen.has(p.id)} onChange={() => toggle(p.id)} />
              {p.displayName} <span className="muted small">{p.emails[0]}</span>
            </label>
          ))}
        </fieldset>
        <div>
          <button type="submit">{t('careCreateQueue')}</button>
        </div>
      </form>
      {items.length === 0 ? (
        <p className="muted">{t('careNoQueues')}</p>
      ) : (
        <table className="admin-table" data-testid="care-queues">
          <thead>
            <tr>
              <th scope="col">{t('careQueueName')}</th>
              <th scope="col">{t('careExperts')}</th>
              <th scope="col">{t('actions')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((q) => (
              <tr key={q.id} data-queue={q.name}>
                <th scope="row">{q.name}</th>
                <td>{q.experts.map((e) => e.displayName).join(', ')}</td>
                <td className="row">
                  <button
                    type="button"
                    className="small"
                    aria-label={`${t('careEditExperts')}: ${q.name}`}
                    onClick={() => {
                      setEditing(q);
                      setEdited(new Set(q.experts.map((x) => x.personId)));
                    }}
                  >
                    {t('careEditExperts')}
                  </button>
                  <button type="button" className="small" aria-label={`${t('careDeleteQueue')}: ${q.name}`} onClick={() => void act(async () => (await deleteCareQueue(client, q.id), t('careQueueDeleted')))}>
                    {t('careDeleteQueue')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {editing !== undefined && (
        <form className="stack card" onSubmit={saveExperts} aria-label={`${t('careEditExperts')}: ${editing.name}`}>
          <fieldset>
            <legend>{`${t('careExperts')}: ${editing.name}`}</legend>
            {people.map((p) => (
              <label key={p.id} className="row">
                <input type="checkbox" checked={edited.has(p.id)} onChange={() => toggleEdited(p.id)} />
                {p.displayName} <span className="muted small">{p.emails[0]}</span>
              </label>
            ))}
          </fieldset>
          <div className="row">
            <button type="submit">{t('save')}</button>
            <button type="button" onClick={() => setEditing(undefined)}>
              {t('cancel')}
            </button>
          </div>
        </form>
      )}
    </div>
  );
}
