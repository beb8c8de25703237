/**
 * Report a problem (SPEC AD-5): a description, an image the person attaches (a screenshot they
 * took; the app does not capture itself, which would need new CSP exceptions), and — only if they
 * tick the box — the app's technical log, which holds codes and counts, never content
 * (app/client-log.ts). The person can read the log before sending it.
 * @module
 */
import { useState } from 'react';
import { FEEDBACK_LIMITS, type ClientLogEntry } from '@flint/protocol';
import { useI18n } from '../i18n/index.tsx';
import { useAppStore } from './store-context.ts';
import { clientLog, logEvent } from '../app/client-log.ts';
import { Problem } from './Problem.tsx';

const TYPES = ['image/png', 'image/jpeg', 'image/webp'] as const;
type ShotType = (typeof TYPES)[number];

function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function Feedback() {
  const { t, fileSize } = useI18n();
  const store = useAppStore();
  const [description, setDescription] = useState('');
  const [shot, setShot] = useState<File | undefined>();
  const [withLogs, setWithLogs] = useState(false);
  const [logs, setLogs] = useState<ClientLogEntry[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [sent, setSent] = useState(false);
  const [busy, setBusy] = useState(false);

  const submit = async () => {
    setError(undefined);
    setSent(false);
    if (shot !== undefined && shot.size > FEEDBACK_LIMITS.screenshotBytes) return setError(t('feedbackTooBig', { size: fileSize(FEEDBACK_LIMITS.screenshotBytes) }));
    if (description.trim() === '' && shot === undefined && !withLogs) return setError(t('feedbackEmpty'));
    setBusy(true);
    try {
      const body: Parameters<typeof store.session.client.feedback.send>[0] = { clientVersion: 'flint-web/0.1.0' };
      if (description.trim() !== '') body.description = description.trim();
      if (shot !== undefined) body.screenshot = { contentType: shot.type as ShotType, data: base64(new Uint8Array(await shot.arrayBuffer())) };
      if (withLogs) body.logs = clientLog();
      await store.session.client.feedback.send(body);
      setDescription('');
      setShot(undefined);
      setWithLogs(false);
      setLogs(undefined);
      setSent(true);
    } catch (e) {
      store.fail(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="feedback-title" className="card">
      <h2 id="feedback-title">{t('feedbackTitle')}</h2>
      <form
        className="stack"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        {sent && (
          <p className="notice" role="status">
            {t('feedbackSent')}
          </p>
        )}
        <Problem text={error} />
        <label>
          {t('feedbackDescription')}
          <textarea rows={4} maxLength={FEEDBACK_LIMITS.descriptionChars} value={description} onChange={(e) => setDescription(e.target.value)} />
        </label>
        <label>
          {t('feedbackScreenshot')}
          <input
            type="file"
            accept={TYPES.join(',')}
            onChange={(e) => {
              const file = e.target.files?.[0];
              setShot(file !== undefined && (TYPES as readonly string[]).includes(file.type) ? file : undefined);
              if (file !== undefined && !(TYPES as readonly string[]).includes(file.type)) setError(t('feedbackNotImage'));
            }}
          />
        </label>
        <label className="check">
          <input
            type="checkbox"
            checked={withLogs}
            onChange={(e) => {
              setWithLogs(e.target.checked);
              if (e.target.checked) logEvent('feedback.opened');
            }}
          />
          {t('feedbackLogs')}
        </label>
        {withLogs && (
          <details onToggle={(e) => (e.currentTarget.open ? setLogs(clientLog()) : undefined)}>
            <summary>{t('feedbackShowLogs')}</summary>
            <pre className="log-preview" tabIndex={0}>
              {(logs ?? []).map((l) => `${l.t} ${l.level} ${l.event}${l.data !== undefined ? ' ' + JSON.stringify(l.data) : ''}`).join('\n')}
            </pre>
          </details>
        )}
        <button type="submit" className="primary small" disabled={busy}>
          {t('feedbackSend')}
        </button>
      </form>
    </section>
  );
}
