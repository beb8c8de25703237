/**
 * "Schedule a meeting" (SPEC MT-4): title, date, start and end on a chosen zone's clock, and
 * invitees — people of the directory or any address — picked one by one. The SDK makes the
 * meeting's encrypted space here, adds the invitees who have accounts, and hands the core the
 * schedule, which mails the iCalendar invitations. Also opened filled in from an imported `.ics`.
 * "Repeats" makes it a series (daily, every weekday, weekly, monthly, ending after a number of
 * meetings): one space, one invitation with its rule; the core expands it on the zone's clock.
 * @module
 */
import { useState, type FormEvent } from 'react';
import type { ScheduledMeeting } from '@flint/protocol';
import { useI18n } from '../../i18n/index.tsx';
import { instantToZoned, isoSeconds, zonedToInstant } from '../../app/zoned-time.ts';
import { initialRepeat, MAX_OCCURRENCES, recurrenceRule, REPEAT_CHOICES, type RepeatChoice } from '../../app/recurrence-rule.ts';
import { useAppStore } from '../store-context.ts';
import { Dialog } from '../Dialog.tsx';
import { PeoplePicker } from '../PeoplePicker.tsx';
import { timeZoneNames } from '../time-zones.ts';

export interface ScheduleDraft {
  title: string;
  start: Date;
  end: Date;
  timezone: string;
  invitees: { email: string; displayName?: string }[];
  /** A rule the draft came with (an imported `.ics`). */
  recurrence?: string;
}

/** The next half hour, one hour long, on the person's zone. */
export function defaultDraft(timezone: string): ScheduleDraft {
  const start = new Date(Math.ceil((Date.now() + 5 * 60_000) / 1_800_000) * 1_800_000);
  return { title: '', start, end: new Date(start.getTime() + 3_600_000), timezone, invitees: [] };
}

export function ScheduleDialog({ initial, onClose, onScheduled }: { initial: ScheduleDraft; onClose: () => void; onScheduled: (meeting: ScheduledMeeting) => void }) {
  const { t } = useI18n();
  const store = useAppStore();
  const [title, setTitle] = useState(initial.title);
  const [zone, setZone] = useState(initial.timezone);
  const startWall = instantToZoned(initial.start, initial.timezone);
  const [date, setDate] = useState(startWall.date);
  const [from, setFrom] = useState(startWall.time);
  const [to, setTo] = useState(instantToZoned(initial.end, initial.timezone).time);
  const [invitees, setInvitees] = useState(initial.invitees);
  const startRepeat = initialRepeat(initial.recurrence);
  const [repeat, setRepeat] = useState<RepeatChoice | 'custom'>(startRepeat.choice);
  const [count, setCount] = useState(startRepeat.count);
  const [address, setAddress] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const add = () => {
    const email = address.trim().toLowerCase();
    if (!/^[^\s@]+@[^\s@]+$/.test(email)) {
      setError(t('meetingInviteeInvalid'));
      return;
    }
    if (!invitees.some((i) => i.email === email)) setInvitees([...invitees, { email }]);
    setAddress('');
    setError(undefined);
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    const start = zonedToInstant(date, from, zone);
    let end = zonedToInstant(date, to, zone);
    // An end before the start is on the next day (a meeting across midnight).
    if (end.getTime() <= start.getTime()) end = new Date(end.getTime() + 24 * 3_600_000);
    setBusy(true);
    try {
      const recurrence = repeat === 'custom' ? initial.recurrence : recurrenceRule(repeat, date, count);
      const meeting = await store.session.sdk.scheduling.schedule({ title, start: isoSeconds(start), end: isoSeconds(end), timezone: zone, invitees, ...(recurrence !== undefined ? { recurrence } : {}) });
      onScheduled(meeting);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog title={t('meetingSchedule')} onClose={onClose}>
      <form className="stack" onSubmit={(e) => void submit(e)}>
        <label>
          {t('scheduleTitle')}
          <input data-autofocus required maxLength={128} value={title} onChange={(e) => setTitle(e.target.value)} />
        </label>
        <div className="row wrap">
          <label>
            {t('meetingDate')}
            <input type="date" required value={date} onChange={(e) => setDate(e.target.value)} />
          </label>
          <label>
            {t('scheduleStarts')}
            <input type="time" required value={from} onChange={(e) => setFrom(e.target.value)} />
          </label>
          <label>
            {t('meetingEnd')}
            <input type="time" required value={to} onChange={(e) => setTo(e.target.value)} />
          </label>
        </div>
        <label>
          {t('timeZone')}
          <select value={zone} onChange={(e) => setZone(e.target.value)}>
            {timeZoneNames().map((z) => (
              <option key={z} value={z}>
                {z}
              </option>
            ))}
          </select>
        </label>
        <div className="row wrap">
          <label>
            {t('meetingRepeats')}
            <select value={repeat} onChange={(e) => setRepeat(e.target.value as RepeatChoice | 'custom')}>
              {REPEAT_CHOICES.map((c) => (
                <option key={c} value={c}>
                  {t(`meetingRepeat_${c}`)}
                </option>
              ))}
              {startRepeat.choice === 'custom' && <option value="custom">{t('meetingRepeatImported', { rule: initial.recurrence ?? '' })}</option>}
            </select>
          </label>
          {repeat !== 'none' && repeat !== 'custom' && (
            <label>
              {t('meetingOccurrences')}
              <input type="number" min={2} max={MAX_OCCURRENCES} required value={count} onChange={(e) => setCount(Number(e.target.value))} />
            </label>
          )}
        </div>
        <fieldset className="stack">
          <legend>{t('meetingInvitees')}</legend>
          <div
            className="row wrap"
            onKeyDown={(e) => {
              // Enter in the picker with no suggestion open (the picker takes it then) adds the address, instead of submitting.
              if (e.key === 'Enter' && !e.defaultPrevented && e.target instanceof HTMLInputElement) {
                e.preventDefault();
                add();
              }
            }}
          >
            <PeoplePicker label={t('meetingInviteePicker')} value={address} onChange={setAddress} />
            <button type="button" onClick={add} disabled={address.trim() === ''}>
              {t('meetingInviteeAdd')}
            </button>
          </div>
          {invitees.length === 0 ? (
            <p className="muted small">{t('meetingNoInvitees')}</p>
          ) : (
            <ul className="meeting-invitees" aria-label={t('meetingInvitees')}>
              {invitees.map((i) => (
                <li key={i.email} className="row">
                  <span>{i.displayName !== undefined ? `${i.displayName} <${i.email}>` : i.email}</span>
                  <button type="button" className="small" aria-label={t('meetingInviteeRemove', { email: i.email })} onClick={() => setInvitees(invitees.filter((x) => x.email !== i.email))}>
                    {t('remove')}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </fieldset>
        <p className="muted small">{t('meetingMetadataNote')}</p>
        {error !== undefined && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <div className="row">
          <button type="submit" disabled={busy}>
            {t('meetingScheduleButton')}
          </button>
          <button type="button" onClick={onClose}>
            {t('cancel')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
