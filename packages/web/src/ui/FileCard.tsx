/**
 * A shared file (SPEC FL-1, FL-2): its name, size and download, and a preview: the encrypted
 * thumbnail its sender made (any type: images, PDFs…), or for a small image without one, the image
 * itself. Both are decrypted in the tab and shown from a blob: URL (never cached, revoked when the
 * card leaves the screen). A download streams to disk with its progress and a cancel button.
 * @module
 */
import { useEffect, useRef, useState } from 'react';
import { useI18n } from '../i18n/index.tsx';
import type { FileView } from '../app/store.ts';
import { fetchFile, fetchPreview } from '../app/actions.ts';
import { saveFileToDisk } from '../app/transfers.ts';
import { TransferBar } from './TransferBar.tsx';
import { useAppStore } from './store-context.ts';
import { Icon } from './Icon.tsx';
import { ImageViewer } from './ImageViewer.tsx';

/** Images up to this size are previewed inline by decrypting the file itself. */
const INLINE_PREVIEW_BYTES = 8 * 1024 * 1024;
const PREVIEWABLE = /^image\/(png|jpeg|gif|webp|avif|bmp)$/;

export function FileCard({ file }: { file: FileView }) {
  const { t, fileSize } = useI18n();
  const store = useAppStore();
  const ref = file.reference;
  const [preview, setPreview] = useState<string | undefined>();
  const [viewing, setViewing] = useState(false);
  const [saving, setSaving] = useState<{ loaded: number; total: number } | undefined>();
  const saveControl = useRef<AbortController | undefined>(undefined);
  const canPreview = ref !== undefined && (ref.preview !== undefined || (PREVIEWABLE.test(ref.type) && ref.size <= INLINE_PREVIEW_BYTES));

  useEffect(() => {
    if (!canPreview || ref === undefined) return;
    let url: string | undefined;
    let live = true;
    const load = ref.preview !== undefined ? fetchPreview(store, ref) : fetchFile(store, ref);
    void load.then(
      (blob) => {
        if (!live || blob === undefined) return;
        url = URL.createObjectURL(blob);
        setPreview(url);
      },
      () => undefined,
    );
    return () => {
      live = false;
      if (url !== undefined) URL.revokeObjectURL(url);
    };
  }, [canPreview, ref, store]);

  if (ref === undefined) return <div className="file-card error small">{t('cannotDecrypt')}</div>;
  // Streamed to disk, decrypted as it goes (see transfers.ts); one download of a file at a time.
  const download = () => {
    if (saveControl.current !== undefined) return;
    const control = new AbortController();
    saveControl.current = control;
    setSaving({ loaded: 0, total: 1 });
    void saveFileToDisk(store, ref, { signal: control.signal, onProgress: (loaded, total) => setSaving({ loaded, total }) })
      .catch((e: unknown) => {
        if (!control.signal.aborted) store.fail(e);
      })
      .finally(() => {
        saveControl.current = undefined;
        setSaving(undefined);
      });
  };
  // An image opens at full size in the tab; other files (a PDF's first page as preview) download.
  const viewable = PREVIEWABLE.test(ref.type);
  return (
    <figure className="file-card">
      {preview !== undefined && (
        <button
          type="button"
          className="preview-button"
          onClick={viewable ? () => setViewing(true) : download}
          aria-label={viewable ? t('viewImage', { name: ref.name }) : t('download', { name: ref.name })}
        >
          <img className="preview" src={preview} alt={t('preview', { name: ref.name })} />
        </button>
      )}
      {viewing && <ImageViewer reference={ref} onClose={() => setViewing(false)} />}
      <figcaption className="file-meta">
        <span className="file-icon" aria-hidden="true">
          <Icon name="file" />
        </span>
        <span className="file-name">{ref.name}</span>
        <span className="muted small">{fileSize(ref.size)}</span>
        <button type="button" className="small" onClick={download} disabled={saving !== undefined} aria-label={t('download', { name: ref.name })}>
          <Icon name="download" size={16} />
        </button>
      </figcaption>
      {saving !== undefined && (
        <TransferBar
          label={t('downloading', { percent: Math.floor((100 * saving.loaded) / Math.max(1, saving.total)) })}
          loaded={saving.loaded}
          total={saving.total}
          cancelLabel={t('cancelDownload', { name: ref.name })}
          onCancel={() => saveControl.current?.abort()}
        />
      )}
    </figure>
  );
}
