/**
 * Notification settings (SPEC MS-5): this device (browser permission, Web Push), one's defaults,
 * do-not-disturb hours and team levels in Settings; one space's level and mute in its details panel.
 * @module
 */
import { useEffect, useRef, useState } from 'react';
import type { NotificationLevel, NotificationSettings as Settings, ScopeSetting } from '@flint/protocol';
import type { SecureRoom } from '@flint/sdk';
import { useI18n } from '../i18n/index.tsx';
import { useAppStore } from './store-context.ts';
import { pushSupported, type PermissionState } from '../app/notifications.ts';

const LEVEL_KEYS = { all: 'notifyLevelAll', mentions: 'notifyLevelMentions', off: 'notifyLevelOff' } as const;
const MUTES = [
  ['notifyMuteHour', 3_600_000],
  ['notifyMuteEight', 8 * 3_600_000],
  ['notifyMuteDay', 86_400_000],
  ['notifyMuteWeek', 7 * 86_400_000],
] as const;

function useSettings(): [Settings | undefined, (s: Settings) => void] {
  const store = useAppStore();
  const [settings, setSettings] = useState<Settings | undefined>(store.notifier.settings);
  const update = (s: Settings) => {
    store.notifier.settings = s;
    setSettings(s);
    store.changed();
  };
  return [settings, update];
}

export function NotificationSettingsCard() {
  const { t } = useI18n();
  const store = useAppStore();
  const { notifier } = store;
  const { client } = store.session;
  const [settings, setSettings] = useSettings();
  const [permission, setPermission] = useState<PermissionState>(notifier.permission);
  const [push, setPush] = useState(notifier.pushOn);
  const [pushError, setPushError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const saves = useRef(0);

  useEffect(() => {
    if (settings === undefined) void client.notifications.settings().then(setSettings, (e: unknown) => store.fail(e));
  }, []);

  if (settings === undefined) return null;
  const d = settings.defaults;
  // Shown at once (a checkbox or select follows the click), then what the server kept; put back if refused.
  const save = (body: Parameters<typeof client.notifications.updateDefaults>[0]) => {
    const { quietHours, ...rest } = body;
    const next = { ...settings.defaults, ...rest };
    if (quietHours === null) delete next.quietHours;
    else if (quietHours !== undefined) next.quietHours = quietHours;
    setSettings({ ...settings, defaults: next });
    // Only the latest save's answer is shown: an earlier one arriving late would undo a later click.
    const mine = ++saves.current;
    void client.notifications.updateDefaults(body).then(
      (kept) => mine === saves.current && setSettings(kept),
      (e: unknown) => {
        if (mine === saves.current) setSettings(settings);
        store.fail(e);
      },
    );
  };
  const setTeam = (id: string, level: NotificationLevel | null) =>
    void client.notifications.setTeam(id, { level }).then(
      (s) => setSettings({ ...settings, teams: [...settings.teams.filter((x) => x.id !== id), ...(s.level !== undefined || s.muteUntil !== undefined ? [s] : [])] }),
      (e: unknown) => store.fail(e),
    );
  const permissionText = { granted: t('notifyPermissionGranted'), default: t('notifyPermissionDefault'), denied: t('notifyPermissionDenied'), unsupported: t('notifyPermissionUnsupported') }[permission];
  const quiet = d.quietHours;
  const teams = [...store.teams.values()];

  return (
    <section aria-labelledby="notifications-title" className="card stack notify-card">
      <h2 id="notifications-title">{t('notifications')}</h2>
      <h3 id="notify-device-title">{t('notifyThisDevice')}</h3>
      <p className="muted small" role="status">
        {permissionText}
      </p>
      {permission === 'default' && (
        <div>
          <button type="button" className="small" onClick={() => void notifier.requestPermission().then(setPermission)}>
            {t('notifyAllow')}
          </button>
        </div>
      )}
      {pushSupported() && (
        <label className="check">
          <input
            type="checkbox"
            checked={push}
            disabled={busy}
            onChange={(e) => {
              const on = e.target.checked;
              setBusy(true);
              setPushError(undefined);
              void (on ? notifier.enablePush() : notifier.disablePush())
                .then(
                  () => setPush(on),
                  (error: unknown) => {
                    setPush(notifier.pushOn);
                    setPushError(error instanceof Error ? error.message : String(error));
                  },
                )
                .finally(() => {
                  setBusy(false);
                  setPermission(notifier.permission);
                });
            }}
          />
          {t('notifyPush')}
        </label>
      )}
      {pushError !== undefined && (
        <p className="error small" role="alert">
          {t('notifyPushFailed', { reason: pushError })}
        </p>
      )}
      <p className="muted small">{t('notifyPushNote')}</p>

      <h3>{t('notifyDefaults')}</h3>
      <label htmlFor="notify-level">{t('notifyLevel')}</label>
      <div>
        <select id="notify-level" value={d.messages} onChange={(e) => save({ messages: e.target.value as NotificationLevel })}>
          {(['all', 'mentions', 'off'] as const).map((l) => (
            <option key={l} value={l}>
              {t(LEVEL_KEYS[l])}
            </option>
          ))}
        </select>
      </div>
      <label className="check">
        <input type="checkbox" checked={d.addedToSpace} onChange={(e) => save({ addedToSpace: e.target.checked })} />
        {t('notifyAdded')}
      </label>
      <label className="check">
        <input type="checkbox" checked={d.email} onChange={(e) => save({ email: e.target.checked })} />
        {t('notifyEmail')}
      </label>
      <label className="check">
        <input type="checkbox" checked={quiet !== undefined} onChange={(e) => save({ quietHours: e.target.checked ? { start: '22:00', end: '07:00' } : null })} />
        {t('notifyQuiet')}
      </label>
      {quiet !== undefined && (
        <div className="row">
          <label>
            {t('notifyQuietFrom')}{' '}
            <input type="time" value={quiet.start} required onChange={(e) => e.target.value !== '' && e.target.value !== quiet.end && save({ quietHours: { start: e.target.value, end: quiet.end } })} />
          </label>
          <label>
            {t('notifyQuietTo')}{' '}
            <input type="time" value={quiet.end} required onChange={(e) => e.target.value !== '' && e.target.value !== quiet.start && save({ quietHours: { start: quiet.start, end: e.target.value } })} />
          </label>
        </div>
      )}
      <p className="muted small">{t('notifyQuietNote', { zone: settings.timezone })}</p>

      {teams.length > 0 && (
        <>
          <h3>{t('notifyTeams')}</h3>
          {teams.map((team) => {
            const mine = settings.teams.find((s) => s.id === team.team.id);
            const id = `notify-team-${team.team.id}`;
            return (
              <div key={team.team.id} className="row">
                <label htmlFor={id} className="grow">
                  {team.name ?? '—'}
                </label>
                <select id={id} value={mine?.level ?? ''} onChange={(e) => setTeam(team.team.id, e.target.value === '' ? null : (e.target.value as NotificationLevel))}>
                  <option value="">{t('notifyLevelInherit', { level: t(LEVEL_KEYS[d.messages]) })}</option>
                  {(['all', 'mentions', 'off'] as const).map((l) => (
                    <option key={l} value={l}>
                      {t(LEVEL_KEYS[l])}
                    </option>
                  ))}
                </select>
              </div>
            );
          })}
        </>
      )}
    </section>
  );
}

/** One space's notifications, in its details panel. */
export function SpaceNotifications({ room }: { room: SecureRoom }) {
  const { t, time, day } = useI18n();
  const store = useAppStore();
  const { client } = store.session;
  const [settings, setSettings] = useSettings();
  if (settings === undefined) return null;
  const mine: ScopeSetting | undefined = settings.spaces.find((s) => s.id === room.id);
  const team = room.teamId !== undefined ? settings.teams.find((s) => s.id === room.teamId) : undefined;
  const inherited = team?.level ?? settings.defaults.messages;
  const change = (body: { level?: NotificationLevel | null; muteUntil?: string | null }) =>
    void client.notifications.setSpace(room.id, body).then(
      (s) => setSettings({ ...settings, spaces: [...settings.spaces.filter((x) => x.id !== room.id), ...(s.level !== undefined || s.muteUntil !== undefined ? [s] : [])] }),
      (e: unknown) => store.fail(e),
    );
  const muted = mine?.muteUntil !== undefined && Date.parse(mine.muteUntil) > Date.now() ? new Date(mine.muteUntil) : undefined;
  return (
    <section aria-labelledby="space-notify-title" className="stack">
      <h3 id="space-notify-title">{t('notifications')}</h3>
      <label htmlFor="space-notify-level" className="visually-hidden">
        {t('notifyLevel')}
      </label>
      <select id="space-notify-level" value={mine?.level ?? ''} onChange={(e) => change({ level: e.target.value === '' ? null : (e.target.value as NotificationLevel) })}>
        <option value="">{t('notifyLevelInherit', { level: t(LEVEL_KEYS[inherited]) })}</option>
        {(['all', 'mentions', 'off'] as const).map((l) => (
          <option key={l} value={l}>
            {t(LEVEL_KEYS[l])}
          </option>
        ))}
      </select>
      {muted !== undefined ? (
        <div className="row">
          <span className="grow small">{t('notifyMutedUntil', { when: `${day(muted)} ${time(muted)}` })}</span>
          <button type="button" className="small" onClick={() => change({ muteUntil: null })}>
            {t('notifyUnmute')}
          </button>
        </div>
      ) : (
        <>
          <label htmlFor="space-notify-mute" className="visually-hidden">
            {t('notifyMute')}
          </label>
          <select id="space-notify-mute" value="" onChange={(e) => e.target.value !== '' && change({ muteUntil: new Date(Date.now() + Number(e.target.value)).toISOString() })}>
            <option value="">{t('notifyMuteNone')}</option>
            {MUTES.map(([key, ms]) => (
              <option key={key} value={ms}>
                {t(key)}
              </option>
            ))}
          </select>
        </>
      )}
    </section>
  );
}
