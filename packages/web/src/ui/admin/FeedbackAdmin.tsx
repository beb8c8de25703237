/**
 * Problem reports for the org's admins (SPEC AD-5): who sent what and when; each downloads as a
 * zip of its JSON (description, log) and its screenshot, built in the browser with fflate.
 * @module
 */
import { useEffect, useState } from 'react';
import { strToU8, zipSync } from 'fflate';
import type { FeedbackSummary } from '@flint/protocol';
import { useI18n } from '../../i18n/index.tsx';
import { useAppStore } from '../store-context.ts';
import { saveBlob } from '../../app/actions.ts';

const EXTENSION: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp' };

export function FeedbackAdmin() {
  const { t, day, time } = useI18n();
  const store = useAppStore();
  const { client } = store.session;
  const [items, setItems] = useState<FeedbackSummary[] | undefined>();

  useEffect(() => {
    void client.feedback.list({ max: 100 }).then(setItems, (e: unknown) => store.fail(e));
  }, [client, store]);

  const download = async (item: FeedbackSummary) => {
    try {
      const report = await client.feedback.get(item.id);
      const files: Record<string, Uint8Array> = { 'report.json': strToU8(JSON.stringify(report, null, 2)) };
      if (report.hasScreenshot) {
        const shot = await client.feedback.screenshot(item.id);
        files[`screenshot.${EXTENSION[shot.contentType] ?? 'bin'}`] = shot.data;
      }
      const zip = zipSync(files, { level: 6 });
      saveBlob(new Blob([zip], { type: 'application/zip' }), `flint-report-${item.created.slice(0, 10)}-${item.id.slice(0, 8)}.zip`);
    } catch (e) {
      store.fail(e);
    }
  };

  if (items === undefined) return <p role="status">{t('loading')}</p>;
  if (items.length === 0) return <p className="muted">{t('feedbackNone')}</p>;
  return (
    <div className="table-wrap">
      <table className="admin-table">
        <thead>
          <tr>
            <th scope="col">{t('auditWhen')}</th>
            <th scope="col">{t('feedbackFrom')}</th>
            <th scope="col">{t('feedbackColumnText')}</th>
            <th scope="col">{t('feedbackWithShot')}</th>
            <th scope="col">{t('feedbackLogCount')}</th>
            <th scope="col">
              <span className="visually-hidden">{t('feedbackDownload')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((item) => (
            <tr key={item.id}>
              <td>
                <time dateTime={item.created}>
                  {day(item.created)} {time(item.created)}
                </time>
              </td>
              <td>
                {item.personName}
                <br />
                <span className="muted small">{item.personEmail}</span>
              </td>
              <td className="feedback-text">{item.description ?? ''}</td>
              <td>{item.hasScreenshot ? '✓' : ''}</td>
              <td>{item.logEntries}</td>
              <td>
                <button type="button" className="small" aria-label={t('feedbackDownloadOf', { name: item.personName, when: `${day(item.created)} ${time(item.created)}` })} onClick={() => void download(item)}>
                  {t('feedbackDownload')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
