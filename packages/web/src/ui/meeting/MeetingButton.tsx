/**
 * The space header's meeting control (SPEC MT-1, MT-2): "Start meeting", or "Join meeting" with
 * how many are in it while one goes on, which open the pre-join preview (devices, microphone
 * level); nothing while this tab is in it (the meeting shows).
 * Says so, instead, when the server has no media server or the browser cannot encrypt media.
 * @module
 */
import { useEffect } from 'react';
import { useI18n } from '../../i18n/index.tsx';
import { mediaEncryptionSupported } from '../../app/meeting-call.ts';
import { useAppStore } from '../store-context.ts';

export function MeetingButton({ roomId }: { roomId: string }) {
  const { t, plural } = useI18n();
  const store = useAppStore();
  useEffect(() => {
    store.loadMeeting(roomId).catch((e: unknown) => store.fail(e));
  }, [store, roomId]);
  const meeting = store.meetings.get(roomId);
  if (store.call?.roomId === roomId) return null;
  if (store.meetingsAvailable === false) return <span className="muted small meeting-note" title={t('meetingUnavailable')}>{t('meetingUnavailable')}</span>;
  if (!mediaEncryptionSupported()) return <span className="muted small meeting-note" title={t('meetingUnsupported')}>{t('meetingUnsupported')}</span>;
  const previewing = store.meetingPreview === roomId;
  return (
    <>
      {meeting !== undefined && <span className="tag meeting-on">{plural('meetingOn', meeting.participants.length)}</span>}
      <button type="button" className="button small primary" aria-expanded={previewing} disabled={previewing || store.meetingsAvailable === undefined} onClick={() => store.previewMeeting(roomId)}>
        {meeting !== undefined ? t('meetingJoin') : t('meetingStart')}
      </button>
    </>
  );
}
