/**
 * Flagged messages as a list (SPEC MS-3), newest flag first, across every space: each shows as it
 * reads in its space and links to it in context; Remove flag takes it off the list.
 * @module
 */
import { useEffect, useState } from 'react';
import type { SecureMessage } from '@flint/sdk';
import { useI18n } from '../i18n/index.tsx';
import { href } from '../app/router.ts';
import Markdown from '../markdown/Markdown.tsx';
import { useAppStore } from './store-context.ts';
import { Avatar } from './Avatar.tsx';
import { Icon } from './Icon.tsx';

export default function FlaggedView() {
  const { t, time } = useI18n();
  const store = useAppStore();
  const flags = [...store.flags.values()].filter((f) => store.rooms.has(f.roomId)).sort((a, b) => b.created.localeCompare(a.created));
  // Flagged messages outside the loaded timelines are fetched (and opened) once each.
  const [fetched, setFetched] = useState(new Map<string, SecureMessage | 'gone'>());
  const missing = flags.map((f) => f.messageId).filter((id) => !store.messages.has(id) && !fetched.has(id));
  const missingKey = missing.join(',');

  useEffect(() => {
    if (missingKey === '') return;
    let live = true;
    void Promise.all(
      missingKey.split(',').map(async (id) => [id, await store.session.sdk.messages.get(id).catch((): 'gone' => 'gone')] as const),
    ).then((pairs) => {
      if (live) setFetched((known) => new Map([...known, ...pairs]));
    });
    return () => {
      live = false;
    };
  }, [missingKey, store]);

  return (
    <div className="search-view">
      <h1>{t('flaggedTitle')}</h1>
      {flags.length === 0 && <p>{t('flaggedNone')}</p>}
      <ul className="results">
        {flags.map((flag) => {
          const known = store.messages.get(flag.messageId) ?? fetched.get(flag.messageId);
          const room = store.rooms.get(flag.roomId);
          if (known === 'gone') return null;
          return (
            <li key={flag.id} className="flagged-item">
              <a className="result" href={href({ view: 'space', roomId: flag.roomId, messageId: flag.messageId })}>
                {known !== undefined && <Avatar personId={known.personId} size={28} />}
                <div className="grow">
                  {known === undefined ? (
                    <p className="muted">{t('loading')}</p>
                  ) : (
                    <>
                      <div className="small muted">
                        {store.nameOf(known.personId, known.personEmail)} · {room !== undefined ? store.roomTitle(room) : ''} · {time(known.created)}
                      </div>
                      {known.deleted !== undefined ? <p className="muted small">{t('deleted')}</p> : <Markdown source={known.markdown ?? known.text ?? ''} meId={store.me} inert />}
                    </>
                  )}
                </div>
              </a>
              {known !== undefined && (
                <button type="button" className="icon-button" aria-label={t('unflag')} title={t('unflag')} onClick={() => void store.toggleFlag(known).catch((e: unknown) => store.fail(e))}>
                  <Icon name="flag" filled />
                </button>
              )}
            </li>
          );
        })}
      </ul>
    </div>
  );
}
