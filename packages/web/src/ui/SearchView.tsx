/**
 * Search (SPEC SR-1): messages through the blinded index (the query is blinded per space in this
 * tab), spaces and teams by their titles (opened here, indexed here), people from the directory,
 * and files by name among the files this tab has opened. Each result links to it in context.
 * @module
 */
import { useEffect, useState } from 'react';
import { TitleIndex, type SecureMessage } from '@flint/sdk';
import type { Person } from '@flint/protocol';
import { useI18n } from '../i18n/index.tsx';
import { href } from '../app/router.ts';
import type { FileView } from '../app/store.ts';
import { openDirect } from '../app/actions.ts';
import { go } from '../app/router.ts';
import { plainText } from '../markdown/mentions.ts';
import { useAppStore } from './App.tsx';
import { Avatar } from './Avatar.tsx';
import { Icon } from './Icon.tsx';

interface Results {
  messages: SecureMessage[];
  spaces: string[];
  people: Person[];
  files: FileView[];
}

export default function SearchView({ query }: { query: string }) {
  const { t, time } = useI18n();
  const store = useAppStore();
  const [results, setResults] = useState<Results | undefined>();
  const [busy, setBusy] = useState(true);

  useEffect(() => {
    let live = true;
    setBusy(true);
    const titles = new TitleIndex();
    for (const room of store.rooms.values()) titles.set(room.id, store.roomTitle(room));
    const q = query.toLowerCase();
    const seen = new Set<string>();
    const files = [...store.roomFiles.values(), ...store.files.values()]
      .flat()
      .filter((f) => f.reference?.name.toLowerCase().includes(q) === true && !seen.has(f.id) && seen.add(f.id) !== undefined);
    const people = store.session.client.people
      .list(query.includes('@') ? { email: query } : { displayName: query, max: 20 })
      .then((p) => p.items)
      .catch(() => [] as Person[]);
    const messages = store.session.search
      .messages(query, { max: 50 })
      .then((r) => r.messages)
      .catch((e: unknown) => (store.fail(e), [] as SecureMessage[]));
    void Promise.all([messages, people]).then(([m, p]) => {
      if (!live) return;
      setResults({ messages: m, spaces: titles.search(query), people: p, files });
      setBusy(false);
    });
    return () => {
      live = false;
    };
  }, [query, store]);

  const empty = results !== undefined && results.messages.length + results.spaces.length + results.people.length + results.files.length === 0;
  return (
    <div className="search-view" aria-busy={busy}>
      <h1>{t('searchResults', { query })}</h1>
      {busy && <p role="status">{t('loading')}</p>}
      {empty && <p>{t('noResults')}</p>}
      {results !== undefined && (
        <>
          {results.messages.length > 0 && (
            <section aria-labelledby="r-messages">
              <h2 id="r-messages">{t('resultsMessages')}</h2>
              <ul className="results">
                {results.messages.map((m) => {
                  const room = store.rooms.get(m.roomId);
                  return (
                    <li key={m.id}>
                      <a className="result" href={href({ view: 'space', roomId: m.roomId, messageId: m.id })}>
                        <Avatar personId={m.personId} size={28} />
                        <span className="grow">
                          <span className="small muted">
                            {store.nameOf(m.personId, m.personEmail)} · {room !== undefined ? store.roomTitle(room) : ''} · {time(m.created)}
                          </span>
                          <br />
                          {plainText(m.markdown ?? m.text ?? '')}
                        </span>
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
                {results.files.map((f) => (
                  <li key={f.id}>
                    <a className="result" href={href({ view: 'space', roomId: f.roomId, messageId: f.messageId })}>
                      <Icon name="file" /> {f.reference?.name}
                    </a>
                  </li>
                ))}
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
                {results.spaces.map((id) => {
                  const room = store.rooms.get(id);
                  return room === undefined ? null : (
                    <li key={id}>
                      <a className="result" href={href({ view: 'space', roomId: id })}>
                        # {store.roomTitle(room)}
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
