/**
 * Settings → Personal room (SPEC MT-3): one's link, copy, and a new name (validated here as the
 * core does; a taken name is the core's 409). The old link stops working at once.
 * @module
 */
import { useEffect, useState, type FormEvent } from 'react';
import { ROOM_NAME_PATTERN, type PersonalRoom } from '@flint/protocol';
import { FlintError } from '@flint/sdk';
import { useI18n } from '../../i18n/index.tsx';
import { href } from '../../app/router.ts';
import { useAppStore } from '../store-context.ts';

const NAME = new RegExp(ROOM_NAME_PATTERN);

export function PersonalRoomSettings() {
  const { t } = useI18n();
  const store = useAppStore();
  const scheduling = store.session.sdk.scheduling;
  const [room, setRoom] = useState<PersonalRoom | undefined>();
  const [name, setName] = useState('');
  const [message, setMessage] = useState<{ kind: 'notice' | 'error'; text: string } | undefined>();

  useEffect(() => {
    scheduling.personalRoom().then(
      (r) => {
        setRoom(r);
        setName(r.name);
      },
      (e: unknown) => store.fail(e),
    );
  }, [scheduling, store]);

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setMessage(undefined);
    if (!NAME.test(name) || /[.-]{2}/.test(name)) {
      setMessage({ kind: 'error', text: t('personalRoomNameRule') });
      return;
    }
    try {
      const r = await scheduling.renamePersonalRoom(name);
      setRoom(r);
      setMessage({ kind: 'notice', text: t('personalRoomRenamed') });
    } catch (err) {
      setMessage({ kind: 'error', text: err instanceof FlintError && err.code === 'conflict' ? t('personalRoomTaken') : err instanceof Error ? err.message : String(err) });
    }
  };

  const copy = async () => {
    if (room === undefined) return;
    try {
      await navigator.clipboard.writeText(room.link);
      setMessage({ kind: 'notice', text: t('personalRoomCopied') });
    } catch {
      setMessage({ kind: 'error', text: t('personalRoomCopyFailed') });
    }
  };

  return (
    <section aria-labelledby="personal-room-title" className="card stack">
      <h2 id="personal-room-title">{t('personalRoomTitle')}</h2>
      {room === undefined ? (
        <p role="status">{t('loading')}</p>
      ) : (
        <>
          <p className="row wrap">
            <a href={href({ view: 'meet', name: room.name })} data-personal-room-link>
              {room.link}
            </a>
            <button type="button" className="small" onClick={() => void copy()}>
              {t('personalRoomCopy')}
            </button>
          </p>
          <form className="row wrap" onSubmit={(e) => void save(e)}>
            <label>
              {t('personalRoomName')}
              <input value={name} minLength={3} maxLength={40} required onChange={(e) => setName(e.target.value.toLowerCase())} aria-describedby="personal-room-rule" />
            </label>
            <button type="submit">{t('personalRoomChange')}</button>
          </form>
          <p id="personal-room-rule" className="muted small">
            {t('personalRoomNameRule')}
          </p>
        </>
      )}
      {message !== undefined && (
        <p className={message.kind} role={message.kind === 'error' ? 'alert' : 'status'}>
          {message.text}
        </p>
      )}
    </section>
  );
}
