/**
 * The call window (SPEC CL-1, CL-2): the other party's video (or their name) and one's own camera,
 * the state and a duration timer, mute, camera, hold/resume, blind transfer, hang up, and the way to
 * the direct space (its messages and files sit alongside: the window is docked, not modal). When the
 * call ends it says how (declined, busy, no answer…) until closed. A call carried by another tab or
 * device of the person shows as a bar with its own "Hang up".
 * @module
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { Call } from '@flint/protocol';
import { useI18n } from '../../i18n/index.tsx';
import { href } from '../../app/router.ts';
import type { CallController } from '../../app/call-controller.ts';
import { PeoplePicker } from '../PeoplePicker.tsx';
import { LeaveVoicemail } from '../voicemail/LeaveVoicemail.tsx';
import { useAppStore } from '../store-context.ts';

function Media({ stream, muted, label, className }: { stream: MediaStream | undefined; muted: boolean; label: string; className: string }) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    if (ref.current !== null && ref.current.srcObject !== (stream ?? null)) ref.current.srcObject = stream ?? null;
  }, [stream]);
  return <video ref={ref} className={className} autoPlay playsInline muted={muted} aria-label={label} />;
}

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const hh = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(hh > 0 ? 2 : 1, '0');
  const ss = String(s % 60).padStart(2, '0');
  return hh > 0 ? `${hh}:${mm}:${ss}` : `${mm}:${ss}`;
}

function Timer({ since }: { since: string }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return (
    <span className="call-timer" role="timer">
      {formatDuration((now - Date.parse(since)) / 1000)}
    </span>
  );
}

/** The ends where the callee did not take the call: the caller is offered to leave a voicemail (CL-3). */
const UNANSWERED: readonly string[] = ['no_answer', 'declined', 'busy', 'dnd'];

function endedText(t: ReturnType<typeof useI18n>['t'], phone: CallController, call: Call): string {
  const name = phone.peerOf(call).displayName;
  if (call.state !== 'ended') return t('callTransferred');
  return t(`callEndedReason_${call.endReason ?? 'hangup'}`, { name });
}

export function CallWindow() {
  const { t } = useI18n();
  const store = useAppStore();
  const phone = store.phone;
  const [transferring, setTransferring] = useState(false);
  const [adding, setAdding] = useState(false);
  const [addTarget, setAddTarget] = useState('');
  const [recording, setRecording] = useState(false);
  const [target, setTarget] = useState('');
  phone.holdText = t('callHoldPicture');
  const act = (work: () => Promise<void>) => void work().catch((e: unknown) => store.fail(e));
  const elsewhere = phone.elsewhere;
  const call = phone.current;

  if (call === undefined) {
    return (
      <>
        {phone.ended !== undefined && (
          <section className="call-window ended" aria-label={t('callEnded')}>
            <p role="status" className="call-ended">
              {endedText(t, phone, phone.ended)}
            </p>
            {phone.ended.caller.personId === store.me && UNANSWERED.includes(phone.ended.endReason ?? '') && (
              <button type="button" className="button small primary" onClick={() => setRecording(true)}>
                {t('voicemailLeave')}
              </button>
            )}
            <button type="button" className="button small" onClick={() => phone.dismissEnded()}>
              {t('close')}
            </button>
          </section>
        )}
        {recording && phone.ended !== undefined && (
          <LeaveVoicemail
            callee={{ personId: phone.ended.callee.personId, displayName: phone.ended.callee.displayName, ...(phone.ended.roomId !== undefined ? { roomId: phone.ended.roomId } : {}) }}
            onDone={() => {
              setRecording(false);
              phone.dismissEnded();
            }}
          />
        )}
        {phone.parked.map((parked) => (
          <div key={parked.id} className="banner call-elsewhere" role="status">
            {t('callParkedFor', { name: parked.park?.by === parked.caller.personId ? parked.callee.displayName : parked.caller.displayName })}
            <button type="button" className="button small primary" onClick={() => act(() => phone.retrieve(parked))}>
              {t('callRetrieve')}
            </button>
          </div>
        ))}
        {elsewhere !== undefined && (
          <div className="banner call-elsewhere" role="status">
            {t('callElsewhere', { name: phone.peerOf(elsewhere).displayName })}
            <button type="button" className="button small danger" onClick={() => act(() => phone.hangupElsewhere(elsewhere))}>
              {t('callHangup')}
            </button>
          </div>
        )}
      </>
    );
  }

  const peer = phone.peerOf(call);
  const media = phone.media;
  const holding = call.heldBy === store.me;
  const heldByOther = call.heldBy !== undefined && !holding;
  const parked = call.state === 'parked';
  const status =
    parked
      ? t('callParked', { name: peer.displayName })
      : call.state === 'ringing'
      ? t('callRinging', { name: peer.displayName })
      : heldByOther
        ? t('callHeldByOther', { name: peer.displayName })
        : holding
          ? t('callOnHold')
          : media === undefined || media.state !== 'connected'
            ? t('callConnecting')
            : t('callConnected');
  const transfer = (e: FormEvent) => {
    e.preventDefault();
    act(async () => {
      const person = (await store.session.client.people.list({ email: target })).items[0];
      if (person === undefined) throw new Error(target);
      await phone.transfer(person.id);
      setTransferring(false);
    });
  };
  const addPerson = (e: FormEvent) => {
    e.preventDefault();
    act(async () => {
      const person = (await store.session.client.people.list({ email: addTarget })).items[0];
      if (person === undefined) throw new Error(addTarget);
      await phone.addPerson(person.id, t('callConferenceTitle', { a: store.session.me.displayName, b: peer.displayName, c: person.displayName }));
      setAdding(false);
    });
  };
  return (
    <section className="call-window" aria-labelledby="call-title" data-call={call.id} data-state={call.state}>
      <header className="call-header">
        <h2 id="call-title">{t('callWindow', { name: peer.displayName })}</h2>
        <span className="call-status" role="status">
          {status}
        </span>
        {call.answered !== undefined && call.state !== 'ringing' && <Timer since={call.answered} />}
      </header>
      <div className="call-media">
        <Media stream={media?.remote} muted={false} label={t('callVideoOf', { name: peer.displayName })} className="call-remote" />
        {media?.hasVideo === true && <Media stream={media.local} muted label={t('callSelfView')} className="call-self" />}
      </div>
      <p className="muted small">{t('callE2ee')}</p>
      <div className="call-controls" role="toolbar" aria-label={t('callWindow', { name: peer.displayName })}>
        {media !== undefined && (
          <button type="button" className="button" aria-pressed={media.audioMuted} onClick={() => media.toggleAudio()}>
            {media.audioMuted ? t('callUnmute') : t('callMute')}
          </button>
        )}
        {media?.hasVideo === true && (
          <button type="button" className="button" aria-pressed={media.videoOff} onClick={() => media.toggleVideo()}>
            {media.videoOff ? t('callCameraOn') : t('callCameraOff')}
          </button>
        )}
        {call.state !== 'ringing' && !heldByOther && !parked && (
          <button type="button" className="button call-park" onClick={() => act(() => phone.park())}>
            {t('callPark')}
          </button>
        )}
        {parked && (
          <button type="button" className="button primary" onClick={() => act(() => phone.retrieve(call))}>
            {t('callRetrieve')}
          </button>
        )}
        {call.state !== 'ringing' && !heldByOther && !parked && (
          <button type="button" className="button call-hold" aria-pressed={holding} onClick={() => act(() => phone.toggleHold())}>
            {holding ? t('callResume') : t('callHold')}
          </button>
        )}
        {call.state !== 'ringing' && (
          <button type="button" className="button" aria-expanded={transferring} onClick={() => setTransferring(!transferring)}>
            {t('callTransfer')}
          </button>
        )}
        {call.state !== 'ringing' && store.meetingsAvailable !== false && (
          <button type="button" className="button" aria-expanded={adding} onClick={() => setAdding(!adding)}>
            {t('callAddPerson')}
          </button>
        )}
        {call.state !== 'ringing' && call.keyUrl !== undefined && store.meetingsAvailable !== false && (
          <button type="button" className="button" onClick={() => act(() => phone.moveToMeeting())}>
            {t('callMoveToMeeting')}
          </button>
        )}
        <button type="button" className="button danger call-hangup" onClick={() => act(() => phone.hangup())}>
          {t('callHangup')}
        </button>
        {call.roomId !== undefined && (
          <a className="button small" href={href({ view: 'space', roomId: call.roomId })}>
            {t('callOpenSpace')}
          </a>
        )}
      </div>
      {adding && (
        <form className="call-transfer" onSubmit={addPerson}>
          <PeoplePicker label={t('callAddPersonWho')} value={addTarget} onChange={setAddTarget} exclude={new Set([peer.personId, store.me])} required />
          <button type="submit" className="button primary" disabled={addTarget === ''}>
            {t('callAddPersonDo')}
          </button>
        </form>
      )}
      {transferring && (
        <form className="call-transfer" onSubmit={transfer}>
          <PeoplePicker label={t('callTransferTo')} value={target} onChange={setTarget} exclude={new Set([peer.personId, store.me])} required />
          <button type="submit" className="button primary" disabled={target === ''}>
            {t('callTransferDo')}
          </button>
        </form>
      )}
    </section>
  );
}
