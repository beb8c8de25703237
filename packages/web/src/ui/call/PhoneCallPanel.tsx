/**
 * A telephone call from the PSTN in this tab (SPEC CL-4): the ringing dialog (answer or decline)
 * and, once answered, a small bar with the caller's number and "Hang up". Both say that the call
 * is not end-to-end encrypted (the telephone network and the server carry its audio).
 * @module
 */
import { useState } from 'react';
import type { PhoneCall } from '@flint/protocol';
import { useI18n } from '../../i18n/index.tsx';
import { Dialog } from '../Dialog.tsx';
import { useAppStore } from '../store-context.ts';

export function PhoneCallPanel() {
  const store = useAppStore();
  const { t } = useI18n();
  const [hidden, setHidden] = useState<ReadonlySet<string>>(new Set());
  const [working, setWorking] = useState(false);
  const phone = store.phoneCalls;
  const act = (work: () => Promise<void>) => {
    setWorking(true);
    work()
      .catch((e: unknown) => store.fail(e))
      .finally(() => setWorking(false));
  };
  const active = phone.active;
  if (active !== undefined) {
    return (
      <section className="phone-call-bar" aria-label={t('phoneCallActive')} data-testid="phone-call-active">
        <p>
          <strong>{t('phoneCallWith', { number: active.call.from })}</strong>
        </p>
        <p className="phone-call-note">{t('phoneCallNotE2ee')}</p>
        <button type="button" className="button danger" disabled={working} onClick={() => act(() => phone.hangup(active.call))}>
          {t('callHangup')}
        </button>
      </section>
    );
  }
  const call: PhoneCall | undefined = phone.ringing.find((c) => !hidden.has(c.id));
  if (call === undefined) return null;
  return (
    <Dialog title={t('phoneCallIncoming')} onClose={() => setHidden(new Set([...hidden, call.id]))} className="incoming-call">
      <p className="incoming-call-who">{t('phoneCallFrom', { number: call.from })}</p>
      <p className="phone-call-note">{t('phoneCallNotE2ee')}</p>
      <div className="incoming-call-actions">
        <button type="button" className="button primary" data-autofocus disabled={working} onClick={() => act(() => phone.answer(call))}>
          {t('phoneCallAnswer')}
        </button>
        <button type="button" className="button danger" disabled={working} onClick={() => act(() => phone.hangup(call))}>
          {t('callDecline')}
        </button>
      </div>
    </Dialog>
  );
}
