/**
 * The meeting of a space on screen (SPEC MT-1): a grid of every participant's video (one's own
 * muted), each named; mute, camera, screen sharing and leave; the participant list with who is
 * muted, has the camera off or shares the screen. The media itself is this tab's `MeetingCall`.
 * @module
 */
import { useEffect, useRef } from 'react';
import type { MeetingParticipant } from '@flint/protocol';
import { useI18n } from '../../i18n/index.tsx';
import type { MeetingCall } from '../../app/meeting-call.ts';
import { useAppStore } from '../store-context.ts';

function Video({ stream, muted, label }: { stream: MediaStream | undefined; muted: boolean; label: string }) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    if (ref.current !== null && ref.current.srcObject !== (stream ?? null)) ref.current.srcObject = stream ?? null;
  }, [stream]);
  return <video ref={ref} autoPlay playsInline muted={muted} aria-label={label} />;
}

export function MeetingView({ call }: { call: MeetingCall }) {
  const { t, plural } = useI18n();
  const store = useAppStore();
  const act = (work: () => Promise<void>) => void work().catch((e: unknown) => store.fail(e));
  const state = (p: MeetingParticipant) =>
    [p.handRaised ? t('meetingHandIsRaised') : undefined, p.audioMuted ? t('meetingMuted') : undefined, p.videoOff ? t('meetingCameraIsOff') : undefined, p.sharingScreen ? t('meetingSharing') : undefined].filter((x): x is string => x !== undefined);
  const nameOf = (p: MeetingParticipant) => (p.id === call.participantId ? t('meetingYou', { name: p.displayName }) : p.displayName);

  return (
    <section className="meeting" aria-labelledby="meeting-title" data-key-epoch={call.epoch}>
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
      <ul className="meeting-grid" aria-label={t('meetingTitle')}>
        {call.meeting.participants.map((p) => {
          const self = p.id === call.participantId;
          const remote = call.remote.get(p.id);
          return (
            <li key={p.id} className={`meeting-tile ${self ? 'self' : ''} ${call.speakerId === p.id ? 'speaking' : ''}`} data-participant={p.id} data-key-id={call.keyIds.get(p.id)}>
              <Video stream={self ? call.local : remote?.stream} muted={self} label={t('meetingVideoOf', { name: nameOf(p) })} />
              <span className="meeting-name">
                {nameOf(p)}
                {call.speakerId === p.id && <span className="muted"> · {t('meetingSpeaking')}</span>}
                {state(p).length > 0 && <span className="muted"> · {state(p).join(', ')}</span>}
                {!self && remote === undefined && <span className="muted"> · {t('meetingWaitingMedia')}</span>}
              </span>
            </li>
          );
        })}
      </ul>
      <div className="meeting-controls" role="toolbar" aria-label={t('meetingTitle')}>
        <button type="button" className="button" aria-pressed={call.audioMuted} onClick={() => act(() => call.toggleAudio())}>
          {call.audioMuted ? t('meetingUnmute') : t('meetingMute')}
        </button>
        <button type="button" className="button" aria-pressed={call.videoOff} onClick={() => act(() => call.toggleVideo())}>
          {call.videoOff ? t('meetingCameraOn') : t('meetingCameraOff')}
        </button>
        <button type="button" className="button" aria-pressed={call.sharingScreen} onClick={() => act(() => (call.sharingScreen ? call.stopSharing() : call.shareScreen()))}>
          {call.sharingScreen ? t('meetingStopShare') : t('meetingShare')}
        </button>
        <button type="button" className="button" aria-pressed={call.handRaised} onClick={() => act(() => call.toggleHand())}>
          {call.handRaised ? t('meetingLowerHand') : t('meetingRaiseHand')}
        </button>
        <button type="button" className="button danger" onClick={() => act(() => store.leaveMeeting())}>
          {t('meetingLeave')}
        </button>
      </div>
      <h3 className="small">{t('meetingParticipants')}</h3>
      <ul className="meeting-people">
        {call.meeting.participants.map((p) => (
          <li key={p.id}>
            {nameOf(p)}
            {state(p).length > 0 && <span className="muted"> — {state(p).join(', ')}</span>}
          </li>
        ))}
      </ul>
    </section>
  );
}
