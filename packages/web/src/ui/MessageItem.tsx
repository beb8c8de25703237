/**
 * One message: sender, time, safe Markdown, files, reactions, and its actions (react, thread, flag, edit, delete).
 * @module
 */
import { lazy, memo, Suspense, useState } from 'react';
import { locationFallback, type SecureMessage } from '@flint/sdk';
import { useI18n } from '../i18n/index.tsx';
import { href } from '../app/router.ts';
import { deleteMessage, editMessage } from '../app/actions.ts';
import { decodeMentions, plainText } from '../markdown/mentions.ts';

const Markdown = lazy(() => import('../markdown/Markdown.tsx'));
import { useAppStore } from './store-context.ts';
import { Avatar } from './Avatar.tsx';
import { FileCard } from './FileCard.tsx';
import { DraftEditor } from './Composer.tsx';
import { ConfirmDialog } from './Dialog.tsx';
import { Icon } from './Icon.tsx';
import { ReactionBar } from './ReactionBar.tsx';
import { EmojiPicker } from './EmojiPicker.tsx';
import { LocationCard } from './Location.tsx';

/** `actions: false` for a thread's first message in the thread panel: its actions live in the timeline, and a bar floating over the panel's top (under the pointer that just opened the thread) read as a stray button. */
/** `grouped`: a follow-up of the same sender's message just above (same minute): shown without avatar and name. */
export const MessageItem = memo(function MessageItem({
  message,
  replies,
  inThread = false,
  actions = true,
  grouped = false,
}: {
  message: SecureMessage;
  replies: SecureMessage[];
  inThread?: boolean;
  actions?: boolean;
  grouped?: boolean;
}) {
  const { t, time, plural } = useI18n();
  const store = useAppStore();
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [reacting, setReacting] = useState(false);
  const mine = message.personId === store.me;
  const room = store.rooms.get(message.roomId);
  const canDelete = mine || (room?.isLocked === true && room.isModerator === true);
  const flagged = store.flags.has(message.id);
  const files = store.files.get(message.id) ?? [];
  const sender = store.nameOf(message.personId, message.personEmail);
  const location = message.location;
  // A shared place shows as its card; its text is shown only when it says more than the fallback
  // the SDK writes for clients without cards (a caption a bot or another client added).
  const source = location !== undefined && (message.markdown ?? message.text) === locationFallback(location) ? undefined : (message.markdown ?? message.text);
  const fail = (e: unknown) => store.fail(e);

  if (message.deleted !== undefined) {
    return (
      <article className="message deleted" id={`m-${message.id}`} tabIndex={-1}>
        <p className="muted small">{t('deleted')}</p>
      </article>
    );
  }

  return (
    <article className={`message ${flagged ? 'flagged' : ''} ${grouped ? 'grouped' : ''}`} id={`m-${message.id}`} tabIndex={-1} aria-label={`${sender}, ${time(message.created)}`} data-message-id={message.id}>
      {grouped ? (
        // The sender and minute are those of the message above: the gutter shows the time on hover.
        <time dateTime={message.created} className="gutter-time muted small" aria-hidden="true">
          {time(message.created)}
        </time>
      ) : (
        <Avatar personId={message.personId} size={36} />
      )}
      <div className="message-body">
        {(!grouped || message.updated !== undefined || flagged) && (
          <div className="message-meta">
            {!grouped && (
              <>
                <span className="sender">{sender}</span>
                <time dateTime={message.created} className="muted small">
                  {time(message.created)}
                </time>
              </>
            )}
            {message.updated !== undefined && <span className="muted small">{t('edited')}</span>}
            {flagged && <span className="tag small">{t('flagged')}</span>}
          </div>
        )}
        {editing ? (
          <DraftEditor
            roomId={message.roomId}
            initial={decodeMentions(source ?? '')}
            label={t('editing')}
            onCancel={() => setEditing(false)}
            onSubmit={async (draft) => {
              await editMessage(store, message, draft);
              setEditing(false);
            }}
          />
        ) : message.decryptError !== undefined ? (
          <p className="error small">{t('cannotDecrypt')}</p>
        ) : (
          source !== undefined && (
            // The fallback (while the Markdown chunk loads) is laid out as the rendered text will be: no jump.
            <Suspense
              fallback={
                <div className="md">
                  <p className="md-plain">{plainText(source)}</p>
                </div>
              }
            >
              <Markdown source={source} meId={store.me} />
            </Suspense>
          )
        )}
        {location !== undefined && message.decryptError === undefined && <LocationCard location={location} />}
        {files.length > 0 && (
          <div className="files">
            {files.map((f) => (
              <FileCard key={f.id} file={f} />
            ))}
          </div>
        )}
        <ReactionBar message={message} />
        {!inThread && replies.length > 0 && (
          <a className="replies-link small" href={href({ view: 'space', roomId: message.roomId, threadId: message.id })}>
            {plural('replies', replies.length)}
          </a>
        )}
      </div>
      {!editing && actions && (
        <div className="message-actions" role="toolbar" aria-label={sender}>
          {!inThread && (
            <a className="icon-button" href={href({ view: 'space', roomId: message.roomId, threadId: message.id })} aria-label={t('reply')} title={t('reply')}>
              <Icon name="reply" />
            </a>
          )}
          <button type="button" className="icon-button" aria-label={t('react')} title={t('react')} onClick={() => setReacting(true)}>
            <Icon name="smile" />
          </button>
          <button type="button" className="icon-button" aria-pressed={flagged} aria-label={flagged ? t('unflag') : t('flag')} title={flagged ? t('unflag') : t('flag')} onClick={() => void store.toggleFlag(message).catch(fail)}>
            <Icon name="flag" filled={flagged} />
          </button>
          {/* A message with a card (a shared place is one) cannot be edited: the core refuses it, as Webex does. */}
          {mine && message.decryptError === undefined && source !== undefined && message.cards === undefined && (
            <button type="button" className="icon-button" aria-label={t('edit')} title={t('edit')} onClick={() => setEditing(true)}>
              <Icon name="edit" />
            </button>
          )}
          {canDelete && (
            <button
              type="button"
              className="icon-button"
              aria-label={t('delete')}
              title={t('delete')}
              onClick={() => setConfirming(true)}
            >
              <Icon name="trash" />
            </button>
          )}
        </div>
      )}
      {reacting && (
        <EmojiPicker
          title={t('chooseEmoji')}
          onClose={() => setReacting(false)}
          onPick={(emoji) => {
            setReacting(false);
            void store.toggleReaction(message, emoji).catch(fail);
          }}
        />
      )}
      {confirming && (
        <ConfirmDialog
          title={t('delete')}
          message={t('confirmDelete')}
          action={t('delete')}
          onClose={() => setConfirming(false)}
          onConfirm={() => void deleteMessage(store, message).catch(fail)}
        />
      )}
    </article>
  );
});
