/**
 * The incoming-call dialog (SPEC CL-1, CL-2), on every tab of the person called: answer with audio
 * or with video, decline, or decline with a message (posted, encrypted, into the direct space).
 * It closes by itself when the call is answered on another tab or device, or ends. Escape hides it
 * in this tab only (the others go on ringing until the ring time is over).
 * @module
 */
import { useState, type FormEvent } from 'react';
import type { Call } from '@flint/protocol';
import { useI18n } from '../../i18n/index.tsx';
import { Dialog } from '../Dialog.tsx';
import { useAppStore } from '../store-context.ts';

export function IncomingCall() {
  const store = useAppStore();
  const [hidden, setHidden] = useState<ReadonlySet<string>>(new Set());
  const call = store.phone.incoming.find((c) => !hidden.has(c.id) && store.phone.current?.id !== c.id);
  const invitation = [...store.phone.invitations.values()][0];
  if (call === undefined) return invitation !== undefined ? <Invitation key={invitation.id} call={invitation} /> : null;
  return <Ringing key={call.id} call={call} onHide={() => setHidden(new Set([...hidden, call.id]))} />;
}

function Ringing({ call, onHide }: { call: Call; onHide: () => void }) {
  const { t } = useI18n();
  const store = useAppStore();
  const [writing, setWriting] = useState(false);
  const [message, setMessage] = useState(t('callDeclineDefault'));
  const [working, setWorking] = useState(false);
  const name = call.caller.displayName;
  const act = (work: () => Promise<void>) => {
    setWorking(true);
    work()
      .catch((e: unknown) => store.fail(e))
      .finally(() => setWorking(false));
  };
  const send = (e: FormEvent) => {
    e.preventDefault();
    act(() => store.phone.decline(call, message));
  };
  return (
    <Dialog title={t('callIncoming')} onClose={onHide} className="incoming-call">
      <p className="incoming-call-who">{call.media === 'video' ? t('callIncomingVideo', { name }) : t('callIncomingFrom', { name })}</p>
      <div className="incoming-call-actions">
        <button type="button" className="button primary" data-autofocus disabled={working} onClick={() => act(() => store.phone.answer(call, 'audio'))}>
          {t('callAnswerAudio')}
        </button>
        <button type="button" className="button primary" disabled={working} onClick={() => act(() => store.phone.answer(call, 'video'))}>
          {t('callAnswerVideo')}
        </button>
        <button type="button" className="button danger" disabled={working} onClick={() => act(() => store.phone.decline(call))}>
          {t('callDecline')}
        </button>
        <button type="button" className="button" aria-expanded={writing} disabled={working} onClick={() => setWriting(!writing)}>
          {t('callDeclineMessage')}
        </button>
      </div>
      {writing && (
        <form className="incoming-call-message" onSubmit={send}>
          <label>
            {t('callDeclineMessageLabel', { name })}
            <textarea value={message} maxLength={500} rows={2} onChange={(e) => setMessage(e.target.value)} />
          </label>
          <button type="submit" className="button danger" disabled={working || message.trim() === ''}>
            {t('callDeclineSend')}
          </button>
        </form>
      )}
    </Dialog>
  );
}

/** Someone added this person to their call (MT-6): join the conference's meeting, or not. */
function Invitation({ call }: { call: Call }) {
  const { t } = useI18n();
  const store = useAppStore();
  const by = call.conference?.by === call.caller.personId ? call.caller : call.callee;
  const other = by === call.caller ? call.callee : call.caller;
  return (
    <Dialog title={t('callConferenceInvite')} onClose={() => store.phone.dismissInvitation(call)} className="incoming-call">
      <p className="incoming-call-who">{t('callConferenceInviteFrom', { name: by.displayName, other: other.displayName })}</p>
      <div className="incoming-call-actions">
        <button type="button" className="button primary" data-autofocus onClick={() => store.phone.joinInvitation(call)}>
          {t('callConferenceJoin')}
        </button>
        <button type="button" className="button" onClick={() => store.phone.dismissInvitation(call)}>
          {t('callConferenceNotNow')}
        </button>
      </div>
    </Dialog>
  );
}
