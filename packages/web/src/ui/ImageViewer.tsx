/**
 * A shared image at full size, in a dialog over the conversation (SPEC FL-1): the file itself,
 * decrypted and verified in the tab and shown from a blob: URL that is revoked when the dialog
 * closes; Escape or the close button closes it, Download saves it.
 * @module
 */
import { useEffect, useState } from 'react';
import type { FileReference } from '@flint/sdk';
import { useI18n } from '../i18n/index.tsx';
import { fetchFile, saveBlob } from '../app/actions.ts';
import { useAppStore } from './store-context.ts';
import { Dialog } from './Dialog.tsx';
import { Icon } from './Icon.tsx';

export function ImageViewer({ reference, onClose }: { reference: FileReference; onClose: () => void }) {
  const { t, fileSize } = useI18n();
  const store = useAppStore();
  const [image, setImage] = useState<{ blob: Blob; url: string } | undefined>();
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    let live = true;
    let url: string | undefined;
    fetchFile(store, reference).then(
      (blob) => {
        if (!live) return;
        url = URL.createObjectURL(blob);
        setImage({ blob, url });
      },
      () => live && setFailed(true),
    );
    return () => {
      live = false;
      if (url !== undefined) URL.revokeObjectURL(url);
    };
  }, [store, reference]);

  return (
    <Dialog title={reference.name} onClose={onClose} className="viewer">
      <div className="viewer-body">
        {image !== undefined ? (
          <img className="viewer-image" src={image.url} alt={reference.name} />
        ) : failed ? (
          <p className="error" role="alert">
            {t('cannotDecrypt')}
          </p>
        ) : (
          <p role="status">{t('loading')}</p>
        )}
      </div>
      <div className="row end">
        <span className="muted small">{fileSize(reference.size)}</span>
        <button type="button" className="small" disabled={image === undefined} onClick={() => image !== undefined && saveBlob(image.blob, reference.name)}>
          <Icon name="download" size={16} /> {t('downloadShort')}
        </button>
      </div>
    </Dialog>
  );
}
