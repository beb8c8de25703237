/**
 * Schedules and auto attendants in the console (SPEC CL-4): a business-hours schedule (weekdays and
 * hours) or a holiday (dates, yearly or not) of a location, in its time zone; an auto attendant
 * with its schedules, a business-hours menu (greeting text, dial by extension, keys routing to an
 * extension or number, or to a person's voicemail) and an after-hours menu; its greeting spoken by
 * the TTS engine. Submenus are edited through the API (`PUT /api/telephony/autoAttendants/:id`).
 * @module
 */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { TELEPHONY_LIMITS, WEEKDAYS, type AttendantMenu, type AutoAttendant, type MenuAction, type Schedule, type TelephonyLocation, type Weekday } from '@flint/protocol';
import { useI18n } from '../../../i18n/index.tsx';
import { LocationField } from './LocationField.tsx';
import { useAppStore } from '../../store-context.ts';

interface KeyRow {
  key: string;
  action: MenuAction;
  destination: string;
}

const KEY_ACTIONS: readonly MenuAction[] = ['TRANSFER', 'VOICEMAIL', 'EXTENSION_DIALING', 'REPEAT_MENU', 'EXIT'];
const ACTION_LABEL = { TRANSFER: 'telActTransfer', VOICEMAIL: 'telActVoicemail', EXTENSION_DIALING: 'telActDial', REPEAT_MENU: 'telActRepeat', EXIT: 'telActExit', SUBMENU: 'telActSubmenu', RETURN: 'telActReturn' } as const satisfies Record<MenuAction, string>;
const DAY_LABEL = { sunday: 'telSun', monday: 'telMon', tuesday: 'telTue', wednesday: 'telWed', thursday: 'telThu', friday: 'telFri', saturday: 'telSat' } as const satisfies Record<Weekday, string>;

function menuOf(greeting: string, extensionEnabled: boolean, rows: KeyRow[]): AttendantMenu {
  return {
    ...(greeting.trim() !== '' ? { greeting: greeting.trim() } : {}),
    extensionEnabled,
    keys: rows.filter((r) => r.key !== '').map((r) => ({ key: r.key, action: r.action, ...(r.action === 'TRANSFER' || r.action === 'VOICEMAIL' ? { destination: r.destination } : {}) })),
  };
}

function KeyRows({ label, rows, onChange }: { label: string; rows: KeyRow[]; onChange: (rows: KeyRow[]) => void }) {
  const { t } = useI18n();
  const set = (i: number, patch: Partial<KeyRow>) => onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <fieldset className="stack">
      <legend>{label}</legend>
      {rows.map((r, i) => (
        <div className="row" key={i}>
          <input aria-label={`${label}: ${t('telKey')} ${i + 1}`} maxLength={1} pattern="[0-9*#]" size={2} value={r.key} onChange={(e) => set(i, { key: e.target.value })} />
          <select aria-label={`${label}: ${t('telAction')} ${i + 1}`} value={r.action} onChange={(e) => set(i, { action: e.target.value as MenuAction })}>
            {KEY_ACTIONS.map((a) => (
              <option key={a} value={a}>
                {t(ACTION_LABEL[a])}
              </option>
            ))}
          </select>
          {(r.action === 'TRANSFER' || r.action === 'VOICEMAIL') && (
            <input aria-label={`${label}: ${t('telDestination')} ${i + 1}`} required pattern="(\+[1-9][0-9]{7,14}|[0-9]{3,5})" title={t('telDestinationRule')} value={r.destination} onChange={(e) => set(i, { destination: e.target.value })} />
          )}
        </div>
      ))}
      {rows.length < 12 && (
        <div>
          <button type="button" className="small" onClick={() => onChange([...rows, { key: '', action: 'TRANSFER', destination: '' }])}>
            {t('telAddKey')}
          </button>
        </div>
      )}
    </fieldset>
  );
}

export function TelephonyAttendants({ locations, onChange }: { locations: TelephonyLocation[]; onChange: () => void }) {
  const { t } = useI18n();
  const store = useAppStore();
  const { client } = store.session;
  const [schedules, setSchedules] = useState<Schedule[]>([]);
  const [attendants, setAttendants] = useState<AutoAttendant[]>([]);
  const [notice, setNotice] = useState<string | undefined>();
  const load = useCallback(() => {
    client.telephony.schedules().then(setSchedules, (e: unknown) => store.fail(e));
    client.telephony.attendants().then(setAttendants, (e: unknown) => store.fail(e));
  }, [client, store]);
  useEffect(load, [load]);
  const act = async (work: () => Promise<string>) => {
    setNotice(undefined);
    try {
      setNotice(await work());
      load();
      onChange();
    } catch (error) {
      store.fail(error);
    }
  };

  // The schedule form.
  const [sName, setSName] = useState('');
  const [sType, setSType] = useState<'businessHours' | 'holidays'>('businessHours');
  const [sLocation, setSLocation] = useState('');
  const [days, setDays] = useState<Weekday[]>(['monday', 'tuesday', 'wednesday', 'thursday', 'friday']);
  const [from, setFrom] = useState('09:00');
  const [to, setTo] = useState('17:00');
  const [date, setDate] = useState('');
  const [yearly, setYearly] = useState(true);
  const saveSchedule = (e: FormEvent) => {
    e.preventDefault();
    const today = new Date().toISOString().slice(0, 10);
    const event =
      sType === 'businessHours'
        ? { name: sName, startDate: today, endDate: today, startTime: from, endTime: to, allDayEnabled: false, recurWeekly: days }
        : { name: sName, startDate: date, endDate: date, allDayEnabled: true, ...(yearly ? { recurYearly: true } : {}) };
    void act(async () => {
      await client.telephony.createSchedule({ name: sName, type: sType, locationId: sLocation || locations[0]?.id || '', events: [event] });
      setSName('');
      return t('telScheduleCreated');
    });
  };

  // The attendant form.
  const [aName, setAName] = useState('');
  const [aLocation, setALocation] = useState('');
  const [aExtension, setAExtension] = useState('');
  const [hoursId, setHoursId] = useState('');
  const [holidaysId, setHolidaysId] = useState('');
  const [greeting, setGreeting] = useState('');
  const [dialing, setDialing] = useState(true);
  const [businessKeys, setBusinessKeys] = useState<KeyRow[]>([{ key: '1', action: 'TRANSFER', destination: '' }]);
  const [afterGreeting, setAfterGreeting] = useState('');
  const [afterKeys, setAfterKeys] = useState<KeyRow[]>([]);
  const locationId = aLocation || locations[0]?.id || '';
  const ofLocation = (type: string) => schedules.filter((s) => s.locationId === locationId && s.type === type);
  const saveAttendant = (e: FormEvent) => {
    e.preventDefault();
    void act(async () => {
      await client.telephony.createAttendant({
        name: aName,
        locationId,
        ...(aExtension !== '' ? { extension: aExtension } : {}),
        ...(hoursId !== '' ? { businessScheduleId: hoursId } : {}),
        ...(holidaysId !== '' ? { holidayScheduleId: holidaysId } : {}),
        businessHoursMenu: menuOf(greeting, dialing, businessKeys),
        afterHoursMenu: menuOf(afterGreeting, false, afterKeys),
      });
      setAName('');
      setAExtension('');
      return t('telAttendantCreated');
    });
  };

  return (
    <section className="stack" aria-labelledby="tel-attendants">
      <h3 id="tel-attendants">{t('telAttendants')}</h3>
      {notice !== undefined && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {schedules.length > 0 && (
        <table className="admin-table" data-testid="tel-schedules">
          <caption>{t('telSchedules')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('telName')}</th>
              <th scope="col">{t('telScheduleType')}</th>
              <th scope="col">{t('telLocation')}</th>
              <th scope="col">{t('actions')}</th>
            </tr>
          </thead>
          <tbody>
            {schedules.map((s) => (
              <tr key={s.id} data-schedule={s.name}>
                <th scope="row">{s.name}</th>
                <td>{s.type === 'holidays' ? t('telHolidays') : t('telBusinessHours')}</td>
                <td>{locations.find((l) => l.id === s.locationId)?.name ?? ''}</td>
                <td>
                  <button type="button" className="small" aria-label={`${t('telRemove')}: ${s.name}`} onClick={() => void act(async () => (await client.telephony.deleteSchedule(s.id), t('telScheduleRemoved')))}>
                    {t('telRemove')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form className="stack card" onSubmit={saveSchedule} aria-label={t('telCreateSchedule')}>
        <div className="row">
          <label>
            {t('telName')}
            <input required maxLength={TELEPHONY_LIMITS.nameChars} value={sName} onChange={(e) => setSName(e.target.value)} />
          </label>
          <label>
            {t('telScheduleType')}
            <select aria-label={t('telScheduleType')} value={sType} onChange={(e) => setSType(e.target.value as 'businessHours' | 'holidays')}>
              <option value="businessHours">{t('telBusinessHours')}</option>
              <option value="holidays">{t('telHolidays')}</option>
            </select>
          </label>
          <LocationField locations={locations} value={sLocation} onChange={setSLocation} />
        </div>
        {sType === 'businessHours' ? (
          <>
            <fieldset className="row">
              <legend>{t('telDays')}</legend>
              {WEEKDAYS.map((d) => (
                <label key={d} className="row">
                  <input type="checkbox" checked={days.includes(d)} onChange={() => setDays(days.includes(d) ? days.filter((x) => x !== d) : [...days, d])} />
                  {t(DAY_LABEL[d])}
                </label>
              ))}
            </fieldset>
            <div className="row">
              <label>
                {t('telFrom')}
                <input type="time" required value={from} onChange={(e) => setFrom(e.target.value)} />
              </label>
              <label>
                {t('telTo')}
                <input type="time" required value={to} onChange={(e) => setTo(e.target.value)} />
              </label>
            </div>
          </>
        ) : (
          <div className="row">
            <label>
              {t('telDate')}
              <input type="date" required value={date} onChange={(e) => setDate(e.target.value)} />
            </label>
            <label className="row">
              <input type="checkbox" checked={yearly} onChange={(e) => setYearly(e.target.checked)} />
              {t('telEveryYear')}
            </label>
          </div>
        )}
        <div>
          <button type="submit" disabled={locations.length === 0 || (sType === 'businessHours' && days.length === 0)}>
            {t('telCreateSchedule')}
          </button>
        </div>
      </form>

      {attendants.length > 0 && (
        <table className="admin-table" data-testid="tel-attendants">
          <caption>{t('telAttendants')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('telName')}</th>
              <th scope="col">{t('telExtension')}</th>
              <th scope="col">{t('telMenu')}</th>
              <th scope="col">{t('actions')}</th>
            </tr>
          </thead>
          <tbody>
            {attendants.map((a) => (
              <tr key={a.id} data-attendant={a.name}>
                <th scope="row">{a.name}</th>
                <td>{a.extension ?? '—'}</td>
                <td>{a.businessHoursMenu.keys.map((k) => `${k.key} → ${t(ACTION_LABEL[k.action])}${k.destination !== undefined ? ` ${k.destination}` : ''}`).join('; ')}</td>
                <td className="row">
                  {a.businessHoursMenu.greeting !== undefined && (
                    <button type="button" className="small" aria-label={`${t('telSpeakGreeting')}: ${a.name}`} onClick={() => void act(async () => (await client.telephony.speakGreeting(a.id, 'business'), t('telGreetingMade')))}>
                      {a.greetings.some((g) => g.menu === 'business') ? t('telSpeakAgain') : t('telSpeakGreeting')}
                    </button>
                  )}
                  <button type="button" className="small" aria-label={`${t('telRemove')}: ${a.name}`} onClick={() => void act(async () => (await client.telephony.deleteAttendant(a.id), t('telAttendantRemoved')))}>
                    {t('telRemove')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form className="stack card" onSubmit={saveAttendant} aria-label={t('telCreateAttendant')}>
        <div className="row">
          <label>
            {t('telName')}
            <input required maxLength={TELEPHONY_LIMITS.nameChars} value={aName} onChange={(e) => setAName(e.target.value)} />
          </label>
          <LocationField locations={locations} value={locationId} onChange={setALocation} />
          <label>
            {t('telExtension')}
            <input inputMode="numeric" pattern="[0-9]{3,5}" title={t('telExtensionRule')} value={aExtension} onChange={(e) => setAExtension(e.target.value)} />
          </label>
        </div>
        <div className="row">
          <label>
            {t('telBusinessHours')}
            <select aria-label={t('telBusinessHours')} value={hoursId} onChange={(e) => setHoursId(e.target.value)}>
              <option value="">{t('telAlwaysOpen')}</option>
              {ofLocation('businessHours').map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('telHolidays')}
            <select aria-label={t('telHolidays')} value={holidaysId} onChange={(e) => setHolidaysId(e.target.value)}>
              <option value="">{t('telNoHolidays')}</option>
              {ofLocation('holidays').map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
          </label>
        </div>
        <label>
          {t('telGreeting')}
          <textarea maxLength={TELEPHONY_LIMITS.greetingChars} rows={2} value={greeting} onChange={(e) => setGreeting(e.target.value)} />
        </label>
        <label className="row">
          <input type="checkbox" checked={dialing} onChange={(e) => setDialing(e.target.checked)} />
          {t('telDialByExtension')}
        </label>
        <KeyRows label={t('telBusinessKeys')} rows={businessKeys} onChange={setBusinessKeys} />
        <label>
          {t('telAfterGreeting')}
          <textarea maxLength={TELEPHONY_LIMITS.greetingChars} rows={2} value={afterGreeting} onChange={(e) => setAfterGreeting(e.target.value)} />
        </label>
        <KeyRows label={t('telAfterKeys')} rows={afterKeys} onChange={setAfterKeys} />
        <div>
          <button type="submit" disabled={locations.length === 0}>
            {t('telCreateAttendant')}
          </button>
        </div>
      </form>
    </section>
  );
}
