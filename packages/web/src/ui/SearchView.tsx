/**
 * Search (SPEC SR-1): results grouped by messages, files, people and spaces, from the SDK's one
 * search entry point; each result links to it in context. A message shows as it does in its space
 * (its Markdown rendered, links inert), clamped to a few lines.
 * @module
 */
import { useEffect, useState } from 'react';
import type { Search } from '@flint/sdk';
import { useI18n } from '../i18n/index.tsx';
import { href } from '../app/router.ts';
import { openDirect } from '../app/actions.ts';
import { go } from '../app/router.ts';
import Markdown from '../markdown/Markdown.tsx';
import { useAppStore } from './store-context.ts';
import { Avatar } from './Avatar.tsx';
import { Icon } from './Icon.tsx';

type SearchResults = Awaited<ReturnType<Search['search']>>;

export default function SearchView({ query }: { query: string }) {
  const { t, time } = useI18n();
  const store = useAppStore();
  const [results, setResults] = useState<SearchResults | undefined>();
  const [busy, setBusy] = useState(true);
  // The filters the search API has (SPEC SR-1): one space, one sender.
  const [inRoom, setInRoom] = useState('');
  const [from, setFrom] = useState('');
  const terms = query.split(/\s+/).map((w) => w.replace(/^["'“”]+|["'“”]+$/g, '')).filter((w) => w !== '');

  useEffect(() => {
    let live = true;
    setBusy(true);
    // One SDK entry point: messages and file names through the blinded index (the query is blinded
    // here, per space key), people from the directory, spaces and teams from titles opened here.
    store.session.sdk.search.refresh();
    void store.session.sdk.search.search(query, { max: 50, ...(inRoom !== '' ? { roomIds: [inRoom] } : {}), ...(from !== '' ? { personId: from } : {}) }).then(
      (r) => {
        if (!live) return;
        setResults(r);
        setBusy(false);
      },
      (e: unknown) => {
        store.fail(e);
        setBusy(false);
      },
    );
    return () => {
      live = false;
    };
  }, [query, store, inRoom, from]);

  const empty = results !== undefined && results.messages.messages.length + results.spaces.length + results.people.length + results.files.length === 0;
  return (
    <div className="search-view" aria-busy={busy}>
      <h1>{t('searchResults', { query })}</h1>
      <div className="row search-filters">
        {/* Labels beside, not around, their selects: a wrapping label would add the chosen option to the name. */}
        <label className="inline-label" htmlFor="search-in">
          {t('searchIn')}
        </label>
        <select id="search-in" value={inRoom} onChange={(e) => setInRoom(e.target.value)}>
            <option value="">{t('searchAnySpace')}</option>
            {store.sortedRooms('all').map((room) => (
              <option key={room.id} value={room.id}>
                {store.roomTitle(room)}
              </option>
            ))}
        </select>
        <label className="inline-label" htmlFor="search-from">
          {t('searchFrom')}
        </label>
        <select id="search-from" value={from} onChange={(e) => setFrom(e.target.value)}>
            <option value="">{t('searchAnyone')}</option>
            {[...store.people.values()]
              .sort((a, b) => a.displayName.localeCompare(b.displayName))
              .map((p) => (
                <option key={p.id} value={p.id}>
                  {p.displayName}
                </option>
              ))}
        </select>
      </div>
      {busy && <p role="status">{t('loading')}</p>}
      {empty && <p>{t('noResults')}</p>}
      {results !== undefined && (
        <>
          {results.messages.messages.length > 0 && (
            <section aria-labelledby="r-messages">
              <h2 id="r-messages">{t('resultsMessages')}</h2>
              <ul className="results">
                {results.messages.messages.map((m) => {
                  const room = store.rooms.get(m.roomId);
                  return (
                    <li key={m.id}>
                      <a className="result" href={href({ view: 'space', roomId: m.roomId, messageId: m.id })}>
                        <Avatar personId={m.personId} size={28} />
                        <div className="grow">
                          <div className="small muted">
                            {store.nameOf(m.personId, m.personEmail)} · {room !== undefined ? store.roomTitle(room) : ''} · {time(m.created)}
                          </div>
                          {/* Shown as the message shows (strike-through, code…), links inert: the result is the link. */}
                          <Markdown source={m.markdown ?? m.text ?? ''} meId={store.me} inert highlight={terms} />
                        </div>
                      </a>
                    </li>
                  );
                })}
              </ul>
            </section>
          )}
          {results.files.length > 0 && (
            <section aria-labelledby="r-files">
              <h2 id="r-files">{t('resultsFiles')}</h2>
              <ul className="results">
                {results.files.flatMap((hit) =>
                  hit.files.map((f) => (
                    <li key={`${hit.message.id}-${f.blobId}`}>
                      <a className="result" href={href({ view: 'space', roomId: hit.message.roomId, messageId: hit.message.id })}>
                        <Icon name="file" /> {f.name}
                      </a>
                    </li>
                  )),
                )}
              </ul>
            </section>
          )}
          {results.people.length > 0 && (
            <section aria-labelledby="r-people">
              <h2 id="r-people">{t('resultsPeople')}</h2>
              <ul className="results">
                {results.people.map((p) => (
                  <li key={p.id}>
                    <button
                      type="button"
                      className="result"
                      onClick={() => {
                        const email = p.emails[0];
                        if (email !== undefined && p.id !== store.me) void openDirect(store, email).then((room) => go({ view: 'space', roomId: room.id }), (e: unknown) => store.fail(e));
                      }}
                    >
                      {p.displayName} <span className="muted small">{p.emails[0]}</span>
                    </button>
                  </li>
                ))}
              </ul>
            </section>
          )}
          {results.spaces.length > 0 && (
            <section aria-labelledby="r-spaces">
              <h2 id="r-spaces">{t('resultsSpaces')}</h2>
              <ul className="results">
                {results.spaces.map((hit) => {
                  const roomId = hit.kind === 'team' ? store.teams.get(hit.id)?.team.generalRoomId : hit.id;
                  return roomId === undefined ? null : (
                    <li key={hit.id}>
                      <a className="result" href={href({ view: 'space', roomId })}>
                        {hit.kind === 'team' ? `${t('teams')}: ` : '# '}
                        {hit.title}
                      </a>
                    </li>
                  );
                })}
              </ul>
            </section>
          )}
        </>
      )}
    </div>
  );
}
