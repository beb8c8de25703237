/**
 * The number map (SPEC CL-5): each DID of the org with its location and whom it reaches — a
 * person, a hunt group or an auto attendant — the company number, adding a number and mapping it.
 * @module
 */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { AutoAttendant, HuntGroup, OwnerType, PersonCalling, PhoneNumber, TelephonyLocation, TelephonySettings } from '@flint/protocol';
import { useI18n } from '../../../i18n/index.tsx';
import { LocationField } from './LocationField.tsx';
import { useAppStore } from '../../store-context.ts';

const OWNER_LABEL = { PEOPLE: 'telOwnerPerson', HUNT_GROUP: 'telOwnerHuntGroup', AUTO_ATTENDANT: 'telOwnerAttendant' } as const satisfies Record<OwnerType, string>;

export function TelephonyNumbers({ locations, people, groups, settings, onChange }: { locations: TelephonyLocation[]; people: PersonCalling[]; groups: HuntGroup[]; settings: TelephonySettings | undefined; onChange: () => void }) {
  const { t } = useI18n();
  const store = useAppStore();
  const { client } = store.session;
  const [numbers, setNumbers] = useState<PhoneNumber[]>([]);
  const [attendants, setAttendants] = useState<AutoAttendant[]>([]);
  const [phoneNumber, setPhoneNumber] = useState('');
  const [locationId, setLocationId] = useState('');
  const [notice, setNotice] = useState<string | undefined>();
  const load = useCallback(() => {
    client.telephony.numbers().then(setNumbers, (e: unknown) => store.fail(e));
    client.telephony.attendants().then(setAttendants, (e: unknown) => store.fail(e));
  }, [client, store]);
  // Reload when the shared lists change (a hunt group made or removed elsewhere on the page).
  useEffect(load, [load, groups, settings]);
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
  const owners: { value: string; label: string }[] = [
    ...people.map((p) => ({ value: `PEOPLE:${p.personId}`, label: `${t('telOwnerPerson')}: ${p.displayName}` })),
    ...groups.map((g) => ({ value: `HUNT_GROUP:${g.id}`, label: `${t('telOwnerHuntGroup')}: ${g.name}` })),
    ...attendants.map((a) => ({ value: `AUTO_ATTENDANT:${a.id}`, label: `${t('telOwnerAttendant')}: ${a.name}` })),
  ];
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void act(async () => {
      await client.telephony.addNumber({ phoneNumber: phoneNumber.replace(/[\s\-.()]/g, ''), locationId: locationId || locations[0]?.id || '' });
      setPhoneNumber('');
      return t('telNumberAdded');
    });
  };
  return (
    <section className="stack" aria-labelledby="tel-numbers">
      <h3 id="tel-numbers">{t('telNumberMap')}</h3>
      {notice !== undefined && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {numbers.length === 0 ? (
        <p className="muted">{t('telNoNumbers')}</p>
      ) : (
        <table className="admin-table" data-testid="tel-numbers">
          <thead>
            <tr>
              <th scope="col">{t('telNumber')}</th>
              <th scope="col">{t('telLocation')}</th>
              <th scope="col">{t('telReaches')}</th>
              <th scope="col">{t('actions')}</th>
            </tr>
          </thead>
          <tbody>
            {numbers.map((n) => (
              <tr key={n.id} data-number={n.phoneNumber}>
                <th scope="row">
                  {n.phoneNumber} {n.mainNumber && <span className="badge">{t('telCompanyNumber')}</span>}
                </th>
                <td>{n.locationName}</td>
                <td>
                  <select
                    aria-label={`${t('telReaches')}: ${n.phoneNumber}`}
                    value={n.owner !== undefined ? `${n.owner.type}:${n.owner.id}` : ''}
                    onChange={(e) => {
                      const [type, id] = e.target.value.split(':') as [OwnerType, string];
                      void act(async () => (await client.telephony.assignNumber(n.id, e.target.value === '' ? null : { type, id }), t('telNumberMapped')));
                    }}
                  >
                    <option value="">{t('telUnassigned')}</option>
                    {owners.map((o) => (
                      <option key={o.value} value={o.value}>
                        {o.label}
                      </option>
                    ))}
                  </select>
                  {n.owner !== undefined && <span className="muted small"> → {t(OWNER_LABEL[n.owner.type])}</span>}
                </td>
                <td className="row">
                  {!n.mainNumber && (
                    <button type="button" className="small" aria-label={`${t('telMakeCompany')}: ${n.phoneNumber}`} onClick={() => void act(async () => (await client.telephony.updateSettings({ companyNumber: n.phoneNumber }), t('telSaved')))}>
                      {t('telMakeCompany')}
                    </button>
                  )}
                  <button type="button" className="small" aria-label={`${t('telRemove')}: ${n.phoneNumber}`} onClick={() => void act(async () => (await client.telephony.deleteNumber(n.id), t('telNumberRemoved')))}>
                    {t('telRemove')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form className="row card" onSubmit={submit} aria-label={t('telAddNumber')}>
        <label>
          {t('telNumber')}
          <input required type="tel" placeholder="+14155550100" pattern="\+[1-9][0-9 \-.()]{7,20}" title={t('telE164Rule')} value={phoneNumber} onChange={(e) => setPhoneNumber(e.target.value)} />
        </label>
        <LocationField locations={locations} value={locationId} onChange={setLocationId} required />
        <button type="submit" disabled={locations.length === 0}>
          {t('telAddNumber')}
        </button>
      </form>
    </section>
  );
}
