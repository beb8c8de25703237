/**
 * One's own data (SPEC ID-10): the export of everything one can read, built on this device
 * (app/own-export.ts), with its progress.
 * @module
 */
import { useState } from 'react';
import { useI18n } from '../i18n/index.tsx';
import { useAppStore } from './store-context.ts';
import { exportOwnData, type ExportProgress } from '../app/own-export.ts';
import { saveBlob } from '../app/actions.ts';

export function OwnData() {
  const { t } = useI18n();
  const store = useAppStore();
  const [progress, setProgress] = useState<ExportProgress | undefined>();
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);

  const run = async () => {
    setBusy(true);
    setDone(false);
    try {
      const blob = await exportOwnData(store.session.sdk, setProgress);
      saveBlob(blob, `flint-export-${new Date().toISOString().slice(0, 10)}.zip`);
      setDone(true);
    } catch (error) {
      store.fail(error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="own-data-title" className="card stack">
      <h2 id="own-data-title">{t('ownDataTitle')}</h2>
      <p className="muted small">{t('ownDataHelp')}</p>
      <div className="row">
        <button type="button" className="primary small" disabled={busy} onClick={() => void run()}>
          {busy ? t('ownDataExporting') : t('ownDataExport')}
        </button>
      </div>
      {progress !== undefined && (
        <p role="status" className="small">
          {done
            ? t('ownDataDone', { messages: progress.messages, files: progress.files, spaces: progress.spacesTotal })
            : t('ownDataProgress', { spaces: progress.spacesDone, total: progress.spacesTotal, messages: progress.messages, files: progress.files })}
        </p>
      )}
      {busy && progress !== undefined && <progress max={Math.max(progress.spacesTotal, 1)} value={progress.spacesDone} aria-label={t('ownDataExporting')} />}
    </section>
  );
}

/**
 * Deleting one's account (SPEC ID-10), confirmed by typing one's own address; the org's policy says
 * what becomes of one's messages (the core answers it and applies it).
 */
export function DeleteAccount() {
  const { t } = useI18n();
  const store = useAppStore();
  const email = store.session.me.emails[0] ?? '';
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const matches = typed.trim().toLowerCase() === email.toLowerCase() && email !== '';
  return (
    <section aria-labelledby="delete-account-title" className="card stack">
      <h2 id="delete-account-title">{t('deleteAccountTitle')}</h2>
      <p className="muted small">{t('deleteAccountHelp')}</p>
      <form
        className="stack"
        onSubmit={(e) => {
          e.preventDefault();
          if (!matches) return;
          setBusy(true);
          void store.session.deleteAccount(typed.trim()).catch((error: unknown) => {
            setBusy(false);
            store.fail(error);
          });
        }}
      >
        <label>
          {t('deleteAccountConfirm', { email })}
          <input type="email" autoComplete="off" value={typed} onChange={(e) => setTyped(e.target.value)} required />
        </label>
        <div className="row">
          <button type="submit" className="danger small" disabled={!matches || busy}>
            {t('deleteAccountButton')}
          </button>
        </div>
      </form>
    </section>
  );
}
