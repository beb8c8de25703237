/**
 * A board's thumbnail: the sealed PNG fetched and opened in this tab, shown from a blob: URL (the
 * CSP allows images from blob:), released when it is no longer shown.
 * @module
 */
import { useEffect, useState } from 'react';
import { useAppStore } from '../store-context.ts';

export function BoardThumbnail({ boardId, snapshotSeq }: { boardId: string; snapshotSeq: number }) {
  const store = useAppStore();
  const [url, setUrl] = useState<string | undefined>();
  useEffect(() => {
    let made: string | undefined;
    let live = true;
    store.session.sdk.whiteboards.thumbnail(boardId).then(
      (png) => {
        if (!live || png === undefined) return;
        made = URL.createObjectURL(new Blob([png as Uint8Array<ArrayBuffer>], { type: 'image/png' }));
        setUrl(made);
      },
      () => undefined,
    );
    return () => {
      live = false;
      if (made !== undefined) URL.revokeObjectURL(made);
    };
  }, [store, boardId, snapshotSeq]);
  // Decorative: the board's title beside it names the link.
  return url === undefined ? <span className="whiteboard-thumb empty" aria-hidden="true" /> : <img className="whiteboard-thumb" src={url} alt="" />;
}
