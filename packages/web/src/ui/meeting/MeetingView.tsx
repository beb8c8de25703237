/**
 * The meeting of a space on screen (SPEC MT-1): every participant's video (one's own muted), each
 * named, in a grid or with the active speaker (or the shared screen) large and the others in a strip;
 * mute, camera, screen sharing, raising a hand, the device picker and leave; the participant list
 * with who is muted, has the camera off or shares the screen. The media itself is this tab's
 * `MeetingCall`; the others' sound plays on the speaker picked.
 * @module
 */
import { useEffect, useRef, useState } from 'react';
import { MEETING_LIMITS, type MeetingParticipant, type MeetingView as View } from '@flint/protocol';
import { useI18n } from '../../i18n/index.tsx';
import type { MeetingCall } from '../../app/meeting-call.ts';
import { playOn } from '../../app/meeting-devices.ts';
import { logError } from '../../app/client-log.ts';
import { useAppStore } from '../store-context.ts';
import { DevicePicker } from './DevicePicker.tsx';
import { MeetingGuests } from './MeetingGuests.tsx';

/** The choices of "videos at most" (last-N): one, a 2×2, a 3×3, a 4×4 grid, everyone. */
const LAST_N_CHOICES = [1, 4, 9, 16, MEETING_LIMITS.participants];

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

const QUALITY_LABEL = { good: 'meetingQualityGood', fair: 'meetingQualityFair', poor: 'meetingQualityPoor' } as const;

export function MeetingView({ call }: { call: MeetingCall }) {
  const { t, plural } = useI18n();
  const store = useAppStore();
  const act = (work: () => Promise<void>) => void work().catch((e: unknown) => store.fail(e));
  const state = (p: MeetingParticipant) =>
    [p.handRaised ? t('meetingHandIsRaised') : undefined, p.audioMuted ? t('meetingMuted') : undefined, p.videoOff ? t('meetingCameraIsOff') : undefined, p.sharingScreen ? t('meetingSharing') : undefined].filter((x): x is string => x !== undefined);
  const nameOf = (p: MeetingParticipant) => (p.id === call.participantId ? t('meetingYou', { name: p.displayName }) : p.guest === true ? `${p.displayName} (${t('guestTag')})` : p.displayName);
  const layout = call.view.layout;
  const setView = (view: View) => act(() => call.setView(view));
  const [devicesOpen, setDevicesOpen] = useState(false);
  const others = call.meeting.participants.filter((p) => p.id !== call.participantId);
  const pinned = others.find((p) => p.id === call.view.pinned);
  // Large in the speaker layout, as the core chooses the high layer: the pinned one, a shared
  // screen, the latest speaker the media server heard (never oneself), else the first other.
  const latest = call.speakers.map((id) => others.find((p) => p.id === id)).find((p) => p !== undefined);
  const featured = pinned ?? others.find((p) => p.sharingScreen) ?? latest ?? others.find((p) => p.id === call.speakerId) ?? others[0] ?? call.meeting.participants[0];
  const speaking = (p: MeetingParticipant) => call.talking.has(p.id) || call.speakerId === p.id;
  const tileClass = (p: MeetingParticipant) => `meeting-tile ${p.id === call.participantId ? 'self' : ''} ${speaking(p) ? 'speaking' : ''}`;
  const tileData = (p: MeetingParticipant) => {
    const quality = call.quality.get(p.id);
    return {
      'data-participant': p.id,
      'data-key-id': call.keyIds.get(p.id),
      'data-quality': quality?.quality,
      'data-fps': quality?.video !== undefined ? quality.video.framesPerSecond.toFixed(1) : undefined,
      'data-width': quality?.video?.width,
      'data-kbps': quality?.video !== undefined ? Math.round(quality.video.kbps) : undefined,
    };
  };
  const tile = (p: MeetingParticipant) => {
    const self = p.id === call.participantId;
    const remote = call.remote.get(p.id);
    const quality = call.quality.get(p.id);
    // Janus forwards no video of those outside one's last N (or the video stalls): say so rather than freeze.
    const paused = !self && remote !== undefined && !p.videoOff && quality?.video !== undefined && quality.video.framesPerSecond === 0;
    return (
      <>
        <Video stream={self ? call.local : remote?.stream} muted={self} label={t('meetingVideoOf', { name: nameOf(p) })} speakerId={call.devices.speakerId} />
        <span className="meeting-name">
          {quality !== undefined && (
            <span className={`meeting-quality ${quality.quality}`} role="img" aria-label={t('meetingQuality', { quality: t(QUALITY_LABEL[quality.quality]) })} title={t('meetingQuality', { quality: t(QUALITY_LABEL[quality.quality]) })} />
          )}
          {nameOf(p)}
          {speaking(p) && <span className="muted"> · {t('meetingSpeaking')}</span>}
          {state(p).length > 0 && <span className="muted"> · {state(p).join(', ')}</span>}
          {!self && remote === undefined && <span className="muted"> · {t('meetingWaitingMedia')}</span>}
          {paused && <span className="muted"> · {t('meetingVideoPaused')}</span>}
        </span>
        {!self && (
          <button
            type="button"
            className="button small meeting-pin"
            aria-pressed={call.view.pinned === p.id}
            onClick={() => {
              const { pinned: _was, ...rest } = call.view;
              setView(call.view.pinned === p.id ? rest : { ...rest, pinned: p.id });
            }}
          >
            {call.view.pinned === p.id ? t('meetingUnpin', { name: p.displayName }) : t('meetingPin', { name: p.displayName })}
          </button>
        )}
      </>
    );
  };

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
      <div className="meeting-layout" role="group" aria-label={t('meetingLayout')}>
        <button type="button" className="button small" aria-pressed={layout === 'grid'} onClick={() => setView({ ...call.view, layout: 'grid' })}>
          {t('meetingLayoutGrid')}
        </button>
        <button type="button" className="button small" aria-pressed={layout === 'speaker'} onClick={() => setView({ ...call.view, layout: 'speaker' })}>
          {t('meetingLayoutSpeaker')}
        </button>
        <label className="small">
          {t('meetingLastN')}{' '}
          <select value={call.view.lastN} onChange={(e) => setView({ ...call.view, lastN: Number(e.target.value) })}>
            {LAST_N_CHOICES.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
      </div>
      {layout === 'grid' || featured === undefined ? (
        <ul className="meeting-grid" aria-label={t('meetingTitle')}>
          {call.meeting.participants.map((p) => (
            <li key={p.id} className={tileClass(p)} {...tileData(p)}>
              {tile(p)}
            </li>
          ))}
        </ul>
      ) : (
        <div className="meeting-speaker-layout">
          <div className={`${tileClass(featured)} featured`} {...tileData(featured)}>
            {tile(featured)}
          </div>
          <ul className="meeting-strip" aria-label={t('meetingOthers')}>
            {call.meeting.participants
              .filter((p) => p.id !== featured.id)
              .map((p) => (
                <li key={p.id} className={tileClass(p)} {...tileData(p)}>
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
