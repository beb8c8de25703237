/**
 * One's voicemail (SPEC CL-3): the messages, newest first, unread ones marked; each plays back
 * decrypted in this tab (the audio element gets a local blob URL; nothing in clear crosses the
 * network), and is marked read or unread, or deleted. The mailbox follows the `voicemail.*` events
 * (app/voicemail.ts), so another device's changes show here at once.
 * @module
 */
import { useEffect, useState } from 'react';
import type { Voicemail } from '@flint/protocol';
import { useI18n } from '../../i18n/index.tsx';
import { href } from '../../app/router.ts';
import { useAppStore } from '../store-context.ts';
import { Avatar } from '../Avatar.tsx';
import { ConfirmDialog } from '../Dialog.tsx';

function VoicemailItem({ message }: { message: Voicemail }) {
  const { t, relative } = useI18n();
  const store = useAppStore();
  const [url, setUrl] = useState<string | undefined>();
  const [opening, setOpening] = useState(false);
  const [confirming, setConfirming] = useState(false);
  useEffect(() => () => (url !== undefined ? URL.revokeObjectURL(url) : undefined), [url]);
  const name = message.callerName !== '' ? message.callerName : t('voicemailUnknownCaller');

  const play = async () => {
    setOpening(true);
    try {
      const audio = await store.voicemail.audio(message);
      setUrl(URL.createObjectURL(new Blob([audio.data as Uint8Array<ArrayBuffer>], { type: audio.type })));
    } catch (error) {
      store.fail(error);
    } finally {
      setOpening(false);
    }
  };
  const act = (work: () => Promise<void>) => void work().catch((e: unknown) => store.fail(e));

  return (
    <li className={`voicemail-item card ${message.read ? '' : 'unread'}`} data-voicemail-id={message.id}>
      <div className="row">
        <Avatar personId={message.callerId} size={32} />
        <div className="grow">
          <strong>{t('voicemailFrom', { name })}</strong>
          {!message.read && <span className="tag voicemail-new">{t('voicemailNew')}</span>}
          <div className="muted small">
            <time dateTime={message.created}>{relative(message.created)}</time> · {t('voicemailDuration', { seconds: Math.max(1, Math.round(message.durationMs / 1000)) })} ·{' '}
            <a href={href({ view: 'space', roomId: message.roomId })}>{name}</a>
          </div>
          {store.voicemail.emailed.has(message.id) && <p className="muted small">{t('voicemailEmailed', { name })}</p>}
        </div>
      </div>
      {url !== undefined ? (
        <audio controls autoPlay src={url} aria-label={t('voicemailPlayer', { name })} data-testid="voicemail-audio" />
      ) : (
        <button type="button" className="button small primary" disabled={opening} onClick={() => void play()}>
          {opening ? t('voicemailOpening') : t('voicemailPlay')}
        </button>
      )}
      <div className="row">
        <button type="button" className="button small" onClick={() => act(() => store.voicemail.setRead(message, !message.read))}>
          {message.read ? t('voicemailMarkUnread') : t('voicemailMarkRead')}
        </button>
        <button type="button" className="button small danger" onClick={() => setConfirming(true)}>
          {t('voicemailDelete')}
        </button>
      </div>
      {confirming && (
        <ConfirmDialog
          title={t('voicemailDelete')}
          message={t('voicemailDeleteConfirm')}
          action={t('voicemailDelete')}
          onClose={() => setConfirming(false)}
          onConfirm={() => act(() => store.voicemail.delete(message))}
        />
      )}
    </li>
  );
}

export default function VoicemailView() {
  const { t } = useI18n();
  const store = useAppStore();
  const items = store.voicemail.items;
  useEffect(() => {
    if (store.voicemail.items === undefined) store.voicemail.load().catch((e: unknown) => store.fail(e));
  }, [store]);
  return (
    <div className="voicemail-view settings">
      <h1>{t('voicemailTitle')}</h1>
      {items === undefined && <p className="muted">{t('loading')}</p>}
      {items?.length === 0 && <p className="muted">{t('voicemailEmpty')}</p>}
      {items !== undefined && items.length > 0 && (
        <ul className="voicemail-list stack" aria-label={t('voicemailTitle')}>
          {items.map((m) => (
            <VoicemailItem key={m.id} message={m} />
          ))}
        </ul>
      )}
    </div>
  );
}
