/**
 * A thread beside the space (SPEC MS-1): the first message, its replies, and a reply composer.
 * @module
 */
import { useEffect } from 'react';
import type { SecureMessage } from '@flint/sdk';
import { useI18n } from '../i18n/index.tsx';
import { href } from '../app/router.ts';
import { useAppStore } from './store-context.ts';
import { MessageItem } from './MessageItem.tsx';
import { Composer } from './Composer.tsx';
import { Icon } from './Icon.tsx';

export function Thread({ roomId, parentId }: { roomId: string; parentId: string }) {
  const { t } = useI18n();
  const store = useAppStore();
  useEffect(() => {
    void store.loadThread(roomId, parentId).catch((e: unknown) => store.fail(e));
  }, [roomId, parentId, store]);
  const room = store.rooms.get(roomId);
  const parent = store.messages.get(parentId);
  const replies = (store.timelines.get(roomId)?.ids ?? [])
    .map((id) => store.messages.get(id))
    .filter((m): m is SecureMessage => m !== undefined && m.parentId === parentId);
  if (room === undefined) return null;
  return (
    <aside className="side-panel" aria-labelledby="thread-title">
      <header className="panel-header">
        <h2 id="thread-title">{t('thread')}</h2>
        <a className="icon-button" href={href({ view: 'space', roomId })} aria-label={t('close')}>
          <Icon name="close" />
        </a>
      </header>
      <div className="panel-body thread" role="log" aria-label={t('thread')}>
        {parent !== undefined && <MessageItem message={parent} replies={[]} inThread actions={false} />}
        <hr />
        {replies.map((m) => (
          <MessageItem key={m.id} message={m} replies={[]} inThread />
        ))}
      </div>
      <Composer room={room} title={store.roomTitle(room)} parentId={parentId} />
    </aside>
  );
}
