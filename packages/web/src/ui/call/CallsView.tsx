/**
 * Calls (SPEC CL-1, CL-2): one's call history — outgoing, incoming and missed, with how each ended
 * and how long it lasted, and "Call back" — and one's call settings: do not disturb, and forwarding
 * (always, when on a call, on no answer) to another person. Reloaded whenever a call of one's ends.
 * @module
 */
import { useEffect, useId, useState, type FormEvent } from 'react';
import type { CallHistoryEntry, CallSettings } from '@flint/protocol';
import { useI18n } from '../../i18n/index.tsx';
import { PeoplePicker } from '../PeoplePicker.tsx';
import { useAppStore } from '../store-context.ts';
import { CallButtons } from './CallButtons.tsx';
import { formatDuration } from './CallWindow.tsx';

type ForwardField = 'forwardAlways' | 'forwardBusy' | 'forwardNoAnswer';
const FORWARDS: readonly [ForwardField, 'callForwardAlways' | 'callForwardBusy' | 'callForwardNoAnswer'][] = [
  ['forwardAlways', 'callForwardAlways'],
  ['forwardBusy', 'callForwardBusy'],
  ['forwardNoAnswer', 'callForwardNoAnswer'],
];

export default function CallsView() {
  const { t, day, time } = useI18n();
  const store = useAppStore();
  const [items, setItems] = useState<CallHistoryEntry[] | undefined>();
  const endings = store.phone.endings;
  useEffect(() => {
    let live = true;
    store.session.sdk.calls.history({ max: 100 }).then(
      (page) => live && setItems(page.items),
      (e: unknown) => store.fail(e),
    );
    return () => {
      live = false;
    };
  }, [store, endings]);
  const typeLabel = (e: CallHistoryEntry) => (e.type === 'placed' ? t('callHistoryPlaced') : e.type === 'received' ? t('callHistoryReceived') : t('callHistoryMissed'));
  return (
    <section className="calls-view" aria-labelledby="calls-title">
      <h1 id="calls-title">{t('callHistory')}</h1>
      {items === undefined && <p role="status">{t('loading')}</p>}
      {items?.length === 0 && <p className="empty">{t('callHistoryEmpty')}</p>}
      {items !== undefined && items.length > 0 && (
        <ul className="call-history">
          {items.map((e) => (
            <li key={e.id} className={`call-entry ${e.type}`} data-call={e.callId} data-type={e.type} data-outcome={e.outcome}>
              <span className="call-entry-name">{e.other.displayName}</span>
              <span className={e.type === 'missed' ? 'tag danger' : 'tag'}>{typeLabel(e)}</span>
              <span className="muted small">{t(`callOutcome_${e.outcome}`)}</span>
              {e.durationSeconds > 0 && <span className="muted small call-entry-duration">{t('callDuration', { duration: formatDuration(e.durationSeconds) })}</span>}
              <time className="muted small" dateTime={e.started}>
                {day(e.started)} {time(e.started)}
              </time>
              <span className="spacer" />
              <CallButtons personId={e.other.personId} name={e.other.displayName} {...(e.roomId !== undefined ? { roomId: e.roomId } : {})} />
            </li>
          ))}
        </ul>
      )}
      <CallSettingsForm />
    </section>
  );
}

function CallSettingsForm() {
  const { t } = useI18n();
  const store = useAppStore();
  const dndId = useId();
  const [settings, setSettings] = useState<CallSettings | undefined>();
  const [emails, setEmails] = useState<Record<ForwardField, string>>({ forwardAlways: '', forwardBusy: '', forwardNoAnswer: '' });
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    store.session.sdk.calls.settings().then(async (s) => {
      setSettings(s);
      const ids = FORWARDS.map(([f]) => s[f]).filter((x): x is string => x !== undefined);
      await store.ensurePeople(ids);
      const email = (id: string | undefined) => (id === undefined ? '' : (store.people.get(id)?.email ?? ''));
      setEmails({ forwardAlways: email(s.forwardAlways), forwardBusy: email(s.forwardBusy), forwardNoAnswer: email(s.forwardNoAnswer) });
    }, (e: unknown) => store.fail(e));
  }, [store]);
  if (settings === undefined) return null;
  const save = (e: FormEvent) => {
    e.preventDefault();
    setSaved(false);
    void (async () => {
      const forwards: Partial<Record<ForwardField, string | null>> = {};
      for (const [field] of FORWARDS) {
        const address = emails[field].trim();
        forwards[field] = address === '' ? null : ((await store.session.client.people.list({ email: address })).items[0]?.id ?? null);
      }
      setSettings(await store.session.sdk.calls.updateSettings({ doNotDisturb: settings.doNotDisturb, ...forwards }));
      setSaved(true);
    })().catch((error: unknown) => store.fail(error));
  };
  return (
    <form className="call-settings" onSubmit={save} aria-labelledby="call-settings-title">
      <h2 id="call-settings-title">{t('callSettings')}</h2>
      <div className="field-row">
        <input id={dndId} type="checkbox" checked={settings.doNotDisturb} onChange={(e) => setSettings({ ...settings, doNotDisturb: e.target.checked })} />
        <label htmlFor={dndId}>{t('callDnd')}</label>
      </div>
      {FORWARDS.map(([field, label]) => (
        <PeoplePicker key={field} label={t(label)} value={emails[field]} onChange={(address) => setEmails({ ...emails, [field]: address })} exclude={new Set([store.me])} />
      ))}
      <button type="submit" className="button primary">
        {t('save')}
      </button>
      {saved && (
        <p role="status" className="muted small">
          {t('callSettingsSaved')}
        </p>
      )}
    </form>
  );
}
