/**
 * A person's status (issue 16): available, away, or do not disturb until a time, with a short
 * text. Set from the top bar (StatusButton → StatusDialog); shown beside names (StatusNote) and as
 * the avatar's dot; live for others (presence frames), and a timed one ends by itself.
 * @module
 */
import { useEffect, useState, type FormEvent } from 'react';
import type { Availability } from '@flint/protocol';
import { useI18n } from '../i18n/index.tsx';
import { useAppStore } from './store-context.ts';
import { Dialog } from './Dialog.tsx';
import { Problem } from './Problem.tsx';

type Status = Availability['status'];
const DURATIONS = [
  { id: '30m', minutes: 30, label: 'statusFor30m' },
  { id: '1h', minutes: 60, label: 'statusFor1h' },
  { id: '2h', minutes: 120, label: 'statusFor2h' },
  { id: '4h', minutes: 240, label: 'statusFor4h' },
  { id: 'none', minutes: 0, label: 'statusForever' },
] as const;
type DurationId = (typeof DURATIONS)[number]['id'];

/** "Do not disturb until 14:30 · In a meeting", or nothing when available with no text. */
export function useStatusLabel(personId: string): string | undefined {
  const { t, time } = useI18n();
  const store = useAppStore();
  const a = store.availability.get(personId);
  if (a === undefined) return undefined;
  const name = a.status === 'dnd' ? t('statusDnd') : a.status === 'away' ? t('statusAway') : t('statusAvailable');
  const base = a.until !== undefined ? t('statusUntil', { status: name, time: time(a.until) }) : name;
  return a.text !== undefined ? `${base} · ${a.text}` : base;
}

export function StatusNote({ personId }: { personId: string }) {
  const label = useStatusLabel(personId);
  const store = useAppStore();
  const status = store.availability.get(personId)?.status;
  if (label === undefined) return null;
  return (
    <span className={`status-note small status-${status ?? 'available'}`} title={label}>
      {label}
    </span>
  );
}

export function StatusButton() {
  const { t } = useI18n();
  const store = useAppStore();
  const [open, setOpen] = useState(false);
  useEffect(() => {
    void store.loadMyStatus().catch(() => undefined);
  }, [store]);
  const mine = store.availability.get(store.me)?.status ?? 'available';
  const label = useStatusLabel(store.me) ?? t('statusAvailable');
  return (
    <>
      <button type="button" className="ghost status-button" aria-haspopup="dialog" title={label} onClick={() => setOpen(true)}>
        <span className={`status-dot status-dot-${mine}`} aria-hidden="true" />
        <span className="status-button-text">{t('statusSetLabel', { status: label })}</span>
      </button>
      {open && <StatusDialog onClose={() => setOpen(false)} />}
    </>
  );
}

function StatusDialog({ onClose }: { onClose: () => void }) {
  const { t } = useI18n();
  const store = useAppStore();
  const current = store.availability.get(store.me);
  const [status, setStatus] = useState<Status>(current?.status ?? 'available');
  const [text, setText] = useState(current?.text ?? '');
  const [duration, setDuration] = useState<DurationId>('1h');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | undefined>();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setProblem(undefined);
    try {
      const minutes = DURATIONS.find((d) => d.id === duration)?.minutes ?? 0;
      const until = status !== 'available' && minutes > 0 ? new Date(Date.now() + minutes * 60_000).toISOString() : undefined;
      const answer = await store.session.sdk.people.setStatus({ status, ...(text.trim() !== '' ? { text: text.trim() } : {}), ...(until !== undefined ? { until } : {}) });
      store.setAvailability(store.me, answer.availability);
      onClose();
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
      setBusy(false);
    }
  };

  return (
    <Dialog title={t('statusTitle')} onClose={onClose}>
      <form className="stack" onSubmit={(e) => void submit(e)}>
        <fieldset className="stack status-choices">
          <legend>{t('statusLegend')}</legend>
          {(['available', 'away', 'dnd'] as const).map((s) => (
            <label key={s} className="check">
              <input type="radio" name="status" value={s} checked={status === s} onChange={() => setStatus(s)} data-autofocus={status === s ? true : undefined} />
              <span className={`status-dot status-dot-${s}`} aria-hidden="true" />
              {s === 'available' ? t('statusAvailable') : s === 'away' ? t('statusAway') : t('statusDnd')}
            </label>
          ))}
        </fieldset>
        {status !== 'available' && (
          <label>
            {t('statusFor')}
            <select value={duration} onChange={(e) => setDuration(e.target.value as DurationId)}>
              {DURATIONS.map((d) => (
                <option key={d.id} value={d.id}>
                  {t(d.label)}
                </option>
              ))}
            </select>
          </label>
        )}
        <label>
          {t('statusText')}
          <input type="text" maxLength={100} value={text} onChange={(e) => setText(e.target.value)} placeholder={t('statusTextPlaceholder')} />
        </label>
        <Problem text={problem} />
        <div className="row end">
          <button type="button" onClick={onClose}>
            {t('cancel')}
          </button>
          <button type="submit" className="primary" disabled={busy}>
            {t('save')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
