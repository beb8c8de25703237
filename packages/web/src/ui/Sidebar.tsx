/**
 * The spaces list (SPEC SP-5): sorted by last activity, with unread and mention badges, the
 * filters, teams (SP-3), and creating a space, a direct space or a team (SP-1).
 * @module
 */
import { useEffect, useState } from 'react';
import type { SecureRoom } from '@flint/sdk';
import { useI18n } from '../i18n/index.tsx';
import { go, href } from '../app/router.ts';
import type { Filter } from '../app/store.ts';
import { createSpace, createTeam, joinSpace, openDirect, teamSpaces } from '../app/actions.ts';
import { useAppStore } from './store-context.ts';
import { Avatar } from './Avatar.tsx';
import { Dialog } from './Dialog.tsx';
import { Icon } from './Icon.tsx';
import { PeoplePicker } from './PeoplePicker.tsx';
import { SpaceInvitations } from './SpaceInvitations.tsx';
import { Problem } from './Problem.tsx';

const FILTERS: { id: Filter; label: 'filterAll' | 'filterUnread' | 'filterDirect' | 'filterFavorites' | 'filterMentions' | 'filterFlags' }[] = [
  { id: 'all', label: 'filterAll' },
  { id: 'unread', label: 'filterUnread' },
  { id: 'direct', label: 'filterDirect' },
  { id: 'favorites', label: 'filterFavorites' },
  { id: 'mentions', label: 'filterMentions' },
  { id: 'flags', label: 'filterFlags' },
];

type DialogKind = 'space' | 'direct' | 'team' | undefined;

export function Sidebar({ activeRoomId, currentView }: { activeRoomId: string | undefined; currentView?: string }) {
  const { t, plural } = useI18n();
  const store = useAppStore();
  const [filter, setFilter] = useState<Filter>('all');
  const [chosenTeamId, setTeamId] = useState<string | undefined>(undefined);
  const [dialog, setDialog] = useState<DialogKind>(undefined);
  // A team one has been removed from filters nothing any more.
  const teamId = chosenTeamId !== undefined && store.teams.has(chosenTeamId) ? chosenTeamId : undefined;
  const rooms = store.sortedRooms(filter, teamId);
  const teams = [...store.teams.values()];

  return (
    <nav className="sidebar" aria-label={t('mainNav')}>
      <SpaceInvitations />
      <div className="sidebar-actions">
        <button type="button" className="primary small" onClick={() => setDialog('space')}>
          + {t('newSpace')}
        </button>
        <button type="button" className="small" onClick={() => setDialog('direct')}>
          {t('newDirect')}
        </button>
        <button type="button" className="small" onClick={() => setDialog('team')}>
          {t('newTeam')}
        </button>
      </div>
      <div className="filters" role="group" aria-label={t('filterSpaces')}>
        {FILTERS.map((f) => (
          // "All" means every space: it clears a team filter too (and is not shown pressed while one is on).
          <button
            key={f.id}
            type="button"
            className="chip"
            aria-pressed={filter === f.id && (f.id !== 'all' || teamId === undefined)}
            onClick={() => {
              setFilter(f.id);
              if (f.id === 'all') setTeamId(undefined);
            }}
          >
            {t(f.label)}
          </button>
        ))}
      </div>
      <a className={`room-item flagged-link ${currentView === 'flagged' ? 'active' : ''}`} href={href({ view: 'flagged' })} aria-current={currentView === 'flagged' ? 'page' : undefined}>
        <span className="room-glyph" aria-hidden="true">
          <Icon name="flag" size={16} />
        </span>
        <span className="room-title">{t('flaggedTitle')}</span>
        {store.flags.size > 0 && <span className="muted small">{store.flags.size}</span>}
      </a>
      <a className={`room-item flagged-link ${currentView === 'mentions' ? 'active' : ''}`} href={href({ view: 'mentions' })} aria-current={currentView === 'mentions' ? 'page' : undefined}>
        <span className="room-glyph" aria-hidden="true">
          @
        </span>
        <span className="room-title">{t('mentionsTitle')}</span>
      </a>
      <a className={`room-item flagged-link ${currentView === 'care' ? 'active' : ''}`} href={href({ view: 'care' })} aria-current={currentView === 'care' ? 'page' : undefined}>
        <span className="room-glyph" aria-hidden="true">
          ?
        </span>
        <span className="room-title">{t('careTitle')}</span>
      </a>
      <a className={`room-item flagged-link ${currentView === 'meetings' ? 'active' : ''}`} href={href({ view: 'meetings' })} aria-current={currentView === 'meetings' ? 'page' : undefined}>
        <span className="room-glyph" aria-hidden="true">
          ◷
        </span>
        <span className="room-title">{t('meetingsTitle')}</span>
      </a>
      <a className={`room-item flagged-link ${currentView === 'calls' ? 'active' : ''}`} href={href({ view: 'calls' })} aria-current={currentView === 'calls' ? 'page' : undefined}>
        <span className="room-glyph" aria-hidden="true">
          ☏
        </span>
        <span className="room-title">{t('callHistory')}</span>
      </a>
      <a className={`room-item flagged-link ${currentView === 'voicemail' ? 'active' : ''}`} href={href({ view: 'voicemail' })} aria-current={currentView === 'voicemail' ? 'page' : undefined}>
        <span className="room-glyph" aria-hidden="true">
          ✉
        </span>
        {/* The message-waiting indicator (CL-3): the count in digits, its words for screen readers. */}
        <span className="room-title" aria-hidden={store.voicemail.unread > 0 ? true : undefined}>
          {t('voicemailTitle')}
        </span>
        {store.voicemail.unread > 0 && (
          <>
            <span className="visually-hidden">{`${t('voicemailTitle')}, ${plural('voicemailBadge', store.voicemail.unread)}`}</span>
            <span className="badge" aria-hidden="true" data-testid="voicemail-badge">
              {store.voicemail.unread}
            </span>
          </>
        )}
      </a>
      {teams.length > 0 && (
        <div className="teams">
          <h2 className="section-title">{t('teams')}</h2>
          <div className="filters" role="group" aria-label={t('teams')}>
            {teams.map((tv) => (
              <button key={tv.team.id} type="button" className="chip" aria-pressed={teamId === tv.team.id} onClick={() => setTeamId(teamId === tv.team.id ? undefined : tv.team.id)}>
                {tv.name ?? '…'}
              </button>
            ))}
          </div>
        </div>
      )}
      <h2 className="section-title" id="spaces-title">
        {t('spaces')}
      </h2>
      <ul className="room-list" aria-labelledby="spaces-title">
        {rooms.length === 0 && <li className="muted empty-small">{t('noSpaces')}</li>}
        {rooms.map((room) => {
          const title = store.roomTitle(room);
          const unread = room.unreadCount ?? 0;
          const mentions = room.mentionCount ?? 0;
          // Screen readers hear the counts in words; the badges show them as numbers.
          const counts = [unread > 0 ? plural('unread', unread) : '', mentions > 0 ? plural('mentionsBadge', mentions) : ''].filter((s) => s !== '');
          return (
            <li key={room.id}>
              <a
                href={href({ view: 'space', roomId: room.id })}
                className={`room-item ${room.id === activeRoomId ? 'active' : ''} ${unread > 0 ? 'unread' : ''}`}
                aria-current={room.id === activeRoomId ? 'page' : undefined}
                data-room-id={room.id}
              >
                {room.type === 'direct' && room.directPersonId !== undefined ? <Avatar personId={room.directPersonId} size={28} showPresence /> : <span className="room-glyph" aria-hidden="true">#</span>}
                {/* One text names the link, "title, 1 unread message": no aria-label that the badges' digits would contradict. */}
                <span className="room-title" aria-hidden={counts.length > 0 ? true : undefined}>
                  {title}
                </span>
                {counts.length > 0 && <span className="visually-hidden">{[title, ...counts].join(', ')}</span>}
                {room.isFavorite === true && (
                  <span className="fav" aria-hidden="true">
                    <Icon name="star" size={14} filled />
                  </span>
                )}
                {mentions > 0 && (
                  <span className="badge badge-mention" aria-hidden="true" data-testid="mention-badge">
                    @{mentions}
                  </span>
                )}
                {unread > 0 && (
                  <span className="badge" aria-hidden="true" data-testid="unread-badge">
                    {unread}
                  </span>
                )}
              </a>
            </li>
          );
        })}
      </ul>
      {teamId !== undefined && <TeamSpacesToJoin teamId={teamId} />}
      {dialog !== undefined && <NewDialog kind={dialog} onClose={() => setDialog(undefined)} />}
    </nav>
  );
}

/** A team's spaces one has not joined: a team member sees them and joins them (SPEC SP-3). */
function TeamSpacesToJoin({ teamId }: { teamId: string }) {
  const { t } = useI18n();
  const store = useAppStore();
  const [spaces, setSpaces] = useState<SecureRoom[] | undefined>(undefined);
  const [problem, setProblem] = useState<string | undefined>();
  const joinedCount = store.rooms.size;
  useEffect(() => {
    let live = true;
    teamSpaces(store, teamId).then(
      (all) => live && setSpaces(all),
      (error: unknown) => live && setProblem(error instanceof Error ? error.message : String(error)),
    );
    return () => {
      live = false;
    };
  }, [store, teamId, joinedCount]);
  const open = (spaces ?? []).filter((r) => !store.rooms.has(r.id));
  if (open.length === 0 && problem === undefined) return null;
  return (
    <section aria-labelledby="team-join-title">
      <h2 className="section-title" id="team-join-title">
        {t('teamSpacesToJoin')}
      </h2>
      <Problem text={problem} />
      <ul className="room-list">
        {open.map((room) => (
          <li key={room.id} className="room-item joinable">
            <span className="room-glyph" aria-hidden="true">
              #
            </span>
            <span className="room-title">{room.title ?? '…'}</span>
            <button
              type="button"
              className="small"
              aria-label={t('joinSpaceNamed', { title: room.title ?? '…' })}
              onClick={() => {
                joinSpace(store, room.id).then(
                  (joined) => go({ view: 'space', roomId: joined.id }),
                  (error: unknown) => setProblem(error instanceof Error ? error.message : String(error)),
                );
              }}
            >
              {t('join')}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

function NewDialog({ kind, onClose }: { kind: 'space' | 'direct' | 'team'; onClose: () => void }) {
  const { t } = useI18n();
  const store = useAppStore();
  const [value, setValue] = useState('');
  const [teamId, setTeamId] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | undefined>();
  const title = kind === 'space' ? t('newSpace') : kind === 'direct' ? t('newDirect') : t('newTeam');
  const submit = async () => {
    setBusy(true);
    setProblem(undefined);
    try {
      if (kind === 'space') {
        const room = await createSpace(store, value.trim(), teamId === '' ? undefined : teamId);
        go({ view: 'space', roomId: room.id });
      } else if (kind === 'direct') {
        const room = await openDirect(store, value.trim());
        go({ view: 'space', roomId: room.id });
      } else {
        const room = await createTeam(store, value.trim());
        go({ view: 'space', roomId: room });
      }
      onClose();
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
      setBusy(false);
    }
  };
  return (
    <Dialog title={title} onClose={onClose}>
      <form
        className="stack"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        {kind === 'direct' ? (
          <PeoplePicker label={t('personOrAddress')} value={value} onChange={setValue} autoFocus required />
        ) : (
          <label>
            {kind === 'space' ? t('title') : t('teamName')}
            <input autoFocus required type="text" value={value} onChange={(e) => setValue(e.target.value)} maxLength={200} />
          </label>
        )}
        {kind === 'space' && store.teams.size > 0 && (
          <label>
            {t('inTeam')}
            <select value={teamId} onChange={(e) => setTeamId(e.target.value)}>
              <option value="">{t('noTeam')}</option>
              {[...store.teams.values()].map((tv) => (
                <option key={tv.team.id} value={tv.team.id}>
                  {tv.name ?? '…'}
                </option>
              ))}
            </select>
          </label>
        )}
        <Problem text={problem} />
        <div className="row end">
          <button type="button" onClick={onClose}>
            {t('cancel')}
          </button>
          <button type="submit" className="primary" disabled={busy}>
            {t('create')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
