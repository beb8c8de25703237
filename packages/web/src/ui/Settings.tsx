/**
 * Profile and sessions (SPEC ID-1, ID-4, ID-8, AD-4): name, avatar, password, language and time zone, and one's
 * sessions with their host information, each revocable.
 * @module
 */
import { useCallback, useEffect, useState } from 'react';
import type { Session as SessionInfo } from '@flint/protocol';
import { useI18n } from '../i18n/index.tsx';
import { useAppStore } from './store-context.ts';
import { Avatar } from './Avatar.tsx';
import { ConnectionTest, ServiceNoticesSetting } from './ConnectionTest.tsx';
import { timeZoneNames } from './time-zones.ts';
import { Feedback } from './Feedback.tsx';
import { KeyDevices } from './KeyDevices.tsx';
import { DeleteAccount, OwnData } from './OwnData.tsx';
import { AllowedIntegrations } from './Integrations.tsx';
import { NotificationSettingsCard } from './NotificationSettings.tsx';
import { LocationSettingCard } from './Location.tsx';
import { PasscodeSettingsCard } from './PasscodeSettings.tsx';
import { PersonalRoomSettings } from './scheduling/PersonalRoomSettings.tsx';
import { VoicemailSettingsCard } from './voicemail/VoicemailSettingsCard.tsx';
import { TelephonySettingsCard } from './TelephonySettings.tsx';
import { LANGUAGES, browserTimeZone, type Language } from '../i18n/index.tsx';

export default function Settings() {
  const { t, relative } = useI18n();
  const store = useAppStore();
  const { client } = store.session;
  const me = store.session.me;
  const [name, setName] = useState(me.displayName);
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  // A key, not a text: the notice follows a language change made by the save it reports.
  const [notice, setNotice] = useState<'saved' | 'passwordChanged' | undefined>();
  const [sessions, setSessions] = useState<SessionInfo[]>([]);

  const loadSessions = useCallback(() => void client.sessions.list().then(setSessions, (e: unknown) => store.fail(e)), [client, store]);
  useEffect(loadSessions, [loadSessions]);

  const refreshMe = (person: typeof me) => {
    store.session.me = person;
    store.person({ id: person.id, displayName: person.displayName, email: person.emails[0] ?? '', avatar: person.avatar });
    store.changed();
  };

  const act = async (work: () => Promise<void>, done: 'saved' | 'passwordChanged') => {
    setNotice(undefined);
    try {
      await work();
      setNotice(done);
    } catch (error) {
      store.fail(error);
    }
  };

  return (
    <div className="settings">
      <h1>{t('settings')}</h1>
      {notice !== undefined && (
        <p className="notice" role="status">
          {t(notice)}
        </p>
      )}
      <section aria-labelledby="profile-title" className="card stack">
        <h2 id="profile-title">{t('profile')}</h2>
        <div className="row">
          <Avatar personId={me.id} size={64} />
          <label className="button small">
            {t('changeAvatar')}
            <input
              type="file"
              accept="image/png,image/jpeg,image/webp,image/gif"
              hidden
              onChange={(e) => {
                const file = e.target.files?.[0];
                e.target.value = '';
                if (file !== undefined) void act(async () => refreshMe(await client.people.setAvatar(file, file.type)), 'saved');
              }}
            />
          </label>
          {me.avatar !== undefined && (
            <button
              type="button"
              className="small"
              onClick={() =>
                void act(async () => {
                  await client.people.deleteAvatar();
                  refreshMe({ ...me, avatar: undefined });
                  store.people.set(me.id, { ...store.people.get(me.id)!, avatar: undefined });
                }, 'saved')
              }
            >
              {t('removeAvatar')}
            </button>
          )}
        </div>
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            void act(async () => refreshMe(await client.people.updateMe({ displayName: name.trim() })), 'saved');
          }}
        >
          <label className="grow">
            {t('displayName')}
            <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={128} autoComplete="name" />
          </label>
          <button type="submit" className="primary small">
            {t('save')}
          </button>
        </form>
      </section>
      <Preferences onSaved={() => setNotice('saved')} />
      <NotificationSettingsCard />
      <LocationSettingCard />
      <PersonalRoomSettings />
      <VoicemailSettingsCard />
      <TelephonySettingsCard />
      <Feedback />
      <section aria-labelledby="password-title" className="card">
        <h2 id="password-title">{t('changePassword')}</h2>
        <form
          className="stack"
          onSubmit={(e) => {
            e.preventDefault();
            void act(async () => {
              await client.people.changePassword({ currentPassword: current, newPassword: next });
              // The KMS's password credential follows, set by this (enrolled) browser: the new
              // password then enrolls new browsers, the old one no longer does.
              await store.session.sdk.updateKmsPassword(next);
              setCurrent('');
              setNext('');
              loadSessions();
            }, 'passwordChanged');
          }}
        >
          <input type="text" name="username" autoComplete="username" value={me.emails[0] ?? ''} readOnly hidden />
          <label>
            {t('currentPassword')}
            <input type="password" autoComplete="current-password" required value={current} onChange={(e) => setCurrent(e.target.value)} />
          </label>
          <label>
            {t('newPassword')}
            <input type="password" autoComplete="new-password" required minLength={10} value={next} onChange={(e) => setNext(e.target.value)} />
          </label>
          <button type="submit" className="primary small">
            {t('changePassword')}
          </button>
        </form>
      </section>
      <PasscodeSettingsCard />
      <section aria-labelledby="sessions-title" className="card">
        <h2 id="sessions-title">{t('sessions')}</h2>
        <ul className="session-list">
          {sessions.map((s) => (
            <li key={s.id} className="row">
              <span className="grow">
                <strong>{s.current ? t('thisSession') : (s.clientVersion ?? s.kind)}</strong>
                <br />
                <span className="muted small">
                  {[s.userAgent, s.ip, t('lastSeen', { when: relative(s.lastSeen) })].filter((x) => x !== undefined).join(' · ')}
                </span>
              </span>
              {!s.current && (
                <button type="button" className="small danger" onClick={() => void act(async () => (await client.sessions.revoke(s.id), loadSessions()), 'saved')}>
                  {t('revoke')}
                </button>
              )}
            </li>
          ))}
        </ul>
        <p className="muted small">{t('storageNote')}</p>
      </section>
      <AllowedIntegrations />
      <KeyDevices />
      <ServiceNoticesSetting />
      <ConnectionTest />
      <OwnData />
      <DeleteAccount />
    </div>
  );
}

/**
 * Language and time zone (SPEC AD-4), kept by the server so they follow the person to every
 * device; "the organization's default" clears the person's own choice.
 */
function Preferences({ onSaved }: { onSaved: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const store = useAppStore();
  const me = store.session.me;
  const defaults = store.session.orgDefaults;
  const [language, setLanguage] = useState<string>(me.language ?? '');
  const [zone, setZone] = useState<string>(me.timezone ?? '');
  const zones = timeZoneNames();
  if (zone !== '' && !zones.includes(zone)) zones.unshift(zone);
  return (
    <section aria-labelledby="preferences-title" className="card">
      <h2 id="preferences-title">{t('preferences')}</h2>
      <form
        className="stack"
        onSubmit={(e) => {
          e.preventDefault();
          void (async () => {
            try {
              const person = await store.session.client.people.updateMe({
                language: language === '' ? null : (language as Language),
                timezone: zone === '' ? null : zone,
              });
              store.session.me = person;
              const prefs = store.session.preferences();
              if (prefs.language !== undefined) i18n.setLanguage(prefs.language);
              i18n.setTimeZone(prefs.timezone ?? browserTimeZone());
              onSaved();
            } catch (error) {
              store.fail(error);
            }
          })();
        }}
      >
        <label htmlFor="pref-language">{t('language')}</label>
        <div>
          <select id="pref-language" value={language} onChange={(e) => setLanguage(e.target.value)}>
            <option value="">{defaults?.language === undefined ? t('browserLanguage') : t('orgDefault', { value: LANGUAGES[defaults.language].name })}</option>
            {Object.entries(LANGUAGES).map(([code, l]) => (
              <option key={code} value={code} lang={code}>
                {l.name}
              </option>
            ))}
          </select>
        </div>
        <label htmlFor="pref-zone">{t('timeZone')}</label>
        <div>
          <select id="pref-zone" value={zone} onChange={(e) => setZone(e.target.value)}>
            <option value="">{t('orgDefault', { value: defaults?.timezone ?? 'UTC' })}</option>
            {zones.map((z) => (
              <option key={z} value={z}>
                {z}
              </option>
            ))}
          </select>
        </div>
        <p className="muted small">{t('timeZoneNow', { zone: i18n.timeZone, time: i18n.time(new Date()) })}</p>
        <button type="submit" className="primary small">
          {t('save')}
        </button>
      </form>
    </section>
  );
}
