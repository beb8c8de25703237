/**
 * The meeting of a space on screen (SPEC MT-1): every participant's video (one's own muted), each
 * named, in a grid or with the active speaker (or the shared screen) large and the others in a strip;
 * mute, camera, screen sharing, raising a hand, the device picker and leave; the participant list
 * with who is muted, has the camera off or shares the screen. The media itself is this tab's
 * `MeetingCall`; the others' sound plays on the speaker picked.
 * @module
 */
import { useEffect, useRef, useState } from 'react';
import type { MeetingParticipant } from '@flint/protocol';
import { useI18n } from '../../i18n/index.tsx';
import type { MeetingCall } from '../../app/meeting-call.ts';
import { playOn } from '../../app/meeting-devices.ts';
import { logError } from '../../app/client-log.ts';
import { useAppStore } from '../store-context.ts';
import { DevicePicker } from './DevicePicker.tsx';
import { MeetingGuests } from './MeetingGuests.tsx';
import { MeetingHeader } from './MeetingHeader.tsx';

type Layout = 'grid' | 'speaker';

function Video({ stream, muted, label, speakerId }: { stream: MediaStream | undefined; muted: boolean; label: string; speakerId: string | undefined }) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    if (ref.current !== null && ref.current.srcObject !== (stream ?? null)) ref.current.srcObject = stream ?? null;
  }, [stream]);
  useEffect(() => {
    if (ref.current !== null && !muted) void playOn(ref.current, speakerId).catch(logError);
  }, [speakerId, muted]);
  return <video ref={ref} autoPlay playsInline muted={muted} aria-label={label} />;
}

export function MeetingView({ call }: { call: MeetingCall }) {
  const { t } = useI18n();
  const store = useAppStore();
  const act = (work: () => Promise<void>) => void work().catch((e: unknown) => store.fail(e));
  const state = (p: MeetingParticipant) =>
    [p.handRaised ? t('meetingHandIsRaised') : undefined, p.audioMuted ? t('meetingMuted') : undefined, p.videoOff ? t('meetingCameraIsOff') : undefined, p.sharingScreen ? t('meetingSharing') : undefined].filter((x): x is string => x !== undefined);
  const nameOf = (p: MeetingParticipant) => (p.id === call.participantId ? t('meetingYou', { name: p.displayName }) : p.guest === true ? `${p.displayName} (${t('guestTag')})` : p.displayName);
  const [layout, setLayout] = useState<Layout>('grid');
  const [devicesOpen, setDevicesOpen] = useState(false);
  const others = call.meeting.participants.filter((p) => p.id !== call.participantId);
  // Large in the speaker layout: a shared screen first, else who speaks (never oneself), else the first other.
  const featured = others.find((p) => p.sharingScreen) ?? others.find((p) => p.id === call.speakerId) ?? others[0] ?? call.meeting.participants[0];
  const tileClass = (p: MeetingParticipant) => `meeting-tile ${p.id === call.participantId ? 'self' : ''} ${call.speakerId === p.id ? 'speaking' : ''}`;
  const tile = (p: MeetingParticipant) => {
    const self = p.id === call.participantId;
    const remote = call.remote.get(p.id);
    return (
      <>
        <Video stream={self ? call.local : remote?.stream} muted={self} label={t('meetingVideoOf', { name: nameOf(p) })} speakerId={call.devices.speakerId} />
        <span className="meeting-name">
          {nameOf(p)}
          {call.speakerId === p.id && <span className="muted"> · {t('meetingSpeaking')}</span>}
          {state(p).length > 0 && <span className="muted"> · {state(p).join(', ')}</span>}
          {!self && remote === undefined && <span className="muted"> · {t('meetingWaitingMedia')}</span>}
        </span>
      </>
    );
  };

  return (
    <section className="meeting" aria-labelledby="meeting-title" data-key-epoch={call.epoch}>
      <MeetingHeader call={call} />
      <div className="meeting-layout" role="group" aria-label={t('meetingLayout')}>
        <button type="button" className="button small" aria-pressed={layout === 'grid'} onClick={() => setLayout('grid')}>
          {t('meetingLayoutGrid')}
        </button>
        <button type="button" className="button small" aria-pressed={layout === 'speaker'} onClick={() => setLayout('speaker')}>
          {t('meetingLayoutSpeaker')}
        </button>
      </div>
      {layout === 'grid' || featured === undefined ? (
        <ul className="meeting-grid" aria-label={t('meetingTitle')}>
          {call.meeting.participants.map((p) => (
            <li key={p.id} className={tileClass(p)} data-participant={p.id} data-key-id={call.keyIds.get(p.id)}>
              {tile(p)}
            </li>
          ))}
        </ul>
      ) : (
        <div className="meeting-speaker-layout">
          <div className={`${tileClass(featured)} featured`} data-participant={featured.id} data-key-id={call.keyIds.get(featured.id)}>
            {tile(featured)}
          </div>
          <ul className="meeting-strip" aria-label={t('meetingOthers')}>
            {call.meeting.participants
              .filter((p) => p.id !== featured.id)
              .map((p) => (
                <li key={p.id} className={tileClass(p)} data-participant={p.id} data-key-id={call.keyIds.get(p.id)}>
                  {tile(p)}
                </li>
              ))}
          </ul>
        </div>
      )}
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
        <button type="button" className="button" aria-expanded={devicesOpen} aria-controls="meeting-devices" onClick={() => setDevicesOpen(!devicesOpen)}>
          {t('meetingDevices')}
        </button>
        <button type="button" className="button danger" onClick={() => act(() => store.leaveMeeting())}>
          {t('meetingLeave')}
        </button>
      </div>
      {devicesOpen && (
        <div id="meeting-devices">
          <DevicePicker
            choice={call.devices}
            inUse={call.tracks}
            onCamera={(id) => act(() => call.switchCamera(id))}
            onMicrophone={(id) => act(() => call.switchMicrophone(id))}
            onSpeaker={(id) => call.switchSpeaker(id)}
          />
        </div>
      )}
      <MeetingGuests call={call} />
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
