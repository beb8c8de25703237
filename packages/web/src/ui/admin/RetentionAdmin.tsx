/**
 * Retention and legal hold (SPEC CP-4, AD-1): the org's retention periods for messages and files
 * (empty: kept forever), the KMS's own key-shredding rule (read only: the KMS's operator sets it),
 * and legal holds — place one on a person or a space, list them, release one. Each hold is placed
 * twice: at the KMS first, through this admin's own KMS session (the core cannot place one there,
 * and only the KMS's holds stop it from shredding keys), then in the core with the KMS hold's URI,
 * which is released with it. The server audits both actions (CP-5).
 * @module
 */
import { useEffect, useState, type FormEvent } from 'react';
import { RETENTION_LIMITS, type LegalHold, type Organization } from '@flint/protocol';
import { useI18n } from '../../i18n/index.tsx';
import { useAppStore } from '../store-context.ts';
import { useAdminList } from './use-admin-list.ts';
import { legalHolds, myOrg, placeLegalHold, releaseLegalHold, updateOrg } from '../../app/admin-api.ts';

/** The input's text as days, null when empty ("keep forever"). */
function daysOf(text: string): number | null {
  return text.trim() === '' ? null : Number(text);
}

export function RetentionAdmin() {
  const { t, plural, day } = useI18n();
  const store = useAppStore();
  const { sdk } = store.session;
  const { client, items, notice, act } = useAdminList(legalHolds);
  const [org, setOrg] = useState<Organization | undefined>();
  const [messageDays, setMessageDays] = useState('');
  const [fileDays, setFileDays] = useState('');
  const [kmsDays, setKmsDays] = useState<number | null | undefined>();
  const [kind, setKind] = useState<LegalHold['kind']>('person');
  const [email, setEmail] = useState('');
  const [roomId, setRoomId] = useState('');
  const [reason, setReason] = useState('');
  const [saved, setSaved] = useState<string | undefined>();
  const spaces = store.sortedRooms('all').filter((r) => r.type === 'group');

  useEffect(() => {
    void myOrg(client).then((o) => {
      setOrg(o);
      setMessageDays(o?.policy?.messageRetentionDays == null ? '' : String(o.policy.messageRetentionDays));
      setFileDays(o?.policy?.fileRetentionDays == null ? '' : String(o.policy.fileRetentionDays));
    }, (e: unknown) => store.fail(e));
    void sdk.kmsClient().then((kms) => kms.retentionRule()).then(setKmsDays, () => setKmsDays(undefined));
  }, [client, sdk, store]);

  const savePeriods = (e: FormEvent) => {
    e.preventDefault();
    if (org === undefined) return;
    setSaved(undefined);
    updateOrg(client, org.id, { policy: { messageRetentionDays: daysOf(messageDays), fileRetentionDays: daysOf(fileDays) } }).then(
      () => setSaved(t('policySaved')),
      (error: unknown) => store.fail(error),
    );
  };

  const place = (e: FormEvent) => {
    e.preventDefault();
    void act(async () => {
      const kms = await sdk.kmsClient();
      let kmsHold;
      if (kind === 'person') {
        const person = (await client.people.list({ email: email.trim() })).items[0];
        if (person === undefined) throw new Error(t('holdNoPerson'));
        kmsHold = await kms.placeHold({ userId: person.id });
      } else {
        kmsHold = await kms.placeHold({ roomId });
      }
      await placeLegalHold(client, { ...(kind === 'person' ? { personEmail: email.trim() } : { roomId }), reason, kmsHoldUri: kmsHold.uri });
      setEmail('');
      setReason('');
      return t('holdPlaced');
    });
  };

  const release = (hold: LegalHold) =>
    void act(async () => {
      await releaseLegalHold(client, hold.id);
      if (hold.kmsHoldUri === undefined) return t('holdReleased');
      try {
        await (await sdk.kmsClient()).releaseHold(hold.kmsHoldUri);
        return t('holdReleased');
      } catch {
        // Someone else placed it at the KMS: its keys stay until they, or a compliance officer, release it there.
        return t('holdReleasedKmsKept');
      }
    });

  const targetName = (h: LegalHold) => (h.kind === 'space' ? (store.rooms.get(h.targetId)?.title ?? h.targetName) : h.targetName);
  const periodText = (days: string) => (daysOf(days) === null ? t('retentionKeepForever') : plural('retentionAfterDays', Number(days)));

  return (
    <div className="stack">
      <form className="stack card admin-form" onSubmit={savePeriods} aria-labelledby="retention-periods-title">
        <h3 id="retention-periods-title">{t('retentionPeriods')}</h3>
        <p className="muted small">{t('retentionNote')}</p>
        {saved !== undefined && (
          <p className="notice" role="status">
            {saved}
          </p>
        )}
        <div className="row wrap">
          <label>
            {t('retentionMessageDays')}
            <input type="number" inputMode="numeric" min={RETENTION_LIMITS.minDays} max={RETENTION_LIMITS.maxDays} step={1} value={messageDays} aria-describedby="retention-message-now" onChange={(e) => setMessageDays(e.target.value)} />
            <span id="retention-message-now" className="muted small">
              {periodText(messageDays)}
            </span>
          </label>
          <label>
            {t('retentionFileDays')}
            <input type="number" inputMode="numeric" min={RETENTION_LIMITS.minDays} max={RETENTION_LIMITS.maxDays} step={1} value={fileDays} aria-describedby="retention-file-now" onChange={(e) => setFileDays(e.target.value)} />
            <span id="retention-file-now" className="muted small">
              {periodText(fileDays)}
            </span>
          </label>
        </div>
        <div>
          <button type="submit" disabled={org === undefined}>
            {t('save')}
          </button>
        </div>
        <p className="small" data-testid="kms-shredding">
          {kmsDays === undefined ? t('kmsShreddingUnknown') : kmsDays === null ? t('kmsShreddingOff') : plural('kmsShreddingDays', kmsDays)}
        </p>
      </form>

      <section className="stack" aria-labelledby="holds-title">
        <h3 id="holds-title">{t('legalHolds')}</h3>
        <p className="muted small">{t('legalHoldsNote')}</p>
        {notice !== undefined && (
          <p className="notice" role="status">
            {notice}
          </p>
        )}
        <form className="stack card" onSubmit={place} aria-label={t('holdPlace')}>
          <fieldset className="row wrap">
            <legend>{t('holdOn')}</legend>
            <label className="check">
              <input type="radio" name="hold-kind" checked={kind === 'person'} onChange={() => setKind('person')} />
              {t('holdPerson')}
            </label>
            <label className="check">
              <input type="radio" name="hold-kind" checked={kind === 'space'} onChange={() => setKind('space')} />
              {t('holdSpace')}
            </label>
          </fieldset>
          {kind === 'person' ? (
            <label>
              {t('email')}
              <input type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
            </label>
          ) : (
            <label>
              {t('holdSpace')}
              <select required value={roomId} onChange={(e) => setRoomId(e.target.value)}>
                <option value="">{t('holdChooseSpace')}</option>
                {spaces.map((r) => (
                  <option key={r.id} value={r.id}>
                    {r.title ?? r.id}
                  </option>
                ))}
              </select>
            </label>
          )}
          <label>
            {t('holdReason')}
            <input required maxLength={RETENTION_LIMITS.reasonChars} value={reason} onChange={(e) => setReason(e.target.value)} />
          </label>
          <div>
            <button type="submit">{t('holdPlace')}</button>
          </div>
        </form>
        {items.length === 0 ? (
          <p className="muted">{t('holdsEmpty')}</p>
        ) : (
          <table className="admin-table" data-testid="legal-holds">
            <thead>
              <tr>
                <th scope="col">{t('holdTarget')}</th>
                <th scope="col">{t('holdReason')}</th>
                <th scope="col">{t('holdPlacedBy')}</th>
                <th scope="col">{t('holdState')}</th>
                <th scope="col">{t('actions')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((h) => (
                <tr key={h.id} data-hold={targetName(h)}>
                  <th scope="row">
                    {targetName(h)}
                    <div className="muted small">{h.kind === 'person' ? t('holdPerson') : t('holdSpace')}</div>
                  </th>
                  <td>{h.reason}</td>
                  <td className="small">
                    {h.createdBy} · {day(h.created)}
                  </td>
                  <td className="small">{h.released === undefined ? t('holdActive') : t('holdReleasedOn', { date: day(h.released), who: h.releasedBy ?? '' })}</td>
                  <td>
                    {h.released === undefined && (
                      <button type="button" className="small" aria-label={`${t('holdRelease')}: ${targetName(h)}`} onClick={() => release(h)}>
                        {t('holdRelease')}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
