/**
 * Before joining a meeting (SPEC MT-1): one's camera as the others will see it, the microphone's
 * level (so a silent or wrong microphone shows before anyone hears it), and the device picker. The
 * camera and microphone opened here are handed to the meeting on "Join now", not opened again.
 * @module
 */
import { useEffect, useRef, useState } from 'react';
import { useI18n } from '../../i18n/index.tsx';
import { LevelMeter, openMedia, playOn, type DeviceChoice } from '../../app/meeting-devices.ts';
import { useAppStore } from '../store-context.ts';
import { DevicePicker } from './DevicePicker.tsx';

/** How often the level is drawn. */
const LEVEL_MS = 100;

export function MeetingPreview({ roomId }: { roomId: string }) {
  const { t } = useI18n();
  const store = useAppStore();
  const [choice, setChoice] = useState<DeviceChoice>({});
  const [stream, setStream] = useState<MediaStream | undefined>(undefined);
  const [failure, setFailure] = useState<string | undefined>(undefined);
  const [level, setLevel] = useState(0);
  const [joining, setJoining] = useState(false);
  const video = useRef<HTMLVideoElement>(null);
  /** The stream handed to the meeting is not stopped when the preview goes. */
  const handedOver = useRef<MediaStream | undefined>(undefined);

  useEffect(() => {
    let live = true;
    let opened: MediaStream | undefined;
    openMedia({ cameraId: choice.cameraId, microphoneId: choice.microphoneId }).then(
      (s) => {
        opened = s;
        if (live) {
          setFailure(undefined);
          setStream(s);
        } else for (const track of s.getTracks()) track.stop();
      },
      (e: unknown) => live && setFailure(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      live = false;
      if (opened !== undefined && opened !== handedOver.current) for (const track of opened.getTracks()) track.stop();
    };
  }, [choice.cameraId, choice.microphoneId]);

  useEffect(() => {
    if (video.current !== null) video.current.srcObject = stream ?? null;
    if (stream === undefined) return;
    const meter = new LevelMeter(stream);
    const timer = setInterval(() => setLevel(Math.min(1, meter.level() * 4)), LEVEL_MS);
    return () => {
      clearInterval(timer);
      meter.close();
    };
  }, [stream]);

  useEffect(() => {
    if (video.current !== null) void playOn(video.current, choice.speakerId).catch(() => undefined);
  }, [choice.speakerId]);

  const join = () => {
    if (stream === undefined) return;
    setJoining(true);
    handedOver.current = stream;
    store
      .joinMeeting(roomId, { stream, devices: choice })
      .catch((e: unknown) => {
        handedOver.current = undefined;
        store.fail(e);
      })
      .finally(() => setJoining(false));
  };

  return (
    <section className="meeting meeting-preview" aria-labelledby="meeting-preview-title">
      <header className="meeting-header">
        <h2 id="meeting-preview-title">{t('meetingPreviewTitle')}</h2>
      </header>
      <div className="meeting-preview-body">
        <div className="meeting-tile self">
          <video ref={video} autoPlay playsInline muted aria-label={t('meetingPreviewVideo')} />
        </div>
        <div className="meeting-preview-side">
          <div className="field">
            <label htmlFor="meeting-mic-level">{t('meetingMicLevel')}</label>
            <meter id="meeting-mic-level" className="meeting-level" min={0} max={1} low={0.05} value={level} />
          </div>
          <DevicePicker
            choice={choice}
            inUse={{ camera: stream?.getVideoTracks()[0], microphone: stream?.getAudioTracks()[0] }}
            onCamera={(cameraId) => setChoice((c) => ({ ...c, cameraId }))}
            onMicrophone={(microphoneId) => setChoice((c) => ({ ...c, microphoneId }))}
            onSpeaker={(speakerId) => setChoice((c) => ({ ...c, speakerId: speakerId === '' ? undefined : speakerId }))}
          />
          {failure !== undefined && (
            <p className="error small" role="alert">
              {t('meetingPreviewFailed', { reason: failure })}
            </p>
          )}
          <div className="meeting-controls">
            <button type="button" className="button primary" disabled={stream === undefined || joining} onClick={join}>
              {joining ? t('meetingJoining') : t('meetingJoinNow')}
            </button>
            <button type="button" className="button" disabled={joining} onClick={() => store.previewMeeting(undefined)}>
              {t('meetingCancelJoin')}
            </button>
          </div>
        </div>
      </div>
    </section>
  );
}
