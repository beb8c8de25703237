/**
 * Telephony in the admin console (SPEC CL-4, CL-5, CL-6): the org's calling settings and
 * extension ranges, locations (time zone, emergency address), the numbers and whom each reaches
 * (the number map), people's extensions and calling settings, hunt groups with their agents and
 * SIP desk phones with their one-time activation codes. The server checks and audits every change
 * and refuses anyone but the org's admins. PSTN and phone legs are not end-to-end encrypted: the
 * page says so.
 * @module
 */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { FlintClient } from '@flint/sdk';
import { TELEPHONY_LIMITS, type HuntGroup, type HuntPolicy, type PersonCalling, type TelephonyLocation, type TelephonySettings } from '@flint/protocol';
import { useI18n } from '../../../i18n/index.tsx';
import { LocationField } from './LocationField.tsx';
import { useAppStore } from '../../store-context.ts';
import { timeZoneNames } from '../../time-zones.ts';
import { useAdminList } from '../use-admin-list.ts';
import { TelephonyNumbers } from './TelephonyNumbers.tsx';
import { TelephonyPhones } from './TelephonyPhones.tsx';
import { TelephonyAttendants } from './TelephonyAttendants.tsx';

const POLICIES: readonly HuntPolicy[] = ['SIMULTANEOUS', 'REGULAR', 'CIRCULAR', 'UNIFORM', 'WEIGHTED'];
const POLICY_LABEL = { SIMULTANEOUS: 'telPolicySimultaneous', REGULAR: 'telPolicyRegular', CIRCULAR: 'telPolicyCircular', UNIFORM: 'telPolicyUniform', WEIGHTED: 'telPolicyWeighted' } as const;

const locationsOf = (client: FlintClient) => client.telephony.locations();
const groupsOf = (client: FlintClient) => client.telephony.huntGroups();

export function TelephonyAdmin() {
  const { t } = useI18n();
  const store = useAppStore();
  const { client } = store.session;
  const [settings, setSettings] = useState<TelephonySettings | undefined>();
  const [people, setPeople] = useState<PersonCalling[]>([]);
  const reloadShared = useCallback(() => {
    client.telephony.settings().then(setSettings, (e: unknown) => store.fail(e));
    client.telephony.people().then(setPeople, (e: unknown) => store.fail(e));
  }, [client, store]);
  useEffect(reloadShared, [reloadShared]);
  const locations = useAdminList(locationsOf, reloadShared);
  const groups = useAdminList(groupsOf, reloadShared);
  const notice = locations.notice;

  return (
    <div className="stack">
      <p className="muted small">{t('telAdminNote')}</p>
      <p className="notice small" role="note">
        {t('telPstnNotE2ee')}
      </p>
      {notice !== undefined && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <RangesSection settings={settings} act={locations.act} />
      <LocationsSection items={locations.items} act={locations.act} />
      <TelephonyNumbers locations={locations.items} people={people} groups={groups.items} settings={settings} onChange={reloadShared} />
      <PeopleSection people={people} locations={locations.items} act={locations.act} />
      <HuntGroupsSection items={groups.items} people={people} locations={locations.items} act={groups.act} notice={groups.notice} />
      <TelephonyAttendants locations={locations.items} onChange={reloadShared} />
      <TelephonyPhones people={people} />
    </div>
  );
}

type Act = (work: () => Promise<string>) => Promise<void>;

function RangesSection({ settings, act }: { settings: TelephonySettings | undefined; act: Act }) {
  const { t } = useI18n();
  const { client } = useAppStore().session;
  const [first, setFirst] = useState('');
  const [last, setLast] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void act(async () => {
      await client.telephony.createRange({ first, last });
      setFirst('');
      setLast('');
      return t('telRangeAdded');
    });
  };
  return (
    <section className="stack" aria-labelledby="tel-ranges">
      <h3 id="tel-ranges">{t('telRanges')}</h3>
      <label className="row">
        <input
          type="checkbox"
          checked={settings?.internationalCalling === true}
          onChange={(e) => {
            const on = e.target.checked;
            void act(async () => (await client.telephony.updateSettings({ internationalCalling: on }), t('telSaved')));
          }}
        />
        {t('telInternationalOrg')}
      </label>
      {settings !== undefined && settings.extensionRanges.length > 0 && (
        <table className="admin-table" data-testid="tel-ranges">
          <thead>
            <tr>
              <th scope="col">{t('telRangeFirst')}</th>
              <th scope="col">{t('telRangeLast')}</th>
              <th scope="col">{t('actions')}</th>
            </tr>
          </thead>
          <tbody>
            {settings.extensionRanges.map((r) => (
              <tr key={r.id} data-range={`${r.first}-${r.last}`}>
                <td>{r.first}</td>
                <td>{r.last}</td>
                <td>
                  <button type="button" className="small" aria-label={`${t('telRemove')}: ${r.first}–${r.last}`} onClick={() => void act(async () => (await client.telephony.deleteRange(r.id), t('telRangeRemoved')))}>
                    {t('telRemove')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form className="row card" onSubmit={submit} aria-label={t('telAddRange')}>
        <label>
          {t('telRangeFirst')}
          <input required inputMode="numeric" pattern="[0-9]{3,5}" title={t('telExtensionRule')} value={first} onChange={(e) => setFirst(e.target.value)} />
        </label>
        <label>
          {t('telRangeLast')}
          <input required inputMode="numeric" pattern="[0-9]{3,5}" title={t('telExtensionRule')} value={last} onChange={(e) => setLast(e.target.value)} />
        </label>
        <button type="submit">{t('telAddRange')}</button>
      </form>
    </section>
  );
}

function LocationsSection({ items, act }: { items: TelephonyLocation[]; act: Act }) {
  const { t } = useI18n();
  const { client } = useAppStore().session;
  const blank = { name: '', timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC', address1: '', city: '', state: '', postalCode: '', country: '' };
  const [form, setForm] = useState(blank);
  const set = (k: keyof typeof blank) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void act(async () => {
      await client.telephony.createLocation({
        name: form.name,
        timeZone: form.timeZone,
        address: { address1: form.address1, city: form.city, postalCode: form.postalCode, country: form.country.toUpperCase(), ...(form.state.trim() !== '' ? { state: form.state } : {}) },
      });
      setForm(blank);
      return t('telLocationAdded');
    });
  };
  return (
    <section className="stack" aria-labelledby="tel-locations">
      <h3 id="tel-locations">{t('telLocations')}</h3>
      {items.length === 0 ? (
        <p className="muted">{t('telNoLocations')}</p>
      ) : (
        <table className="admin-table" data-testid="tel-locations">
          <thead>
            <tr>
              <th scope="col">{t('telName')}</th>
              <th scope="col">{t('telTimeZone')}</th>
              <th scope="col">{t('telEmergencyAddress')}</th>
              <th scope="col">{t('actions')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((l) => (
              <tr key={l.id} data-location={l.name}>
                <th scope="row">{l.name}</th>
                <td>{l.timeZone}</td>
                <td>{[l.address.address1, l.address.city, l.address.state, l.address.postalCode, l.address.country].filter(Boolean).join(', ')}</td>
                <td>
                  <button type="button" className="small" aria-label={`${t('telRemove')}: ${l.name}`} onClick={() => void act(async () => (await client.telephony.deleteLocation(l.id), t('telLocationRemoved')))}>
                    {t('telRemove')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form className="stack card" onSubmit={submit} aria-label={t('telAddLocation')}>
        <label>
          {t('telName')}
          <input required maxLength={TELEPHONY_LIMITS.nameChars} value={form.name} onChange={set('name')} />
        </label>
        <label>
          {t('telTimeZone')}
          <select aria-label={t('telTimeZone')} value={form.timeZone} onChange={set('timeZone')}>
            {timeZoneNames().map((z) => (
              <option key={z} value={z}>
                {z}
              </option>
            ))}
          </select>
        </label>
        <fieldset className="stack">
          <legend>{t('telEmergencyAddress')}</legend>
          <label>
            {t('telAddress1')}
            <input required maxLength={TELEPHONY_LIMITS.addressChars} autoComplete="street-address" value={form.address1} onChange={set('address1')} />
          </label>
          <div className="row">
            <label>
              {t('telCity')}
              <input required maxLength={100} value={form.city} onChange={set('city')} />
            </label>
            <label>
              {t('telState')}
              <input maxLength={100} value={form.state} onChange={set('state')} />
            </label>
            <label>
              {t('telPostalCode')}
              <input required maxLength={20} value={form.postalCode} onChange={set('postalCode')} />
            </label>
            <label>
              {t('telCountry')}
              <input required pattern="[A-Za-z]{2}" maxLength={2} title={t('telCountryRule')} value={form.country} onChange={set('country')} />
            </label>
          </div>
        </fieldset>
        <div>
          <button type="submit">{t('telAddLocation')}</button>
        </div>
      </form>
    </section>
  );
}

function PeopleSection({ people, locations, act }: { people: PersonCalling[]; locations: TelephonyLocation[]; act: Act }) {
  const { t } = useI18n();
  const { client } = useAppStore().session;
  const [personId, setPersonId] = useState('');
  const chosen = people.find((p) => p.personId === personId);
  const [extension, setExtension] = useState('');
  const [locationId, setLocationId] = useState('');
  const [callerId, setCallerId] = useState<'own' | 'company'>('own');
  const [international, setInternational] = useState<'org' | 'allow' | 'block'>('org');
  useEffect(() => {
    setExtension(chosen?.extension ?? '');
    setLocationId(chosen?.locationId ?? '');
    setCallerId(chosen?.callerId ?? 'own');
    setInternational(chosen?.internationalCalling ?? 'org');
  }, [chosen]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void act(async () => {
      await client.telephony.updatePerson(personId, { extension: extension === '' ? null : extension, locationId: locationId === '' ? null : locationId, callerId, internationalCalling: international });
      return t('telSaved');
    });
  };
  return (
    <section className="stack" aria-labelledby="tel-people">
      <h3 id="tel-people">{t('telPeople')}</h3>
      <table className="admin-table" data-testid="tel-people">
        <thead>
          <tr>
            <th scope="col">{t('telName')}</th>
            <th scope="col">{t('telExtension')}</th>
            <th scope="col">{t('telNumbers')}</th>
            <th scope="col">{t('telCallerId')}</th>
            <th scope="col">{t('telInternational')}</th>
          </tr>
        </thead>
        <tbody>
          {people.map((p) => (
            <tr key={p.personId} data-person={p.displayName}>
              <th scope="row">{p.displayName}</th>
              <td>{p.extension ?? '—'}</td>
              <td>{p.phoneNumbers.join(', ') || '—'}</td>
              <td>{p.callerIdNumber ?? '—'}</td>
              <td>{p.internationalAllowed ? t('telAllowed') : t('telBlocked')}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <form className="stack card" onSubmit={submit} aria-label={t('telEditPerson')}>
        <label>
          {t('telPerson')}
          <select aria-label={t('telPerson')} required value={personId} onChange={(e) => setPersonId(e.target.value)}>
            <option value="">{t('telChoose')}</option>
            {people.map((p) => (
              <option key={p.personId} value={p.personId}>
                {p.displayName} ({p.email})
              </option>
            ))}
          </select>
        </label>
        <div className="row">
          <label>
            {t('telExtension')}
            <input inputMode="numeric" pattern="[0-9]{3,5}" title={t('telExtensionRule')} value={extension} onChange={(e) => setExtension(e.target.value)} />
          </label>
          <LocationField locations={locations} value={locationId} onChange={setLocationId} optional />
          <label>
            {t('telCallerId')}
            <select aria-label={t('telCallerId')} value={callerId} onChange={(e) => setCallerId(e.target.value as 'own' | 'company')}>
              <option value="own">{t('telCallerOwn')}</option>
              <option value="company">{t('telCallerCompany')}</option>
            </select>
          </label>
          <label>
            {t('telInternational')}
            <select aria-label={t('telInternational')} value={international} onChange={(e) => setInternational(e.target.value as 'org' | 'allow' | 'block')}>
              <option value="org">{t('telIntlOrg')}</option>
              <option value="allow">{t('telAllowed')}</option>
              <option value="block">{t('telBlocked')}</option>
            </select>
          </label>
        </div>
        <div>
          <button type="submit" disabled={personId === ''}>
            {t('save')}
          </button>
        </div>
      </form>
    </section>
  );
}

function HuntGroupsSection({ items, people, locations, act, notice }: { items: HuntGroup[]; people: PersonCalling[]; locations: TelephonyLocation[]; act: Act; notice: string | undefined }) {
  const { t } = useI18n();
  const { client } = useAppStore().session;
  const [name, setName] = useState('');
  const [locationId, setLocationId] = useState('');
  const [extension, setExtension] = useState('');
  const [policy, setPolicy] = useState<HuntPolicy>('REGULAR');
  const [rings, setRings] = useState(3);
  const [overflow, setOverflow] = useState('');
  const [agents, setAgents] = useState<string[]>([]);
  const toggle = (id: string) => setAgents((before) => (before.includes(id) ? before.filter((a) => a !== id) : [...before, id]));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void act(async () => {
      await client.telephony.createHuntGroup({
        name,
        locationId: locationId || locations[0]?.id || '',
        policy,
        noAnswer: { nextAgentEnabled: policy !== 'SIMULTANEOUS', rings, ...(overflow !== '' ? { overflowDestination: overflow } : {}) },
        agents: agents.map((personId) => ({ personId })),
        ...(extension !== '' ? { extension } : {}),
      });
      setName('');
      setExtension('');
      setOverflow('');
      setAgents([]);
      return t('telHuntGroupCreated');
    });
  };
  return (
    <section className="stack" aria-labelledby="tel-hunt">
      <h3 id="tel-hunt">{t('telHuntGroups')}</h3>
      {notice !== undefined && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {items.length === 0 ? (
        <p className="muted">{t('telNoHuntGroups')}</p>
      ) : (
        <table className="admin-table" data-testid="tel-hunt-groups">
          <thead>
            <tr>
              <th scope="col">{t('telName')}</th>
              <th scope="col">{t('telExtension')}</th>
              <th scope="col">{t('telPolicy')}</th>
              <th scope="col">{t('telAgents')}</th>
              <th scope="col">{t('actions')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((g) => (
              <tr key={g.id} data-hunt-group={g.name}>
                <th scope="row">{g.name}</th>
                <td>{g.extension ?? '—'}</td>
                <td>{t(POLICY_LABEL[g.policy])}</td>
                <td>{g.agents.map((a) => `${a.displayName}${a.loggedIn ? '' : ` (${t('telLoggedOut')})`}`).join(', ')}</td>
                <td>
                  <button type="button" className="small" aria-label={`${t('telRemove')}: ${g.name}`} onClick={() => void act(async () => (await client.telephony.deleteHuntGroup(g.id), t('telHuntGroupRemoved')))}>
                    {t('telRemove')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form className="stack card" onSubmit={submit} aria-label={t('telCreateHuntGroup')}>
        <div className="row">
          <label>
            {t('telName')}
            <input required maxLength={TELEPHONY_LIMITS.nameChars} value={name} onChange={(e) => setName(e.target.value)} />
          </label>
          <LocationField locations={locations} value={locationId} onChange={setLocationId} required />
          <label>
            {t('telExtension')}
            <input inputMode="numeric" pattern="[0-9]{3,5}" title={t('telExtensionRule')} value={extension} onChange={(e) => setExtension(e.target.value)} />
          </label>
        </div>
        <div className="row">
          <label>
            {t('telPolicy')}
            <select aria-label={t('telPolicy')} value={policy} onChange={(e) => setPolicy(e.target.value as HuntPolicy)}>
              {POLICIES.map((p) => (
                <option key={p} value={p}>
                  {t(POLICY_LABEL[p])}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('telRings')}
            <input type="number" min={1} max={TELEPHONY_LIMITS.maxRings} value={rings} onChange={(e) => setRings(Number(e.target.value))} />
          </label>
          <label>
            {t('telOverflow')}
            <input pattern="(\+[1-9][0-9]{7,14}|[0-9]{3,5})" title={t('telDestinationRule')} value={overflow} onChange={(e) => setOverflow(e.target.value)} />
          </label>
        </div>
        <fieldset>
          <legend>{t('telAgentsInOrder')}</legend>
          {people.map((p) => (
            <label key={p.personId} className="row">
              <input type="checkbox" checked={agents.includes(p.personId)} onChange={() => toggle(p.personId)} />
              {p.displayName}
              {agents.includes(p.personId) && <span className="muted small">#{agents.indexOf(p.personId) + 1}</span>}
            </label>
          ))}
        </fieldset>
        <div>
          <button type="submit" disabled={locations.length === 0}>
            {t('telCreateHuntGroup')}
          </button>
        </div>
      </form>
    </section>
  );
}
