/**
 * eDiscovery (SPEC CP-2) for the org's compliance officers: search by space, person, dates and
 * keywords (keywords through the blinded index, blinded here with search keys the KMS gives
 * officers), a preview of the newest matching messages, and a download of everything that matches —
 * JSON or CSV, with the files in their original bytes — built in this tab through the SDK session
 * (app/compliance-export.ts). The core serves the officer ciphertext only; this page decrypts.
 * @module
 */
import { useEffect, useState, type FormEvent } from 'react';
import type { ComplianceSpace, SecureMessage } from '@flint/sdk';
import { useI18n } from '../../i18n/index.tsx';
import { useAppStore } from '../store-context.ts';
import { saveBlob } from '../../app/actions.ts';
import { exportCompliance, orgSpaces, previewMessages, type ComplianceExportProgress, type ComplianceFilters } from '../../app/compliance-export.ts';

/** `yyyy-mm-dd` from a date input → the start of that day (UTC), or of the next day for "until". */
function dayStart(value: string, next: boolean): string | undefined {
  if (value === '') return undefined;
  const ms = Date.parse(`${value}T00:00:00Z`);
  if (Number.isNaN(ms)) return undefined;
  return new Date(ms + (next ? 86_400_000 : 0)).toISOString();
}

export function ComplianceAdmin() {
  const { t, plural, day, time, list } = useI18n();
  const store = useAppStore();
  const sdk = store.session.sdk;
  const [spaces, setSpaces] = useState<ComplianceSpace[]>([]);
  const [roomId, setRoomId] = useState('');
  const [person, setPerson] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [keywords, setKeywords] = useState('');
  const [searched, setSearched] = useState<ComplianceFilters | undefined>();
  const [results, setResults] = useState<{ messages: SecureMessage[]; more: boolean } | undefined>();
  const [searching, setSearching] = useState(false);
  const [progress, setProgress] = useState<ComplianceExportProgress | undefined>();
  const [exporting, setExporting] = useState(false);
  const [error, setError] = useState<string | undefined>();

  const [people, setPeople] = useState<Map<string, string>>(new Map());

  useEffect(() => {
    void (async () => {
      const found = await orgSpaces(sdk);
      setSpaces(found);
      // A direct space is named by its two people (the directory answers 85 ids a request).
      const ids = [...new Set(found.filter((s) => s.type === 'direct').flatMap((s) => s.memberIds))].slice(0, 850);
      const names = new Map<string, string>();
      for (let i = 0; i < ids.length; i += 85) {
        for (const p of (await sdk.api.people.list({ id: ids.slice(i, i + 85).join(',') })).items) names.set(p.id, p.displayName);
      }
      setPeople(names);
    })().catch((e: unknown) => store.fail(e));
  }, [sdk, store]);

  const spaceName = (id: string) => {
    const s = spaces.find((x) => x.id === id);
    if (s === undefined) return id;
    if (s.type === 'direct') return t('complianceDirect', { people: list(s.memberIds.map((m) => people.get(m) ?? m.slice(0, 8))) });
    return s.title ?? t('complianceUntitled');
  };

  const search = (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    const filters: ComplianceFilters = {};
    if (roomId !== '') filters.roomId = roomId;
    if (person.trim() !== '') filters.personEmail = person.trim().toLowerCase();
    const f = dayStart(from, false);
    const u = dayStart(to, true);
    if (f !== undefined) filters.from = f;
    if (u !== undefined) filters.to = u;
    if (f !== undefined && u !== undefined && f >= u) {
      setError(t('complianceBadDates'));
      return;
    }
    if (keywords.trim() !== '') filters.keywords = keywords.trim();
    setSearching(true);
    setProgress(undefined);
    void previewMessages(sdk, filters)
      .then(
        (r) => {
          setResults(r);
          setSearched(filters);
        },
        (err: unknown) => store.fail(err),
      )
      .finally(() => setSearching(false));
  };

  const download = (format: 'json' | 'csv') => {
    if (searched === undefined) return;
    setExporting(true);
    void exportCompliance(sdk, searched, format, setProgress)
      .then(
        (blob) => saveBlob(blob, `flint-compliance-${new Date().toISOString().slice(0, 10)}.zip`),
        (err: unknown) => store.fail(err),
      )
      .finally(() => setExporting(false));
  };

  return (
    <div className="stack">
      <p className="muted small">{t('complianceHelp')}</p>
      <h3 id="compliance-search-title">{t('complianceSearchTitle')}</h3>
      <form className="stack" onSubmit={search} aria-labelledby="compliance-search-title" data-testid="compliance-search">
        <div className="row wrap">
          <label>
            {t('complianceSpace')}
            <select value={roomId} onChange={(e) => setRoomId(e.target.value)}>
              <option value="">{t('complianceAllSpaces')}</option>
              {spaces.map((s) => (
                <option key={s.id} value={s.id}>
                  {spaceName(s.id)}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('compliancePerson')}
            <input type="email" value={person} onChange={(e) => setPerson(e.target.value)} />
          </label>
        </div>
        <div className="row wrap">
          <label>
            {t('complianceFrom')}
            <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
          </label>
          <label>
            {t('complianceTo')}
            <input type="date" value={to} onChange={(e) => setTo(e.target.value)} />
          </label>
          <label>
            {t('complianceKeywords')}
            <input type="search" value={keywords} onChange={(e) => setKeywords(e.target.value)} />
          </label>
        </div>
        <div className="row">
          <button type="submit" className="primary small" disabled={searching}>
            {searching ? t('complianceSearching') : t('complianceSearch')}
          </button>
        </div>
        {error !== undefined && (
          <p role="alert" className="notice">
            {error}
          </p>
        )}
      </form>

      {results !== undefined && (
        <section aria-labelledby="compliance-preview-title" className="stack">
          <h3 id="compliance-preview-title">{t('compliancePreview')}</h3>
          <p role="status" className="small">
            {results.messages.length === 0 ? t('complianceNoResults') : plural('complianceCount', results.messages.length)}
            {results.more ? ` ${t('complianceMore', { count: results.messages.length })}` : ''}
          </p>
          {results.messages.length > 0 && (
            <table className="admin-table" data-testid="compliance-results">
              <thead>
                <tr>
                  <th scope="col">{t('complianceColTime')}</th>
                  <th scope="col">{t('complianceColSpace')}</th>
                  <th scope="col">{t('complianceColPerson')}</th>
                  <th scope="col">{t('complianceColMessage')}</th>
                </tr>
              </thead>
              <tbody>
                {results.messages.map((m) => (
                  <tr key={m.id} data-message={m.id}>
                    <td>{`${day(m.created)} ${time(m.created)}`}</td>
                    <td>{spaceName(m.roomId)}</td>
                    <td>{m.personEmail}</td>
                    <td>
                      {m.decryptError !== undefined ? <span className="muted">{t('complianceUnreadable', { reason: m.decryptError.message })}</span> : m.text}
                      {m.updated !== undefined && <span className="muted small"> ({t('complianceEdited')})</span>}
                      {(m.files?.length ?? 0) > 0 && <span className="muted small"> ({plural('complianceFiles', m.files!.length)})</span>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <h3 id="compliance-download-title">{t('complianceDownload')}</h3>
          <p className="muted small">{t('complianceLargeNote')}</p>
          <div className="row wrap" role="group" aria-labelledby="compliance-download-title">
            <button type="button" className="small" disabled={exporting} onClick={() => download('json')}>
              {t('complianceDownloadJson')}
            </button>
            <button type="button" className="small" disabled={exporting} onClick={() => download('csv')}>
              {t('complianceDownloadCsv')}
            </button>
          </div>
          {progress !== undefined && (
            <p role="status" className="small" data-testid="compliance-progress">
              {progress.phase === 'done'
                ? t('complianceDone', { messages: progress.messages, events: progress.events, files: progress.files })
                : `${t('complianceExporting')} ${t('complianceProgress', { messages: progress.messages, events: progress.events, files: progress.files, total: progress.filesTotal })}`}
            </p>
          )}
          {exporting && progress !== undefined && <progress max={Math.max(progress.filesTotal, 1)} value={progress.files} aria-label={t('complianceExporting')} />}
        </section>
      )}
    </div>
  );
}
