/**
 * A personal room's link (SPEC MT-3): `<base>/meet/<name>` → `#/meet/<name>`. Signed in, it shows
 * the owner and "Join": the owner's own room is made here the first time (its space, sealed, by the
 * SDK), a member opens the space, anyone else knocks and the owner's client lets them in (the media
 * join is the space's own view). Not signed in, it shows whose room it is and how to come in.
 * @module
 */
import { useEffect, useState } from 'react';
import type { PersonalRoomCard, PersonalRoomEntry } from '@flint/protocol';
import { FlintError } from '@flint/sdk';
import { useI18n } from '../../i18n/index.tsx';
import { go } from '../../app/router.ts';
import { newClient } from '../../app/session.ts';
import { useAppStore } from '../store-context.ts';

/** For a visitor who is not signed in: whose room, and a sign-in / guest notice (the sign-in form follows it). */
export function MeetPageSignedOut({ name }: { name: string }) {
  const { t } = useI18n();
  const [card, setCard] = useState<PersonalRoomCard | null | undefined>();
  useEffect(() => {
    newClient()
      .personalRoom.resolve(name)
      .then(setCard, () => setCard(null));
  }, [name]);
  return (
    <section className="stack narrow meet-page" aria-labelledby="meet-title">
      <h1 id="meet-title">{card ? t('meetRoomOf', { name: card.ownerDisplayName }) : t('meetRoom')}</h1>
      {card === undefined && <p role="status">{t('loading')}</p>}
      {card === null && <p role="alert">{t('meetNotFound')}</p>}
      {card && (
        <>
          <p>{t('meetSignInNotice')}</p>
          <p className="muted small">{t('meetGuestNotice')}</p>
        </>
      )}
    </section>
  );
}

export default function MeetPage({ name }: { name: string }) {
  const { t } = useI18n();
  const store = useAppStore();
  const scheduling = store.session.sdk.scheduling;
  const api = store.session.sdk.api;
  const [entry, setEntry] = useState<PersonalRoomEntry | null | undefined>();
  const [state, setState] = useState<'idle' | 'busy' | 'knocked'>('idle');
  const [error, setError] = useState<string | undefined>();

  useEffect(() => {
    api.personalRoom.enter(name).then(setEntry, (e: unknown) => (e instanceof FlintError && e.status === 404 ? setEntry(null) : store.fail(e)));
  }, [api, name, store]);

  // Knocked: the owner's session adds us; look again until we are in.
  useEffect(() => {
    if (state !== 'knocked') return;
    const timer = setInterval(() => {
      void api.personalRoom.enter(name).then((e) => {
        if (e.isMember && e.roomId !== undefined) go({ view: 'space', roomId: e.roomId });
      });
    }, 1500);
    return () => clearInterval(timer);
  }, [state, api, name]);

  const join = async () => {
    if (!entry) return;
    setError(undefined);
    setState('busy');
    try {
      if (entry.ownerId === store.me) {
        const own = await scheduling.openPersonalRoom();
        go({ view: 'space', roomId: own.roomId });
      } else if (entry.isMember && entry.roomId !== undefined) {
        go({ view: 'space', roomId: entry.roomId });
      } else {
        await api.personalRoom.knock(name);
        setState('knocked');
        return;
      }
    } catch (err) {
      setError(err instanceof FlintError && err.code === 'conflict' ? t('meetNotOpenYet', { name: entry.ownerDisplayName }) : err instanceof Error ? err.message : String(err));
    }
    setState('idle');
  };

  if (entry === undefined) return <p role="status">{t('loading')}</p>;
  if (entry === null) return <p role="alert">{t('meetNotFound')}</p>;
  return (
    <div className="search-view stack meet-page">
      <h1>{entry.ownerId === store.me ? t('meetOwnRoom') : t('meetRoomOf', { name: entry.ownerDisplayName })}</h1>
      <p className="muted">{`${location.origin}/meet/${entry.name}`}</p>
      {state === 'knocked' ? (
        <p role="status">{t('meetKnocked', { name: entry.ownerDisplayName })}</p>
      ) : (
        <div>
          <button type="button" onClick={() => void join()} disabled={state === 'busy'}>
            {t('meetJoin')}
          </button>
        </div>
      )}
      {error !== undefined && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
