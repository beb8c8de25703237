/**
 * One board, open in the main area (issue 21: MT-5): its title (rename), Save (the merged state and
 * a PNG thumbnail, both sealed in this tab; the core then drops the updates the snapshot covers),
 * and the drawing surface, loaded lazily. The SDK keeps the board in step with the other members'
 * devices while it is open (session.whiteboards.open).
 * @module
 */
import { lazy, Suspense, useEffect, useRef, useState, type FormEvent } from 'react';
import type { OpenWhiteboard, WhiteboardSync } from '@flint/sdk';
import { useI18n } from '../../i18n/index.tsx';
import { href } from '../../app/router.ts';
import { useAppStore } from '../store-context.ts';
import { Icon } from '../Icon.tsx';
import type { CanvasHandle } from './ExcalidrawCanvas.tsx';

const ExcalidrawCanvas = lazy(() => {
  // Set before Excalidraw's module runs (it reads it as it starts): its fonts from this origin, which the CSP allows.
  (window as { EXCALIDRAW_ASSET_PATH?: string }).EXCALIDRAW_ASSET_PATH = `${window.location.origin}/excalidraw/`;
  return import('./ExcalidrawCanvas.tsx');
});

export function WhiteboardView({ roomId, boardId }: { roomId: string; boardId: string }) {
  const { t, language, time } = useI18n();
  const store = useAppStore();
  const boards = store.session.sdk.whiteboards;
  const [board, setBoard] = useState<OpenWhiteboard | undefined>();
  const [sync, setSync] = useState<WhiteboardSync | undefined>();
  const [title, setTitle] = useState('');
  const [status, setStatus] = useState<string>(' ');
  const [busy, setBusy] = useState(false);
  const canvas = useRef<CanvasHandle | undefined>(undefined);

  useEffect(() => {
    let open: WhiteboardSync | undefined;
    let live = true;
    boards.get(boardId).then(
      (b) => {
        if (!live) return;
        setBoard(b);
        setTitle(b.title ?? '');
      },
      (e: unknown) => store.fail(e),
    );
    boards.open(boardId).then(
      (s) => {
        if (!live) return s.close();
        open = s;
        s.onError((e) => store.fail(e));
        setSync(s);
      },
      (e: unknown) => store.fail(e),
    );
    return () => {
      live = false;
      open?.close();
    };
  }, [boards, boardId, store]);

  const save = async () => {
    if (sync === undefined) return;
    setBusy(true);
    try {
      const png = await canvas.current?.thumbnail().catch(() => undefined);
      const saved = await sync.save(png);
      setStatus(t('whiteboardSaved', { time: time(saved.lastActivity) }));
    } catch (error) {
      store.fail(error);
    } finally {
      setBusy(false);
    }
  };

  const rename = async (e: FormEvent) => {
    e.preventDefault();
    if (title.trim() === '' || title === board?.title) return;
    try {
      setBoard(await boards.rename(boardId, title));
      setStatus(t('whiteboardRenamed'));
    } catch (error) {
      store.fail(error);
    }
  };

  return (
    <section className="whiteboard-view" aria-labelledby="whiteboard-title">
      <header className="conv-header">
        <a className="icon-button back-button" href={href({ view: 'space', roomId, panel: 'whiteboards' })} aria-label={t('backToWhiteboards')}>
          <Icon name="back" />
        </a>
        <h1 id="whiteboard-title">{board === undefined ? t('loading') : (board.title ?? t('whiteboardUnreadable'))}</h1>
        <form className="row whiteboard-rename" onSubmit={(e) => void rename(e)}>
          <label>
            <span className="visually-hidden">{t('whiteboardTitle')}</span>
            <input value={title} onChange={(e) => setTitle(e.target.value)} maxLength={256} disabled={board === undefined} />
          </label>
          <button type="submit" className="button small" disabled={board === undefined || title.trim() === '' || title === board.title}>
            {t('rename')}
          </button>
        </form>
        <span className="spacer" />
        <span className="small muted" role="status" aria-live="polite">
          {status}
        </span>
        <button type="button" className="button small primary" disabled={sync === undefined || busy} onClick={() => void save()}>
          {t('saveWhiteboard')}
        </button>
      </header>
      {sync === undefined ? (
        <p role="status">{t('loading')}</p>
      ) : (
        <Suspense fallback={<p role="status">{t('loading')}</p>}>
          <ExcalidrawCanvas sync={sync} language={language === 'fr' ? 'fr-FR' : 'en'} label={t('whiteboardCanvas')} onReady={(h) => (canvas.current = h)} />
        </Suspense>
      )}
    </section>
  );
}
