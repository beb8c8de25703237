/**
 * "Mentions of me" as a list (issue 16): every message that names me, or @all in a space of mine,
 * newest first across spaces, decrypted in the tab; each opens its space at the message. The server
 * answers from its mention index (mentions are metadata in clear, the text is not).
 * @module
 */
import { useCallback, useEffect, useState } from 'react';
import type { SecureMessage } from '@flint/sdk';
import { useI18n } from '../i18n/index.tsx';
import { href } from '../app/router.ts';
import Markdown from '../markdown/Markdown.tsx';
import { useAppStore } from './store-context.ts';
import { Avatar } from './Avatar.tsx';

const PAGE = 30;

export default function MentionsView() {
  const { t, time } = useI18n();
  const store = useAppStore();
  const [items, setItems] = useState<SecureMessage[] | undefined>();
  const [more, setMore] = useState(false);
  const [busy, setBusy] = useState(false);

  const load = useCallback(
    async (after?: string) => {
      setBusy(true);
      try {
        const page = await store.session.sdk.messages.mentions({ max: PAGE, ...(after !== undefined ? { beforeMessage: after } : {}) });
        setItems((known) => (after === undefined ? page.items : [...(known ?? []), ...page.items]));
        setMore(page.next !== undefined);
      } catch (error) {
        store.fail(error);
      } finally {
        setBusy(false);
      }
    },
    [store],
  );

  useEffect(() => {
    void load();
  }, [load]);

  return (
    <div className="search-view">
      <h1>{t('mentionsTitle')}</h1>
      {items === undefined && <p className="muted">{t('loading')}</p>}
      {items !== undefined && items.length === 0 && <p>{t('mentionsNone')}</p>}
      <ul className="results" aria-label={t('mentionsTitle')}>
        {(items ?? []).map((message) => {
          const room = store.rooms.get(message.roomId);
          return (
            <li key={message.id} className="flagged-item">
              <a className="result" href={href({ view: 'space', roomId: message.roomId, messageId: message.id })}>
                <Avatar personId={message.personId} size={28} />
                <div className="grow">
                  <div className="small muted">
                    {store.nameOf(message.personId, message.personEmail)} · {room !== undefined ? store.roomTitle(room) : ''} · {time(message.created)}
                  </div>
                  {message.deleted !== undefined ? <p className="muted small">{t('deleted')}</p> : <Markdown source={message.markdown ?? message.text ?? ''} meId={store.me} inert />}
                </div>
              </a>
            </li>
          );
        })}
      </ul>
      {more && (
        <button type="button" disabled={busy} onClick={() => void load(items?.at(-1)?.id)}>
          {t('loadMore')}
        </button>
      )}
    </div>
  );
}
