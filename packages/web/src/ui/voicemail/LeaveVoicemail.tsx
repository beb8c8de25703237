/**
 * Leaving a voicemail (SPEC CL-3): record from the microphone, listen back, send. The recording is
 * encrypted in this tab by the SDK (`voicemail.leave`) with the key of the direct space shared with
 * the callee, and only ciphertext is uploaded. Standalone: the space header opens it ("Leave a
 * voicemail"), and a call that is not answered (busy, away, do not disturb) can open it with the
 * callee; `onDone` says whether a message was sent.
 * @module
 */
import { useEffect, useRef, useState } from 'react';
import { VOICEMAIL_LIMITS } from '@flint/protocol';
import { useI18n } from '../../i18n/index.tsx';
import { recordingSupported, VoicemailRecorder, type Recording } from '../../app/voicemail-recorder.ts';
import { useAppStore } from '../store-context.ts';
import { Dialog } from '../Dialog.tsx';

export interface LeaveVoicemailProps {
  /** Who the message is for; `roomId` is their direct space with me when it is known already. */
  callee: { personId: string; displayName: string; roomId?: string };
  onDone: (sent: boolean) => void;
}

function clock(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

type Phase = { kind: 'idle' } | { kind: 'recording' } | { kind: 'recorded'; recording: Recording; url: string } | { kind: 'sending'; recording: Recording; url: string };

export function LeaveVoicemail({ callee, onDone }: LeaveVoicemailProps) {
  const { t } = useI18n();
  const store = useAppStore();
  const recorder = useRef<VoicemailRecorder | undefined>(undefined);
  const [phase, setPhase] = useState<Phase>({ kind: 'idle' });
  const [elapsed, setElapsed] = useState(0);
  const [problem, setProblem] = useState<string | undefined>();
  const supported = recordingSupported();

  useEffect(() => {
    if (phase.kind !== 'recording') return;
    const timer = setInterval(() => setElapsed(recorder.current?.elapsedMs() ?? 0), 250);
    return () => clearInterval(timer);
  }, [phase.kind]);
  // The microphone is let go of, and the preview's URL revoked, when the dialog closes.
  useEffect(() => () => recorder.current?.cancel(), []);
  const url = phase.kind === 'recorded' || phase.kind === 'sending' ? phase.url : undefined;
  useEffect(() => () => (url !== undefined ? URL.revokeObjectURL(url) : undefined), [url]);

  const recorded = (recording: Recording) => setPhase({ kind: 'recorded', recording, url: URL.createObjectURL(recording.blob) });

  const start = async () => {
    setProblem(undefined);
    const next = new VoicemailRecorder();
    try {
      await next.start(recorded);
    } catch {
      setProblem(t('voicemailNoMicrophone'));
      return;
    }
    recorder.current = next;
    setElapsed(0);
    setPhase({ kind: 'recording' });
  };

  const stop = async () => {
    try {
      recorded(await recorder.current!.stop());
    } catch (error) {
      store.fail(error);
      setPhase({ kind: 'idle' });
    }
  };

  const send = async () => {
    if (phase.kind !== 'recorded') return;
    setPhase({ ...phase, kind: 'sending' });
    try {
      const to = callee.roomId !== undefined ? { roomId: callee.roomId } : { personId: callee.personId };
      await store.session.sdk.voicemail.leave(to, { data: phase.recording.blob, type: phase.recording.type, durationMs: phase.recording.durationMs });
      onDone(true);
    } catch (error) {
      store.fail(error);
      setPhase({ ...phase, kind: 'recorded' });
    }
  };

  const max = VOICEMAIL_LIMITS.maxDurationSeconds * 1000;
  return (
    <Dialog title={t('voicemailLeaveTo', { name: callee.displayName })} onClose={() => onDone(false)} className="voicemail-dialog">
      <div className="stack">
        <p className="muted">{t('voicemailLeaveIntro', { name: callee.displayName, seconds: VOICEMAIL_LIMITS.maxDurationSeconds })}</p>
        {!supported && <p role="alert">{t('voicemailUnsupported')}</p>}
        {problem !== undefined && <p role="alert">{problem}</p>}
        {phase.kind === 'recording' && (
          <p role="status" className="voicemail-recording">
            <span className="rec-dot" aria-hidden="true" /> {t('voicemailRecording', { elapsed: clock(elapsed), max: clock(max) })}
          </p>
        )}
        {(phase.kind === 'recorded' || phase.kind === 'sending') && (
          <>
            <p role="status">{t('voicemailRecorded', { elapsed: clock(phase.recording.durationMs) })}</p>
            <audio controls src={phase.url} aria-label={t('voicemailPreview')} data-testid="voicemail-preview" />
          </>
        )}
        <div className="row">
          {phase.kind === 'idle' && (
            <button type="button" className="primary" disabled={!supported} onClick={() => void start()} data-autofocus>
              {t('voicemailRecord')}
            </button>
          )}
          {phase.kind === 'recording' && (
            <button type="button" className="primary" onClick={() => void stop()}>
              {t('voicemailStop')}
            </button>
          )}
          {(phase.kind === 'recorded' || phase.kind === 'sending') && (
            <>
              <button type="button" disabled={phase.kind === 'sending'} onClick={() => void start()}>
                {t('voicemailRecordAgain')}
              </button>
              <button type="button" className="primary" disabled={phase.kind === 'sending'} onClick={() => void send()}>
                {phase.kind === 'sending' ? t('voicemailSending') : t('voicemailSend')}
              </button>
            </>
          )}
        </div>
      </div>
    </Dialog>
  );
}

/** The direct space header's "Leave a voicemail" button, with its dialog and the confirmation after. */
export function LeaveVoicemailButton({ personId, roomId, displayName }: { personId: string; roomId: string; displayName: string }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const [sent, setSent] = useState(false);
  useEffect(() => {
    if (!sent) return;
    const timer = setTimeout(() => setSent(false), 5000);
    return () => clearTimeout(timer);
  }, [sent]);
  return (
    <>
      {sent && (
        <span className="muted small meeting-note" role="status" title={t('voicemailSent', { name: displayName })}>
          {t('voicemailSent', { name: displayName })}
        </span>
      )}
      <button type="button" className="button small" onClick={() => setOpen(true)}>
        <span aria-hidden="true">✉</span>
        {/* Hidden (still the button's name) at phone width, where the header is short of room. */}
        <span className="details-label">{t('voicemailLeave')}</span>
      </button>
      {open && (
        <LeaveVoicemail
          callee={{ personId, displayName, roomId }}
          onDone={(done) => {
            setOpen(false);
            setSent(done);
          }}
        />
      )}
    </>
  );
}
