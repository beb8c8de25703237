/**
 * The page a meeting link opens (`#/guest/<secret>`, docs/meetings.md "Guests"): a name, then the
 * lobby ("Waiting for someone to let you in"), then the meeting once a member admits this guest —
 * or the word that they did not. The guest's session is its own (no cookie, no storage: the
 * account is ephemeral and ends when the guest leaves or the meeting ends); its browser enrolls a
 * KMS device for it while it waits, and gets the meeting's key only from the admitting member.
 * @module
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { FlintError, joinMeetingAsGuest, type Session as SdkSession } from '@flint/sdk';
import { GUEST_LIMITS, type Meeting, type MeetingParticipant } from '@flint/protocol';
import { randomBytes, toHex } from '@flint/crypto';
import { useI18n } from '../../i18n/index.tsx';
import { MeetingCall } from '../../app/meeting-call.ts';
import { MeetingHeader } from './MeetingHeader.tsx';
import { playOn } from '../../app/meeting-devices.ts';
import { logError } from '../../app/client-log.ts';

type Phase =
  | { kind: 'name'; error?: string }
  | { kind: 'waiting'; session: SdkSession }
  | { kind: 'entering'; session: SdkSession }
  | { kind: 'in'; session: SdkSession; call: MeetingCall }
  | { kind: 'over'; message: string };

function Video({ stream, muted, label }: { stream: MediaStream | undefined; muted: boolean; label: string }) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    if (ref.current !== null && ref.current.srcObject !== (stream ?? null)) ref.current.srcObject = stream ?? null;
    if (ref.current !== null && !muted) void playOn(ref.current, undefined).catch(logError);
  }, [stream, muted]);
  return <video ref={ref} autoPlay playsInline muted={muted} aria-label={label} />;
}

function GuestMeeting({ call, onLeave }: { call: MeetingCall; onLeave: () => void }) {
  const { t } = useI18n();
  const [, setVersion] = useState(0);
  useEffect(() => call.subscribe(() => setVersion(call.version)), [call]);
  const nameOf = (p: MeetingParticipant) => (p.id === call.participantId ? t('meetingYou', { name: p.displayName }) : p.displayName);
  return (
    <section className="meeting" aria-labelledby="meeting-title" data-key-epoch={call.epoch}>
      <MeetingHeader call={call} />
      <ul className="meeting-grid" aria-label={t('meetingTitle')}>
        {call.meeting.participants.map((p) => {
          const self = p.id === call.participantId;
          return (
            <li key={p.id} className={`meeting-tile ${self ? 'self' : ''}`} data-participant={p.id} data-key-id={call.keyIds.get(p.id)}>
              <Video stream={self ? call.local : call.remote.get(p.id)?.stream} muted={self} label={t('meetingVideoOf', { name: nameOf(p) })} />
              <span className="meeting-name">{nameOf(p)}</span>
            </li>
          );
        })}
      </ul>
      <div className="meeting-controls" role="toolbar" aria-label={t('meetingTitle')}>
        <button type="button" className="button" aria-pressed={call.audioMuted} onClick={() => void call.toggleAudio().catch(logError)}>
          {call.audioMuted ? t('meetingUnmute') : t('meetingMute')}
        </button>
        <button type="button" className="button" aria-pressed={call.videoOff} onClick={() => void call.toggleVideo().catch(logError)}>
          {call.videoOff ? t('meetingCameraOn') : t('meetingCameraOff')}
        </button>
        <button type="button" className="button danger" onClick={onLeave}>
          {t('meetingLeave')}
        </button>
      </div>
    </section>
  );
}

export default function GuestPage({ token }: { token: string }) {
  const { t } = useI18n();
  const [phase, setPhase] = useState<Phase>({ kind: 'name' });
  const [name, setName] = useState('');
  const current = useRef<Phase>(phase);
  current.current = phase;

  // Leaving the page leaves the lobby or the meeting (the guest account ends).
  useEffect(
    () => () => {
      const p = current.current;
      if (p.kind === 'in') void p.call.leave();
      else if (p.kind === 'waiting' || p.kind === 'entering') void p.session.meetings.guestLeave().catch(() => undefined);
    },
    [],
  );

  const over = (session: SdkSession | undefined, message: string) => {
    session?.close();
    setPhase({ kind: 'over', message });
  };

  const ask = async (event: FormEvent) => {
    event.preventDefault();
    let session: SdkSession | undefined;
    try {
      ({ session } = await joinMeetingAsGuest({ baseUrl: window.location.origin, clientVersion: 'flint-web-guest/0.1.0', device: { id: `guest-${toHex(randomBytes(12))}` } }, token, name));
    } catch (error) {
      const code = error instanceof FlintError ? error.code : undefined;
      const message = code === 'not_found' ? t('guestBadLink') : code === 'meeting_not_started' ? t('guestNotStarted') : t('guestFailed', { reason: error instanceof Error ? error.message : String(error) });
      setPhase({ kind: 'name', error: message });
      return;
    }
    setPhase({ kind: 'waiting', session });
    try {
      // The KMS device is enrolled (and the event stream opened) while the guest waits.
      await session.connect();
      const status = await session.meetings.waitForAdmission();
      if (status.knock.state === 'denied' || status.meeting === undefined || status.knock.participantId === undefined) {
        await session.meetings.guestLeave().catch(() => undefined);
        over(session, t('guestDenied'));
        return;
      }
      setPhase({ kind: 'entering', session });
      const meeting: Meeting = status.meeting;
      let attached: MeetingCall | undefined;
      session.events.on((e) => {
        if (e.type === 'meeting.updated') {
          const m = e.data as Meeting;
          if (m.id === meeting.id && m.ended !== undefined) {
            void attached?.leave();
            over(session, t('guestEnded'));
          } else attached?.update(m);
        }
      });
      const call = await MeetingCall.enterAsGuest(session, meeting, status.knock.participantId, {
        attach: (c) => {
          attached = c;
          setPhase({ kind: 'in', session, call: c });
        },
      });
      setPhase({ kind: 'in', session, call });
    } catch (error) {
      logError(error);
      over(session, current.current.kind === 'in' || (error instanceof FlintError && error.status === 401) ? t('guestEnded') : t('guestFailed', { reason: error instanceof Error ? error.message : String(error) }));
    }
  };

  return (
    <main className="guest-page" aria-labelledby="guest-title">
      {phase.kind !== 'in' && <h1 id="guest-title">{t('guestPageTitle')}</h1>}
      {phase.kind === 'name' && (
        <form onSubmit={(e) => void ask(e)}>
          <label htmlFor="guest-name">{t('guestYourName')}</label>
          <input id="guest-name" className="input" required maxLength={GUEST_LIMITS.displayNameChars} value={name} onChange={(e) => setName(e.target.value)} autoComplete="name" />
          <button type="submit" className="button primary">
            {t('guestAskToJoin')}
          </button>
          {phase.error !== undefined && <p role="alert">{phase.error}</p>}
        </form>
      )}
      {(phase.kind === 'waiting' || phase.kind === 'entering') && (
        <>
          <p role="status" className="guest-waiting">
            {phase.kind === 'waiting' ? t('guestWaiting') : t('meetingJoining')}
          </p>
          <button
            type="button"
            className="button"
            onClick={() => {
              void phase.session.meetings.guestLeave().catch(() => undefined);
              over(phase.session, t('guestEnded'));
            }}
          >
            {t('guestLeaveLobby')}
          </button>
        </>
      )}
      {phase.kind === 'in' && (
        <GuestMeeting
          call={phase.call}
          onLeave={() => {
            void phase.call.leave();
            over(phase.session, t('guestEnded'));
          }}
        />
      )}
      {phase.kind === 'over' && <p role="status">{phase.message}</p>}
    </main>
  );
}
