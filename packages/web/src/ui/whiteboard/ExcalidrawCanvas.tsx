/**
 * The drawing surface of a board: Excalidraw (MIT), bound to the board's Yjs document. Loaded
 * lazily (WhiteboardView imports this module with `lazy`), so Excalidraw and its styles are not in
 * the main bundle. Its fonts are served from this origin (the build copies them under
 * `/excalidraw/`, build/excalidraw-assets.mjs) because the CSP allows fonts and connections from
 * 'self' only; WhiteboardView sets `window.EXCALIDRAW_ASSET_PATH` before this module (and so
 * Excalidraw) is imported.
 *
 * The binding: the document's map `elements` holds each Excalidraw element by id as plain JSON.
 * A local change writes the elements whose `version` grew; another device's change (applied by the
 * SDK) is merged into the scene, the higher version of each element winning, as Excalidraw's own
 * collaboration does. Elements are copied both ways: Excalidraw mutates its elements in place.
 * Images (Excalidraw's binary files) are not synchronized.
 * @module
 */
import { useEffect, useRef, useState } from 'react';
import { CaptureUpdateAction, Excalidraw, exportToBlob } from '@excalidraw/excalidraw';
import '@excalidraw/excalidraw/index.css';
import type * as Y from 'yjs';
import type { WhiteboardSync } from '@flint/sdk';
import { useI18n } from '../../i18n/index.tsx';


/** What the binding reads of an element; the rest travels untouched. */
interface ElementLike {
  id: string;
  version: number;
  index?: string | null;
  isDeleted?: boolean;
  type?: string;
  text?: string;
}

/**
 * What is drawn, for screen readers (the canvas itself says nothing): how many shapes, and the
 * board's text. Kept as one string so an unchanged scene does not render again.
 */
function summaryOf(scene: readonly ElementLike[]): string {
  const shown = scene.filter((e) => e.isDeleted !== true);
  return JSON.stringify({ count: shown.length, texts: shown.filter((e) => e.type === 'text' && typeof e.text === 'string' && e.text.trim() !== '').map((e) => e.text) });
}

/**
 * The part of Excalidraw's imperative API used here, typed locally: the package's declarations name
 * modules it does not publish (@excalidraw/common, …), so its own types do not resolve.
 */
interface ExcalidrawApi {
  getSceneElementsIncludingDeleted(): readonly ElementLike[];
  getSceneElements(): readonly ElementLike[];
  getFiles(): unknown;
  updateScene(scene: { elements: readonly ElementLike[]; captureUpdate: string }): void;
}
/** Excalidraw's `exportToBlob`, with the options used here. */
const exportPng = exportToBlob as unknown as (options: { elements: readonly ElementLike[]; appState: Record<string, unknown>; files: unknown; mimeType: string; maxWidthOrHeight: number }) => Promise<Blob>;
/** Changes from other devices are not steps of this person's undo history. */
const NOT_UNDOABLE = (CaptureUpdateAction as unknown as { NEVER: string }).NEVER;

/** Marks this tab's own writes to the document. */
const LOCAL = 'flint-excalidraw';

function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function byIndex(a: ElementLike, b: ElementLike): number {
  const x = a.index ?? '';
  const y = b.index ?? '';
  return x < y ? -1 : x > y ? 1 : a.id < b.id ? -1 : 1;
}

export interface CanvasHandle {
  /** A PNG of the board (at most 320 px a side), or undefined when nothing is drawn. */
  thumbnail(): Promise<Uint8Array | undefined>;
}

export default function ExcalidrawCanvas({ sync, language, label, onReady }: { sync: WhiteboardSync; language: string; label: string; onReady: (handle: CanvasHandle) => void }) {
  const { plural, t } = useI18n();
  const api = useRef<ExcalidrawApi | undefined>(undefined);
  const [summary, setSummary] = useState(summaryOf([]));
  const elements = sync.doc.getMap<ElementLike>('elements');

  // Another device's changes: merged into the scene, the higher version of each element winning.
  const applyRemote = (map: Y.Map<ElementLike>) => {
    const a = api.current;
    if (a === undefined) return;
    const scene = new Map<string, ElementLike>(a.getSceneElementsIncludingDeleted().map((e) => [e.id, e]));
    let changed = false;
    for (const [id, stored] of map) {
      const mine = scene.get(id);
      if (mine === undefined || stored.version > mine.version) {
        scene.set(id, copy(stored));
        changed = true;
      }
    }
    if (!changed) return;
    a.updateScene({ elements: [...scene.values()].sort(byIndex), captureUpdate: NOT_UNDOABLE });
  };

  useEffect(() => {
    const observer = (_event: Y.YMapEvent<ElementLike>, transaction: Y.Transaction) => {
      if (transaction.origin !== LOCAL) applyRemote(elements);
    };
    elements.observe(observer);
    return () => elements.unobserve(observer);
  }, [elements]);

  const onChange = (scene: readonly unknown[]) => {
    setSummary(summaryOf(scene as readonly ElementLike[]));
    const changed = (scene as readonly ElementLike[]).filter((e) => {
      const stored = elements.get(e.id);
      return stored === undefined || e.version > stored.version;
    });
    if (changed.length === 0) return;
    sync.doc.transact(() => {
      for (const e of changed) elements.set(e.id, copy(e));
    }, LOCAL);
  };

  return (
    <div className="whiteboard-canvas" role="region" aria-label={label}>
      <BoardSummary summary={summary} shapes={(n) => plural('whiteboardShapes', n)} textsLabel={t('whiteboardTexts')} />
      <Excalidraw
        langCode={language}
        // What the document holds when the surface mounts (a late joiner's saved board): updateScene before Excalidraw has started would be lost.
        initialData={{ elements: [...elements.values()].map((e) => copy(e)).sort(byIndex) } as never}
        excalidrawAPI={(given: unknown) => {
          const a = given as ExcalidrawApi;
          api.current = a;
          applyRemote(elements);
          onReady({
            thumbnail: async () => {
              const drawn = a.getSceneElements();
              if (drawn.length === 0) return undefined;
              const blob = await exportPng({ elements: drawn, appState: { exportBackground: true, viewBackgroundColor: '#ffffff' }, files: a.getFiles(), mimeType: 'image/png', maxWidthOrHeight: 320 });
              return new Uint8Array(await blob.arrayBuffer());
            },
          });
        }}
        onChange={(scene: readonly unknown[]) => onChange(scene)}
        UIOptions={{ canvasActions: { loadScene: false, saveToActiveFile: false, export: false, saveAsImage: true } }}
      />
    </div>
  );
}

function BoardSummary({ summary, shapes, textsLabel }: { summary: string; shapes: (n: number) => string; textsLabel: string }) {
  const { count, texts } = JSON.parse(summary) as { count: number; texts: string[] };
  return (
    <div className="visually-hidden" data-testid="whiteboard-summary">
      <p>{shapes(count)}</p>
      {texts.length > 0 && (
        <ul aria-label={textsLabel}>
          {texts.map((text, i) => (
            <li key={i}>{text}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
