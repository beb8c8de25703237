/**
 * The org's policies (SPEC ID-2, ID-4, ID-5): who may sign up, the self-service profile lock, who may
 * invite, and the web session idle timeout — everywhere, or only outside some network ranges (CIDR,
 * IPv4 and IPv6; the server checks them and refuses a bad one by name); the web app's passcode and
 * its idle time (SPEC SEC-7).
 * @module
 */
import { useEffect, useState, type FormEvent } from 'react';
import type { Organization, OrgPolicy } from '@flint/protocol';
import { LANGUAGES, useI18n } from '../../i18n/index.tsx';
import { timeZoneNames } from '../time-zones.ts';
import { useAppStore } from '../store-context.ts';
import { myOrg, updateOrg } from '../../app/admin-api.ts';

export function PoliciesAdmin() {
  const { t } = useI18n();
  const store = useAppStore();
  const { client } = store.session;
  const [org, setOrg] = useState<Organization | undefined>();
  const [policy, setPolicy] = useState<OrgPolicy | undefined>();
  const [ranges, setRanges] = useState('');
  const [notice, setNotice] = useState<string | undefined>();

  useEffect(() => {
    void myOrg(client).then((o) => {
      setOrg(o);
      if (o?.policy !== undefined) {
        setPolicy(o.policy);
        setRanges(o.policy.webSessionIdleOnlyOutside.join('\n'));
      }
    }, (e: unknown) => store.fail(e));
  }, [client, store]);

  if (org === undefined || policy === undefined) return <p role="status">{t('loading')}</p>;

  const save = (e: FormEvent) => {
    e.preventDefault();
    setNotice(undefined);
    const webSessionIdleOnlyOutside = ranges.split(/[\n,]/).map((r) => r.trim()).filter((r) => r !== '');
    updateOrg(client, org.id, { policy: { ...policy, webSessionIdleOnlyOutside } }).then(
      (o) => {
        if (o.policy !== undefined) {
          setPolicy(o.policy);
          setRanges(o.policy.webSessionIdleOnlyOutside.join('\n'));
        }
        setNotice(t('policySaved'));
      },
      (error: unknown) => store.fail(error),
    );
  };

  return (
    <form className="stack admin-form" onSubmit={save}>
      {notice !== undefined && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <fieldset>
        <legend>{t('policySignup')}</legend>
        <label className="check">
          <input type="radio" name="signup" checked={policy.signup === 'domains'} onChange={() => setPolicy({ ...policy, signup: 'domains' })} />
          {t('policySignupDomains')}
        </label>
        <label className="check">
          <input type="radio" name="signup" checked={policy.signup === 'invitation'} onChange={() => setPolicy({ ...policy, signup: 'invitation' })} />
          {t('policySignupInvitation')}
        </label>
      </fieldset>
      <label className="check">
        <input type="checkbox" checked={policy.selfServiceLocked} onChange={(e) => setPolicy({ ...policy, selfServiceLocked: e.target.checked })} />
        {t('policySelfService')}
      </label>
      <label className="check">
        <input type="checkbox" checked={policy.membersMayInvite} onChange={(e) => setPolicy({ ...policy, membersMayInvite: e.target.checked })} />
        {t('policyMembersMayInvite')}
      </label>
      <label>
        {t('policyIdle')}
        <input type="number" min={0} max={129600} required value={policy.webSessionIdleMinutes} onChange={(e) => setPolicy({ ...policy, webSessionIdleMinutes: Number(e.target.value) })} />
      </label>
      <label>
        {t('policyTrusted')}
        <textarea rows={3} value={ranges} onChange={(e) => setRanges(e.target.value)} spellCheck={false} />
      </label>
      <label htmlFor="policy-language">{t('policyDefaultLanguage')}</label>
      <div>
        <select id="policy-language" value={policy.defaultLanguage ?? ''} onChange={(e) => setPolicy({ ...policy, defaultLanguage: e.target.value === '' ? null : (e.target.value as 'en' | 'fr') })}>
          <option value="">{t('browserLanguage')}</option>
          {Object.entries(LANGUAGES).map(([code, l]) => (
            <option key={code} value={code} lang={code}>
              {l.name}
            </option>
          ))}
        </select>
      </div>
      <label htmlFor="policy-zone">{t('policyDefaultTimezone')}</label>
      <div>
        <select id="policy-zone" value={policy.defaultTimezone} onChange={(e) => setPolicy({ ...policy, defaultTimezone: e.target.value })}>
          {(timeZoneNames().includes(policy.defaultTimezone) ? timeZoneNames() : [policy.defaultTimezone, ...timeZoneNames()]).map((z) => (
            <option key={z} value={z}>
              {z}
            </option>
          ))}
        </select>
      </div>
      <fieldset>
        <legend>{t('passcode')}</legend>
        <p className="muted small">{t('policyPasscodeHint')}</p>
        <label className="check">
          <input type="checkbox" checked={policy.appPasscodeRequired} onChange={(e) => setPolicy({ ...policy, appPasscodeRequired: e.target.checked })} />
          {t('policyPasscode')}
        </label>
        <label>
          {t('policyPasscodeIdle')}
          <input type="number" min={1} max={1440} required value={policy.appPasscodeIdleMinutes} onChange={(e) => setPolicy({ ...policy, appPasscodeIdleMinutes: Number(e.target.value) })} />
        </label>
      </fieldset>
      <fieldset>
        <legend>{t('policyDeletedMessages')}</legend>
        <label className="check">
          <input type="radio" name="deleted-messages" checked={policy.deletedAccountMessages === 'keep'} onChange={() => setPolicy({ ...policy, deletedAccountMessages: 'keep' })} />
          {t('policyDeletedKeep')}
        </label>
        <label className="check">
          <input type="radio" name="deleted-messages" checked={policy.deletedAccountMessages === 'delete'} onChange={() => setPolicy({ ...policy, deletedAccountMessages: 'delete' })} />
          {t('policyDeletedDelete')}
        </label>
      </fieldset>
      <button type="submit" className="primary">
        {t('save')}
      </button>
    </form>
  );
}
