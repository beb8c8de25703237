/**
 * The top of a meeting as members and guests see it: its title, how many are in it, that its media
 * is end-to-end encrypted, and, until this tab holds the meeting's key, that it waits for it.
 * @module
 */
import { useI18n } from '../../i18n/index.tsx';
import type { MeetingCall } from '../../app/meeting-call.ts';

export function MeetingHeader({ call }: { call: MeetingCall }) {
  const { t, plural } = useI18n();
  return (
    <>
      <header className="meeting-header">
        <h2 id="meeting-title">{t('meetingTitle')}</h2>
        <span className="muted small">{plural('meetingOn', call.meeting.participants.length)}</span>
      </header>
      <p className="muted small">{t('meetingE2ee')}</p>
      {call.epoch === 0 && (
        <p className="muted small" role="status">
          {t('meetingWaitingKey')}
        </p>
      )}
    </>
  );
}
