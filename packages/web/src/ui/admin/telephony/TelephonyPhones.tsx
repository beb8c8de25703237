/**
 * SIP desk phones (SPEC CL-6, SEC-4): add a phone for a person by its MAC address and read its
 * one-time activation code once (the server keeps only a slow hash of it); see and remove phones.
 * @module
 */
import { useState, type FormEvent } from 'react';
import type { FlintClient } from '@flint/sdk';
import type { PersonCalling } from '@flint/protocol';
import { useI18n } from '../../../i18n/index.tsx';
import { useAdminList } from '../use-admin-list.ts';

const devicesOf = (client: FlintClient) => client.telephony.devices();

export function TelephonyPhones({ people }: { people: PersonCalling[] }) {
  const { t } = useI18n();
  const { client, items, notice, act } = useAdminList(devicesOf);
  const [personId, setPersonId] = useState('');
  const [mac, setMac] = useState('');
  const [code, setCode] = useState<{ mac: string; code: string } | undefined>();
  const names = new Map(people.map((p) => [p.personId, p.displayName]));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void act(async () => {
      const made = await client.telephony.createDevice({ personId, mac });
      setCode({ mac: made.device.mac, code: made.activationCode.replace(/(\d{4})(?=\d)/g, '$1 ') });
      setMac('');
      return t('telPhoneAdded');
    });
  };
  return (
    <section className="stack" aria-labelledby="tel-phones">
      <h3 id="tel-phones">{t('telPhones')}</h3>
      {notice !== undefined && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {code !== undefined && (
        <div className="card" role="alert">
          <p>{t('telActivationOnce', { mac: code.mac })}</p>
          <p>
            <code data-testid="tel-activation-code">{code.code}</code>
          </p>
        </div>
      )}
      {items.length > 0 && (
        <table className="admin-table" data-testid="tel-phones">
          <thead>
            <tr>
              <th scope="col">{t('telMac')}</th>
              <th scope="col">{t('telPerson')}</th>
              <th scope="col">{t('telSipUser')}</th>
              <th scope="col">{t('telStatus')}</th>
              <th scope="col">{t('actions')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((d) => (
              <tr key={d.id}>
                <th scope="row">{d.mac}</th>
                <td>{names.get(d.personId) ?? '—'}</td>
                <td>{d.sipUsername}</td>
                <td>{d.activated ? t('telActivated') : t('telAwaitingActivation')}</td>
                <td>
                  <button type="button" className="small" aria-label={`${t('telRemove')}: ${d.mac}`} onClick={() => void act(async () => (await client.telephony.deleteDevice(d.id), t('telPhoneRemoved')))}>
                    {t('telRemove')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form className="row card" onSubmit={submit} aria-label={t('telAddPhone')}>
        <label>
          {t('telPerson')}
          <select aria-label={t('telPerson')} required value={personId} onChange={(e) => setPersonId(e.target.value)}>
            <option value="">{t('telChoose')}</option>
            {people.map((p) => (
              <option key={p.personId} value={p.personId}>
                {p.displayName}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('telMac')}
          <input required placeholder="00:11:22:aa:bb:cc" pattern="[0-9A-Fa-f]{2}([:\-]?[0-9A-Fa-f]{2}){5}" title={t('telMacRule')} value={mac} onChange={(e) => setMac(e.target.value)} />
        </label>
        <button type="submit">{t('telAddPhone')}</button>
      </form>
    </section>
  );
}
