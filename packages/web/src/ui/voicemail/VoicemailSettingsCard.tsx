/**
 * Voicemail settings (SPEC CL-3, SEC-4): voicemail to e-mail (opt-in; the copy is decrypted on
 * one's own device and mailed by the key server, never by Flint's server) and the voicemail PIN
 * (kept by the server as an argon2id hash only; changing it needs the current one).
 * @module
 */
import { useEffect, useState } from 'react';
import { VOICEMAIL_LIMITS } from '@flint/protocol';
import { useI18n } from '../../i18n/index.tsx';
import { useAppStore } from '../store-context.ts';

export function VoicemailSettingsCard() {
  const { t } = useI18n();
  const store = useAppStore();
  const settings = store.voicemail.settings;
  const [pin, setPin] = useState('');
  const [current, setCurrent] = useState('');
  const [saved, setSaved] = useState(false);
  // Shown at once while the change is saved (a checkbox that lags behind the click confuses).
  const [emailPending, setEmailPending] = useState<boolean | undefined>();
  useEffect(() => {
    if (store.voicemail.settings === undefined) store.voicemail.load().catch((e: unknown) => store.fail(e));
  }, [store]);
  const pattern = `[0-9]{${VOICEMAIL_LIMITS.pinMinDigits},${VOICEMAIL_LIMITS.pinMaxDigits}}`;
  return (
    <section aria-labelledby="voicemail-settings-title" className="card">
      <h2 id="voicemail-settings-title">{t('voicemailSettingsTitle')}</h2>
      <label className="row">
        <input
          type="checkbox"
          checked={emailPending ?? settings?.emailCopy === true}
          disabled={settings === undefined}
          onChange={(e) => {
            setEmailPending(e.target.checked);
            store.voicemail
              .setEmailCopy(e.target.checked)
              .catch((error: unknown) => store.fail(error))
              .finally(() => setEmailPending(undefined));
          }}
        />
        {t('voicemailEmailCopy')}
      </label>
      <p className="muted small">{t('voicemailEmailCopyNote')}</p>
      <h3>{t('voicemailPin')}</h3>
      <p className="muted small">{settings?.pinSet === true ? t('voicemailPinIsSet') : t('voicemailPinNotSet')}</p>
      {saved && (
        <p className="notice" role="status">
          {t('voicemailPinSaved')}
        </p>
      )}
      <form
        className="stack"
        onSubmit={(e) => {
          e.preventDefault();
          setSaved(false);
          store.voicemail
            .setPin(pin, settings?.pinSet === true ? current : undefined)
            .then(() => {
              setPin('');
              setCurrent('');
              setSaved(true);
            })
            .catch((error: unknown) => store.fail(error));
        }}
      >
        {settings?.pinSet === true && (
          <label>
            {t('voicemailPinCurrent')}
            <input type="password" inputMode="numeric" autoComplete="off" required pattern={pattern} value={current} onChange={(e) => setCurrent(e.target.value)} />
          </label>
        )}
        <label>
          {t('voicemailPinNew')}
          <input type="password" inputMode="numeric" autoComplete="off" required pattern={pattern} value={pin} onChange={(e) => setPin(e.target.value)} aria-describedby="voicemail-pin-rule" />
        </label>
        <p id="voicemail-pin-rule" className="muted small">
          {t('voicemailPinRule', { min: VOICEMAIL_LIMITS.pinMinDigits, max: VOICEMAIL_LIMITS.pinMaxDigits })}
        </p>
        <button type="submit" className="primary small" disabled={settings === undefined}>
          {t('voicemailPinSave')}
        </button>
      </form>
    </section>
  );
}
