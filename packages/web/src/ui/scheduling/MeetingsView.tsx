/**
 * Meetings (SPEC MT-4; `#/meetings`): one's upcoming meetings — hosted or invited to — with their
 * time, host and number, "Join" (opens the meeting's space: the media join is the space's own
 * view), cancel for the host; "Schedule a meeting" (the dialog) and "Import an .ics" (read on this
 * device with ical.js, then the same dialog filled in). Follows `scheduled_meeting.updated` / `scheduled_meeting.deleted`.
 * @module
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ScheduledMeeting } from '@flint/protocol';
import { useI18n } from '../../i18n/index.tsx';
import { href } from '../../app/router.ts';
import { IcsImportError, parseIcs } from '../../app/ics-import.ts';
import { repeatChoiceOf } from '../../app/recurrence-rule.ts';
import { useAppStore } from '../store-context.ts';
import { defaultDraft, ScheduleDialog, type ScheduleDraft } from './ScheduleDialog.tsx';

/** At most this many meetings are listed (the next 30 days). */
const LISTED = 100;
const WINDOW_MS = 30 * 24 * 3_600_000;

export default function MeetingsView() {
  const { t, day, time, timeZone } = useI18n();
  const store = useAppStore();
  const scheduling = store.session.sdk.scheduling;
  const [meetings, setMeetings] = useState<ScheduledMeeting[] | undefined>();
  const [draft, setDraft] = useState<ScheduleDraft | undefined>();
  const [notice, setNotice] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  const fileInput = useRef<HTMLInputElement>(null);

  const load = useCallback(() => {
    const now = Date.now();
    // From an hour ago, so a meeting under way stays listed.
    scheduling.list({ from: new Date(now - 3_600_000).toISOString(), to: new Date(now + WINDOW_MS).toISOString(), max: LISTED }).then(
      (page) => setMeetings(page.items),
      (e: unknown) => store.fail(e),
    );
  }, [scheduling, store]);
  useEffect(load, [load]);
  useEffect(() => store.session.sdk.events.on((event) => (event.type === 'scheduled_meeting.updated' || event.type === 'scheduled_meeting.deleted') && load()), [store, load]);

  const importFile = async (file: File) => {
    setError(undefined);
    setNotice(undefined);
    try {
      const imported = parseIcs(await file.text(), store.session.me.emails[0] ?? '');
      setDraft({ title: imported.title, start: imported.start, end: imported.end, timezone: imported.timezone ?? timeZone, invitees: imported.invitees, ...(imported.recurrence !== undefined ? { recurrence: imported.recurrence } : {}) });
    } catch (err) {
      setError(err instanceof IcsImportError ? t('meetingImportFailed', { reason: err.message }) : String(err));
    }
  };

  const cancel = async (m: ScheduledMeeting) => {
    if (!window.confirm(t('meetingCancelConfirm', { title: m.title }))) return;
    try {
      await scheduling.cancel(m.id);
      setNotice(t('meetingCancelled', { title: m.title }));
      load();
    } catch (err) {
      store.fail(err);
    }
  };

  const me = store.me;
  return (
    <div className="search-view stack meetings-view">
      <h1>{t('meetingsTitle')}</h1>
      <div className="row wrap">
        <button type="button" onClick={() => setDraft(defaultDraft(timeZone))}>
          {t('meetingSchedule')}
        </button>
        <label className="button-like">
          {t('meetingImport')}
          <input
            ref={fileInput}
            type="file"
            accept=".ics,text/calendar"
            className="visually-hidden"
            onChange={(e) => {
              const file = e.target.files?.[0];
              if (file !== undefined) void importFile(file);
              e.target.value = '';
            }}
          />
        </label>
      </div>
      {notice !== undefined && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {error !== undefined && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <section aria-labelledby="meetings-upcoming" className="stack">
        <h2 id="meetings-upcoming">{t('meetingsUpcoming')}</h2>
        {meetings === undefined ? (
          <p role="status">{t('loading')}</p>
        ) : meetings.length === 0 ? (
          <p className="muted">{t('meetingsNone')}</p>
        ) : (
          <ul className="care-list" aria-labelledby="meetings-upcoming">
            {meetings.map((m) => (
              <li key={`${m.id}:${m.start}`} className="card stack" data-meeting={m.id}>
                <div className="row wrap">
                  <strong>{m.title}</strong>
                  <span className="muted small">{t(`meetingState_${m.state}`)}</span>
                  {m.recurrence !== undefined && (
                    <span className="muted small" data-recurrence={m.recurrence}>
                      {t('meetingRepeatsLabel', { how: t(`meetingRepeat_${repeatChoiceOf(m.recurrence)}`), count: m.occurrences ?? 0 })}
                    </span>
                  )}
                </div>
                <span>
                  {day(m.start)} {time(m.start)} – {time(m.end)} <span className="muted small">({m.timezone})</span>
                </span>
                <span className="muted small">
                  {t('meetingHostNumber', { host: m.hostUserId === me ? t('scheduleYou') : m.hostDisplayName, number: m.meetingNumber })}
                </span>
                <div className="row wrap">
                  <a className="button-like" href={href({ view: 'space', roomId: m.roomId })}>
                    {t('scheduleJoin')}
                  </a>
                  {m.hostUserId === me && m.state !== 'ended' && (
                    <button type="button" className="small" onClick={() => void cancel(m)}>
                      {m.recurrence !== undefined ? t('meetingCancelSeries') : t('meetingCancel')}
                    </button>
                  )}
                </div>
              </li>
            ))}
          </ul>
        )}
      </section>
      {draft !== undefined && (
        <ScheduleDialog
          initial={draft}
          onClose={() => setDraft(undefined)}
          onScheduled={(m) => {
            setDraft(undefined);
            setNotice(t('meetingScheduled', { title: m.title, number: m.meetingNumber }));
            load();
          }}
        />
      )}
    </div>
  );
}
