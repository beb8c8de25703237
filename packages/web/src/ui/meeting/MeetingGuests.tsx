/**
 * Guests in the meeting, a member's side (docs/meetings.md "Guests"): the lobby — each guest
 * waiting, with Admit and Deny (admitting puts the guest on the meeting's KMS resource and names a
 * new key epoch from this tab: the SDK's `meetings.admit`) — and "Invite guests by link": make a
 * link (its secret shown once, to copy), see the space's links, revoke one.
 * @module
 */
import { useCallback, useEffect, useState } from 'react';
import type { MeetingKnock, MeetingLink } from '@flint/protocol';
import { useI18n } from '../../i18n/index.tsx';
import type { MeetingCall } from '../../app/meeting-call.ts';
import { useAppStore } from '../store-context.ts';

export function MeetingGuests({ call }: { call: MeetingCall }) {
  const { t } = useI18n();
  const store = useAppStore();
  const sdk = store.session.sdk;
  const meetingId = call.meeting.id;
  const roomId = call.meeting.roomId;
  const [knocks, setKnocks] = useState<MeetingKnock[]>([]);
  const [links, setLinks] = useState<MeetingLink[]>([]);
  const [made, setMade] = useState<string | undefined>();
  const [copied, setCopied] = useState(false);
  const [busy, setBusy] = useState<string | undefined>();
  const fail = useCallback((e: unknown) => store.fail(e), [store]);

  const loadKnocks = useCallback(() => void sdk.meetings.knocks(meetingId).then(setKnocks, fail), [sdk, meetingId, fail]);
  const loadLinks = useCallback(() => void sdk.meetings.links(roomId).then(setLinks, fail), [sdk, roomId, fail]);
  useEffect(() => {
    loadKnocks();
    loadLinks();
  }, [loadKnocks, loadLinks]);
  useEffect(() => sdk.events.on((event) => event.type === 'meeting.knock' && (event.data as MeetingKnock).meetingId === meetingId && loadKnocks()), [sdk, meetingId, loadKnocks]);

  const decide = (knock: MeetingKnock, admit: boolean) => {
    setBusy(knock.id);
    const work = admit ? sdk.meetings.admit(call.meeting, call.participantId, knock.id).then((r) => call.update(r.meeting)) : sdk.meetings.deny(meetingId, call.participantId, knock.id);
    void work
      .then(() => setKnocks((list) => list.filter((k) => k.id !== knock.id)))
      .catch(fail)
      .finally(() => setBusy(undefined));
  };
  const makeLink = () =>
    void sdk.meetings
      .createLink(roomId)
      .then((r) => {
        setMade(r.url);
        setCopied(false);
        loadLinks();
      })
      .catch(fail);
  const copy = () =>
    void navigator.clipboard
      .writeText(made ?? '')
      .then(() => setCopied(true))
      .catch(fail);
  const revoke = (id: string) =>
    void sdk.meetings
      .revokeLink(id)
      .then(() => {
        setMade(undefined);
        loadLinks();
      })
      .catch(fail);

  return (
    <div className="meeting-guests">
      {knocks.length > 0 && (
        <section aria-labelledby="meeting-lobby-title" className="meeting-lobby">
          <h3 id="meeting-lobby-title" className="small">
            {t('guestLobby')}
          </h3>
          <ul>
            {knocks.map((k) => (
              <li key={k.id} data-knock={k.id}>
                <span role="status">{t('guestKnocking', { name: k.displayName })}</span>{' '}
                <button type="button" className="button small" disabled={busy === k.id} onClick={() => decide(k, true)}>
                  {t('guestAdmit', { name: k.displayName })}
                </button>{' '}
                <button type="button" className="button small danger" disabled={busy === k.id} onClick={() => decide(k, false)}>
                  {t('guestDeny', { name: k.displayName })}
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
      <details className="meeting-invite">
        <summary>{t('guestInvite')}</summary>
        <p className="muted small">{t('guestInviteHelp')}</p>
        <button type="button" className="button small" onClick={makeLink}>
          {t('guestMakeLink')}
        </button>
        {made !== undefined && (
          <p>
            <span className="muted small">{t('guestLinkMade')}</span>
            <br />
            <input className="input" readOnly value={made} aria-label={t('guestLinkLabel')} onFocus={(e) => e.currentTarget.select()} />{' '}
            <button type="button" className="button small" onClick={copy}>
              {t('guestCopy')}
            </button>
            {copied && <span role="status"> {t('guestCopied')}</span>}
          </p>
        )}
        {links.length === 0 ? (
          <p className="muted small">{t('guestNoLinks')}</p>
        ) : (
          <ul className="meeting-links">
            {links.map((l) => (
              <li key={l.id}>
                <span className="small">{t('guestLinkExpires', { created: new Date(l.created).toLocaleString(), expires: new Date(l.expires).toLocaleString() })}</span>{' '}
                <button type="button" className="button small danger" onClick={() => revoke(l.id)}>
                  {t('guestRevoke')}
                </button>
              </li>
            ))}
          </ul>
        )}
      </details>
    </div>
  );
}
