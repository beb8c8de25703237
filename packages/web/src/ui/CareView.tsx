/**
 * The help desk (SPEC SP-7): ask a question on one of the org's queues — the SDK makes an ordinary
 * encrypted space with the question in it, and the core routes it — and follow one's questions;
 * an expert sees the questions waiting in their queues (take), those assigned to them (open the
 * conversation, hand off to another expert or queue, resolve). The list follows
 * `care_request.updated` events live. Admitting a routed expert into the space (their KMS
 * authorization first) is the SDK session's, in this tab as in any client.
 * @module
 */
import { useCallback, useEffect, useMemo, useState, type FormEvent } from 'react';
import type { CareQueue, CareRequest } from '@flint/protocol';
import { useI18n } from '../i18n/index.tsx';
import { go, href } from '../app/router.ts';
import { useAppStore } from './store-context.ts';

export default function CareView() {
  const { t, time } = useI18n();
  const store = useAppStore();
  const care = store.session.sdk.care;
  const [queues, setQueues] = useState<CareQueue[] | undefined>();
  const [requests, setRequests] = useState<CareRequest[]>([]);
  const [notice, setNotice] = useState<string | undefined>();
  const [queueId, setQueueId] = useState('');
  const [question, setQuestion] = useState('');
  const [busy, setBusy] = useState(false);

  const load = useCallback(() => {
    care.queues().then(setQueues, (e: unknown) => store.fail(e));
    care.requests().then(setRequests, (e: unknown) => store.fail(e));
  }, [care, store]);
  useEffect(load, [load]);
  useEffect(() => store.session.sdk.events.on((event) => event.type === 'care_request.updated' && load()), [store, load]);

  const act = async (work: () => Promise<string | undefined>) => {
    setNotice(undefined);
    setBusy(true);
    try {
      setNotice(await work());
      load();
    } catch (error) {
      store.fail(error);
    } finally {
      setBusy(false);
    }
  };

  const ask = (e: FormEvent) => {
    e.preventDefault();
    const queue = queueId || queues?.[0]?.id;
    if (queue === undefined) return;
    void act(async () => {
      const request = await care.ask({ queueId: queue, question });
      setQuestion('');
      go({ view: 'space', roomId: request.roomId });
      return t('careAsked');
    });
  };

  const me = store.me;
  const myQueues = useMemo(() => new Set((queues ?? []).filter((q) => q.experts.some((x) => x.personId === me)).map((q) => q.id)), [queues, me]);
  const asked = requests.filter((r) => r.askerId === me);
  const waiting = requests.filter((r) => r.status === 'waiting' && myQueues.has(r.queueId) && r.askerId !== me);
  const assigned = requests.filter((r) => r.status === 'assigned' && r.expertId === me);

  const status = (r: CareRequest) =>
    r.status === 'resolved'
      ? t('careStatusResolved')
      : r.status === 'waiting'
        ? t('careStatusWaiting')
        : t(r.awaitingAdmission ? 'careStatusAdmitting' : 'careStatusAssigned', { name: r.expertName ?? '' });

  return (
    <div className="search-view stack care-view">
      <h1>{t('careTitle')}</h1>
      {notice !== undefined && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <section aria-labelledby="care-ask" className="stack">
        <h2 id="care-ask">{t('careAsk')}</h2>
        {queues !== undefined && queues.length === 0 ? (
          <p className="muted">{t('careNoQueuesToAsk')}</p>
        ) : (
          <form className="stack card" onSubmit={ask} aria-labelledby="care-ask">
            <label>
              {t('careQueue')}
              <select value={queueId} onChange={(e) => setQueueId(e.target.value)}>
                {(queues ?? []).map((q) => (
                  <option key={q.id} value={q.id}>
                    {q.name}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t('careQuestion')}
              <textarea required rows={3} value={question} onChange={(e) => setQuestion(e.target.value)} />
            </label>
            <div>
              <button type="submit" disabled={busy || queues === undefined}>
                {t('careAskButton')}
              </button>
            </div>
          </form>
        )}
      </section>
      <section aria-labelledby="care-mine" className="stack">
        <h2 id="care-mine">{t('careMine')}</h2>
        {asked.length === 0 ? (
          <p className="muted">{t('careNoneAsked')}</p>
        ) : (
          <ul className="care-list" aria-labelledby="care-mine">
            {asked.map((r) => (
              <li key={r.id} className="card row wrap" data-care-request={r.id}>
                <a href={href({ view: 'space', roomId: r.roomId })}>{roomTitle(store, r.roomId) ?? t('careOpenSpace')}</a>
                <span className="muted small">
                  {r.queueName} · {time(r.created)}
                </span>
                <span className="care-status">{status(r)}</span>
                {r.status !== 'resolved' && (
                  <button type="button" className="small" disabled={busy} onClick={() => void act(async () => (await care.resolve(r.id), undefined))}>
                    {t('careResolve')}
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>
      {myQueues.size > 0 && (
        <>
          <section aria-labelledby="care-waiting" className="stack">
            <h2 id="care-waiting">{t('careWaitingList')}</h2>
            {waiting.length === 0 ? (
              <p className="muted">{t('careNoneWaiting')}</p>
            ) : (
              <ul className="care-list" aria-labelledby="care-waiting">
                {waiting.map((r) => (
                  <li key={r.id} className="card row wrap" data-care-request={r.id}>
                    <span>{t('careFrom', { name: r.askerName, queue: r.queueName })}</span>
                    <span className="muted small">{time(r.created)}</span>
                    <button type="button" className="small" disabled={busy} aria-label={`${t('careTake')}: ${r.askerName}`} onClick={() => void act(async () => (await care.take(r.id), undefined))}>
                      {t('careTake')}
                    </button>
                  </li>
                ))}
              </ul>
            )}
          </section>
        </>
      )}
      {(myQueues.size > 0 || assigned.length > 0) && (
        <section aria-labelledby="care-assigned" className="stack">
          <h2 id="care-assigned">{t('careAssignedList')}</h2>
          {assigned.length === 0 ? (
            <p className="muted">{t('careNoneAssigned')}</p>
          ) : (
            <ul className="care-list" aria-labelledby="care-assigned">
              {assigned.map((r) => (
                <AssignedItem key={r.id} request={r} queues={queues ?? []} busy={busy} act={act} />
              ))}
            </ul>
          )}
        </section>
      )}
    </div>
  );
}

function roomTitle(store: ReturnType<typeof useAppStore>, roomId: string): string | undefined {
  const room = store.rooms.get(roomId);
  return room === undefined ? undefined : store.roomTitle(room);
}

/** One question assigned to me: open it, hand it off (to an expert or a queue), resolve it. */
function AssignedItem({ request, queues, busy, act }: { request: CareRequest; queues: CareQueue[]; busy: boolean; act: (work: () => Promise<string | undefined>) => Promise<void> }) {
  const { t, time } = useI18n();
  const store = useAppStore();
  const care = store.session.sdk.care;
  const me = store.me;
  const experts = useMemo(() => {
    const seen = new Map<string, string>();
    for (const q of queues) for (const x of q.experts) if (x.personId !== me && x.personId !== request.askerId) seen.set(x.personId, x.displayName);
    return [...seen].sort((a, b) => a[1].localeCompare(b[1]));
  }, [queues, me, request.askerId]);
  const [target, setTarget] = useState('');
  const [leave, setLeave] = useState(false);
  const labelId = `care-handoff-${request.id}`;

  const handOff = (e: FormEvent) => {
    e.preventDefault();
    const [kind, id] = target.split(':');
    if (id === undefined) return;
    void act(async () => {
      await care.handOff(request.id, kind === 'q' ? { queueId: id } : { personId: id }, { leave });
      return t('careHandedOff');
    });
  };

  return (
    <li className="card stack" data-care-request={request.id}>
      <div className="row wrap">
        <a href={href({ view: 'space', roomId: request.roomId })}>{roomTitle(store, request.roomId) ?? t('careOpenSpace')}</a>
        <span className="muted small">
          {t('careFrom', { name: request.askerName, queue: request.queueName })} · {time(request.created)}
        </span>
        <button type="button" className="small" disabled={busy} onClick={() => void act(async () => (await care.resolve(request.id), undefined))}>
          {t('careResolve')}
        </button>
      </div>
      <form className="row wrap" onSubmit={handOff} aria-label={`${t('careHandOff')}: ${request.askerName}`}>
        <label>
          <span id={labelId}>{t('careHandOffTo')}</span>
          <select required aria-labelledby={labelId} value={target} onChange={(e) => setTarget(e.target.value)}>
            <option value="" />
            {experts.map(([id, name]) => (
              <option key={id} value={`p:${id}`}>
                {name}
              </option>
            ))}
            {queues.map((q) => (
              <option key={q.id} value={`q:${q.id}`}>
                {t('careToQueue', { name: q.name })}
              </option>
            ))}
          </select>
        </label>
        <label className="row">
          <input type="checkbox" checked={leave} onChange={(e) => setLeave(e.target.checked)} />
          {t('careLeaveAfter')}
        </label>
        <button type="submit" className="small" disabled={busy || target === ''}>
          {t('careHandOff')}
        </button>
      </form>
    </li>
  );
}
