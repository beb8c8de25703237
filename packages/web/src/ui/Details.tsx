/**
 * Space details (SPEC SP-2, SP-4, SP-6, FL-1): members and moderators, adding and removing people
 * (KMS authorization first, key rotation after a removal — the SDK does both), lock and
 * announcement-only, rename, leave, the retention policy, and the space's files.
 * @module
 */
import { SpaceNotifications } from './NotificationSettings.tsx';
import { useEffect, useMemo, useState } from 'react';
import type { SpaceRetention } from '@flint/protocol';
import type { SecureRoom } from '@flint/sdk';
import { useI18n } from '../i18n/index.tsx';
import { go, href } from '../app/router.ts';
import { addOrInvite, addTeamMember, withdrawInvitation } from '../app/actions.ts';
import { spaceRetention } from '../app/admin-api.ts';
import { useAppStore } from './store-context.ts';
import { Avatar } from './Avatar.tsx';
import { ConfirmDialog } from './Dialog.tsx';
import { FileCard } from './FileCard.tsx';
import { Icon } from './Icon.tsx';
import { PeoplePicker } from './PeoplePicker.tsx';
import { StatusNote } from './Status.tsx';

/** The sentences telling a member what is deleted when in this space (SP-6); holds are never shown to members. */
function retentionLines(r: SpaceRetention, t: ReturnType<typeof useI18n>['t'], plural: ReturnType<typeof useI18n>['plural']): string[] {
  if (r.messageDays === null && r.fileDays === null) return [t('retentionForever')];
  if (r.messageDays !== null && r.messageDays === r.fileDays) return [plural('retentionDays', r.messageDays)];
  return [
    r.messageDays === null ? t('retentionMessagesForever') : plural('retentionMessagesDays', r.messageDays),
    // A file never outlives its message.
    r.fileDays === null || (r.messageDays !== null && r.fileDays > r.messageDays) ? (r.messageDays === null ? t('retentionFilesForever') : plural('retentionFilesDays', r.messageDays)) : plural('retentionFilesDays', r.fileDays),
  ];
}

export function Details({ room }: { room: SecureRoom }) {
  const { t, plural } = useI18n();
  const store = useAppStore();
  const { sdk, client } = store.session;
  const [email, setEmail] = useState('');
  const [title, setTitle] = useState(room.title ?? '');
  const [retention, setRetention] = useState<SpaceRetention | undefined>();
  const [busy, setBusy] = useState(false);
  const [confirmingLeave, setConfirmingLeave] = useState(false);
  const [notice, setNotice] = useState<string | undefined>();
  const members = [...(store.members.get(room.id) ?? [])].sort((a, b) => Number(b.isModerator) - Number(a.isModerator) || a.personDisplayName.localeCompare(b.personDisplayName));
  const memberIdsKey = members.map((m) => m.personId).join(',');
  const memberIds = useMemo(() => new Set(memberIdsKey.split(',')), [memberIdsKey]);
  const mayManage = !room.isLocked || room.isModerator === true;
  const team = room.isGeneral === true && room.teamId !== undefined ? store.teams.get(room.teamId) : undefined;
  const files = store.roomFiles.get(room.id) ?? [];
  const invited = store.roomInvitations.get(room.id) ?? [];
  const myOrgId = store.session.me.orgId;

  useEffect(() => {
    void spaceRetention(client, room.id).then(setRetention, () => setRetention(undefined));
    void store.loadFiles(room.id).catch((e: unknown) => store.fail(e));
  }, [client, store, room.id]);

  const run = async (work: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await work();
      await store.loadMembers(room.id);
      store.refreshRoom(room.id);
    } catch (error) {
      store.fail(error);
    } finally {
      setBusy(false);
    }
  };
  const mine = members.find((m) => m.personId === store.me);

  return (
    <aside className="side-panel" aria-labelledby="details-title">
      <header className="panel-header">
        <h2 id="details-title">{t('details')}</h2>
        <a className="icon-button" href={href({ view: 'space', roomId: room.id })} aria-label={t('close')}>
          <Icon name="close" />
        </a>
      </header>
      <div className="panel-body stack">
        {room.type === 'group' && (
          <form
            className="row"
            onSubmit={(e) => {
              e.preventDefault();
              if (title.trim() !== '') void run(() => sdk.spaces.rename(room.id, title.trim()).then((r) => store.rooms.set(r.id, { ...room, ...r })));
            }}
          >
            <label className="grow">
              {t('title')}
              <input value={title} onChange={(e) => setTitle(e.target.value)} disabled={!mayManage} />
            </label>
            <button type="submit" className="small" disabled={busy || !mayManage}>
              {t('rename')}
            </button>
          </form>
        )}
        <section aria-labelledby="members-title">
          <h3 id="members-title">
            {t('members')} ({members.length})
          </h3>
          <ul className="member-list">
            {members.map((m) => (
              <li key={m.id} className="member">
                <Avatar personId={m.personId} size={28} showPresence />
                <span className="grow">
                  {m.personDisplayName}
                  {m.personId === store.me && <span className="muted small"> ({t('you')})</span>}
                  <br />
                  <span className="muted small">{m.personEmail}</span>
                  <StatusNote personId={m.personId} />
                </span>
                {m.personIsGuest === true && <span className="tag small">{t('guest')}</span>}
                {myOrgId !== undefined && m.personOrgId !== myOrgId && <span className="tag small">{t('external')}</span>}
                {m.personInvitePending === true && <span className="tag small">{t('invitePending')}</span>}
                {m.isModerator && <span className="tag small">{t('moderator')}</span>}
                {room.type === 'group' && mayManage && (
                  <button type="button" className="small" disabled={busy} onClick={() => void run(() => client.memberships.update(m.id, !m.isModerator))}>
                    {m.isModerator ? t('removeModerator') : t('makeModerator')}
                  </button>
                )}
                {room.type === 'group' && mayManage && m.personId !== store.me && (
                  <button type="button" className="small danger" disabled={busy} aria-label={`${t('remove')} ${m.personDisplayName}`} onClick={() => void run(() => sdk.members.remove(m.id))}>
                    {t('remove')}
                  </button>
                )}
              </li>
            ))}
            {/* Invitations by address: every address looks alike here, whether or not it has an account. */}
            {invited.map((i) => (
              <li key={i.id} className="member" data-testid="invited">
                <span className="grow">
                  {i.email}
                </span>
                {i.outsideOrg && <span className="tag small">{t('guest')}</span>}
                <span className="tag small">{i.accepted !== undefined ? t('invitationAccepted') : t('invitePending')}</span>
                {room.type === 'group' && mayManage && (
                  <button type="button" className="small" disabled={busy} aria-label={t('withdrawInvitationOf', { email: i.email })} onClick={() => void run(() => withdrawInvitation(store, room.id, i.id))}>
                    {t('withdrawInvitation')}
                  </button>
                )}
              </li>
            ))}
          </ul>
        </section>
        {room.type === 'group' && mayManage && (
          <form
            className="row"
            onSubmit={(e) => {
              e.preventDefault();
              const address = email.trim();
              if (address === '') return;
              void run(async () => {
                setNotice(undefined);
                if (team !== undefined) await addTeamMember(store, team.team.id, address);
                else if ((await addOrInvite(store, room.id, address)) === 'invited') setNotice(t('invitationSent', { email: address }));
                setEmail('');
              });
            }}
          >
            <div className="grow">
              <PeoplePicker label={t('addPeople')} value={email} onChange={setEmail} exclude={memberIds} />
            </div>
            <button type="submit" className="primary small" disabled={busy}>
              {t('addPerson')}
            </button>
          </form>
        )}
        {notice !== undefined && (
          <p className="small" role="status">
            {notice}
          </p>
        )}
        {room.type === 'group' && (
          <section className="stack">
            <label className="check">
              <input type="checkbox" checked={room.isLocked} disabled={busy || !mayManage} onChange={(e) => void run(() => client.rooms.update(room.id, { isLocked: e.target.checked }))} />
              {t('locked')}
            </label>
            <label className="check">
              <input
                type="checkbox"
                checked={room.isAnnouncementOnly}
                disabled={busy || room.isModerator !== true}
                onChange={(e) => void run(() => client.rooms.update(room.id, { isAnnouncementOnly: e.target.checked }))}
              />
              {t('announcementOnly')}
            </label>
          </section>
        )}
        <SpaceNotifications room={room} />
        <section aria-labelledby="retention-title">
          <h3 id="retention-title">{t('retention')}</h3>
          <p className="small" data-testid="retention">
            {retention === undefined ? t('loading') : retentionLines(retention, t, plural).join(' ')}
          </p>
        </section>
        <section aria-labelledby="files-title">
          <h3 id="files-title">{t('files')}</h3>
          {files.length === 0 ? <p className="muted small">{t('noFiles')}</p> : files.map((f) => <FileCard key={f.id} file={f} />)}
        </section>
        {room.type === 'group' && mine !== undefined && (
          <button type="button" className="danger" disabled={busy} onClick={() => setConfirmingLeave(true)}>
            {t('leave')}
          </button>
        )}
        {confirmingLeave && mine !== undefined && (
          // Leaving cannot be undone by the leaver (someone must add them back): ask first.
          <ConfirmDialog
            title={t('leave')}
            message={t('confirmLeave')}
            action={t('leave')}
            onClose={() => setConfirmingLeave(false)}
            onConfirm={() =>
              void sdk.members.remove(mine.id).then(
                () => go({ view: 'home' }),
                (e: unknown) => store.fail(e),
              )
            }
          />
        )}
      </div>
    </aside>
  );
}
