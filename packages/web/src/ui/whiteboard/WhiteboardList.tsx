/**
 * The whiteboards of a space (issue 21: MT-5), as a side panel beside the conversation: the boards
 * with their titles (opened in this tab) and thumbnails (opened likewise), newest activity first,
 * and a form to start one. A board opens in the main area (WhiteboardView).
 * @module
 */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { OpenWhiteboard } from '@flint/sdk';
import type { SecureRoom } from '@flint/sdk';
import { useI18n } from '../../i18n/index.tsx';
import { go, href } from '../../app/router.ts';
import { useAppStore } from '../store-context.ts';
import { Icon } from '../Icon.tsx';
import { BoardThumbnail } from './BoardThumbnail.tsx';

export function WhiteboardList({ room }: { room: SecureRoom }) {
  const { t, relative } = useI18n();
  const store = useAppStore();
  const boards = store.session.sdk.whiteboards;
  const [items, setItems] = useState<OpenWhiteboard[] | undefined>();
  const [title, setTitle] = useState('');
  const [busy, setBusy] = useState(false);

  const load = useCallback(() => {
    boards.list(room.id).then(setItems, (e: unknown) => store.fail(e));
  }, [boards, room.id, store]);
  useEffect(load, [load]);

  const create = async (e: FormEvent) => {
    e.preventDefault();
    if (title.trim() === '') return;
    setBusy(true);
    try {
      const board = await boards.create(room.id, title);
      setTitle('');
      go({ view: 'space', roomId: room.id, boardId: board.id });
    } catch (error) {
      store.fail(error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <aside className="side-panel" aria-labelledby="whiteboards-title">
      <header className="panel-header">
        <h2 id="whiteboards-title">{t('whiteboards')}</h2>
        <a className="icon-button" href={href({ view: 'space', roomId: room.id })} aria-label={t('close')}>
          <Icon name="close" />
        </a>
      </header>
      <div className="panel-body stack">
        <form className="row" onSubmit={(e) => void create(e)}>
          <label className="grow">
            <span className="visually-hidden">{t('whiteboardTitle')}</span>
            <input value={title} onChange={(e) => setTitle(e.target.value)} placeholder={t('whiteboardTitle')} maxLength={256} required />
          </label>
          <button type="submit" className="button small" disabled={busy || title.trim() === ''}>
            {t('newWhiteboard')}
          </button>
        </form>
        {items === undefined && <p role="status">{t('loading')}</p>}
        {items !== undefined && items.length === 0 && <p className="muted">{t('noWhiteboards')}</p>}
        {items !== undefined && items.length > 0 && (
          <ul className="whiteboard-list" aria-label={t('whiteboards')}>
            {items.map((b) => (
              <li key={b.id}>
                <a className="whiteboard-item" href={href({ view: 'space', roomId: room.id, boardId: b.id })}>
                  {b.hasThumbnail ? <BoardThumbnail boardId={b.id} snapshotSeq={b.snapshotSeq} /> : <span className="whiteboard-thumb empty" aria-hidden="true" />}
                  <span className="stack-tight">
                    <span className="whiteboard-name">{b.title ?? t('whiteboardUnreadable')}</span>
                    <span className="small muted">{t('whiteboardActive', { when: relative(b.lastActivity) })}</span>
                  </span>
                </a>
              </li>
            ))}
          </ul>
        )}
      </div>
    </aside>
  );
}
