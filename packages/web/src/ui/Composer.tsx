/**
 * Writing: the composer of a space or thread (drafts sealed per space, typing indicator, files) and
 * the editor it shares with message editing, with @-mention autocomplete over the space's members
 * (SPEC MS-1, MS-2, MS-7).
 * @module
 */
import { useEffect, useId, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { SecureRoom } from '@flint/sdk';
import { useI18n } from '../i18n/index.tsx';
import { sendMessage, type Draft } from '../app/actions.ts';
import { loadDraft, saveDraft } from '../app/drafts.ts';
import { useAppStore } from './store-context.ts';
import { Icon } from './Icon.tsx';

const TYPING_REPEAT_MS = 3000;
const TYPING_IDLE_MS = 4000;

export function Composer({ room, title, parentId, onFiles }: { room: SecureRoom; title: string; parentId?: string; onFiles?: (files: File[]) => void }) {
  const { t } = useI18n();
  const store = useAppStore();
  const fileInput = useRef<HTMLInputElement>(null);
  const [initial, setInitial] = useState<{ text: string; mentions: Map<string, string> } | undefined>(parentId !== undefined ? { text: '', mentions: new Map() } : undefined);
  const typingSent = useRef(0);
  const idle = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const draftTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  useEffect(() => {
    if (parentId !== undefined) return;
    let live = true;
    void loadDraft(store.session.sdk, room.id).then((text) => {
      if (live) setInitial({ text, mentions: new Map() });
    });
    return () => {
      live = false;
    };
  }, [room.id, parentId, store]);

  const stopTyping = () => {
    if (idle.current !== undefined) clearTimeout(idle.current);
    if (typingSent.current !== 0) {
      typingSent.current = 0;
      void store.session.client.rooms.typing(room.id, false).catch(() => undefined);
    }
  };

  const onChange = (text: string) => {
    const now = Date.now();
    if (text !== '' && now - typingSent.current > TYPING_REPEAT_MS) {
      typingSent.current = now;
      void store.session.client.rooms.typing(room.id, true).catch(() => undefined);
    }
    if (idle.current !== undefined) clearTimeout(idle.current);
    idle.current = setTimeout(stopTyping, TYPING_IDLE_MS);
    if (parentId === undefined) {
      if (draftTimer.current !== undefined) clearTimeout(draftTimer.current);
      draftTimer.current = setTimeout(() => void saveDraft(store.session.sdk, room.id, room.encryptionKeyUrl, text), 500);
    }
  };

  // Only moderators post in an announcement-only space (SP-4): say so rather than offer a box the server refuses.
  if (room.isAnnouncementOnly && room.isModerator !== true)
    return (
      <div className="composer">
        <p className="muted small" role="status">
          {t('announcementOnlyNote')}
        </p>
      </div>
    );
  if (initial === undefined) return <div className="composer" />;
  return (
    <div className="composer">
      {onFiles !== undefined && (
        <>
          <button type="button" className="icon-button attach" aria-label={t('attach')} title={t('attach')} onClick={() => fileInput.current?.click()}>
            <Icon name="attach" size={20} />
          </button>
          <input
            ref={fileInput}
            type="file"
            multiple
            hidden
            aria-label={t('attach')}
            onChange={(e) => {
              const picked = [...(e.target.files ?? [])];
              e.target.value = '';
              if (picked.length > 0) onFiles(picked);
            }}
          />
        </>
      )}
      <DraftEditor
        key={room.id}
        roomId={room.id}
        initial={initial}
        label={parentId !== undefined ? t('replyPlaceholder') : t('composerLabel', { space: title })}
        placeholder={parentId !== undefined ? t('replyPlaceholder') : t('composerPlaceholder')}
        onChange={onChange}
        {...(onFiles !== undefined ? { onPasteFiles: onFiles } : {})}
        clearOnSubmit
        onSubmit={async (draft) => {
          stopTyping();
          if (draftTimer.current !== undefined) clearTimeout(draftTimer.current);
          await sendMessage(store, room.id, draft, parentId);
          if (parentId === undefined) void saveDraft(store.session.sdk, room.id, room.encryptionKeyUrl, '');
        }}
      />
    </div>
  );
}

interface Candidate {
  id: string;
  name: string;
  detail: string;
}

/** A textarea that sends on Enter (Shift+Enter for a new line) and completes @mentions. */
export function DraftEditor({
  roomId,
  initial,
  label,
  placeholder,
  onSubmit,
  onCancel,
  onChange,
  onPasteFiles,
  clearOnSubmit = false,
}: {
  roomId: string;
  initial: { text: string; mentions: Map<string, string> };
  label: string;
  placeholder?: string;
  onSubmit: (draft: Draft) => Promise<void>;
  onCancel?: () => void;
  onChange?: (text: string) => void;
  /** Files pasted into the box (a screenshot copied to the clipboard) are shared like picked ones. */
  onPasteFiles?: (files: File[]) => void;
  clearOnSubmit?: boolean;
}) {
  const { t } = useI18n();
  const store = useAppStore();
  const [text, setText] = useState(initial.text);
  const mentions = useRef(new Map(initial.mentions));
  const [query, setQuery] = useState<string | undefined>();
  const [selected, setSelected] = useState(0);
  const [busy, setBusy] = useState(false);
  const area = useRef<HTMLTextAreaElement>(null);
  const listId = useId();
  // Where the caret goes once a chosen mention is in the text: placed in the same commit, before the
  // browser handles the next key (a frame later, quick typing after the mention landed out of order).
  const caretAfter = useRef<number | undefined>(undefined);
  const blurTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useLayoutEffect(() => {
    const at = caretAfter.current;
    if (at === undefined) return;
    caretAfter.current = undefined;
    area.current?.focus();
    area.current?.setSelectionRange(at, at);
  });

  const members = store.members.get(roomId) ?? [];
  const candidates: Candidate[] =
    query === undefined
      ? []
      : [
          ...members
            .filter((m) => m.personId !== store.me)
            .map((m) => ({ id: m.personId, name: m.personDisplayName, detail: m.personEmail }))
            .filter((c) => c.name.toLowerCase().startsWith(query.toLowerCase()) || c.name.toLowerCase().includes(` ${query.toLowerCase()}`) || c.detail.toLowerCase().startsWith(query.toLowerCase())),
          ...('all'.startsWith(query.toLowerCase()) || 'everyone'.startsWith(query.toLowerCase()) ? [{ id: 'all', name: 'all', detail: t('everyone') }] : []),
        ].slice(0, 8);

  const update = (value: string, caret: number) => {
    setText(value);
    onChange?.(value);
    const match = /(?:^|\s)@([^\s@]{0,30})$/.exec(value.slice(0, caret));
    setQuery(match?.[1]);
    setSelected(0);
  };

  const choose = (c: Candidate) => {
    const el = area.current;
    const caret = el?.selectionStart ?? text.length;
    const before = text.slice(0, caret).replace(/@([^\s@]{0,30})$/, `@${c.name} `);
    const value = before + text.slice(caret);
    mentions.current.set(c.name, c.id);
    setText(value);
    onChange?.(value);
    setQuery(undefined);
    caretAfter.current = before.length;
  };

  const submit = async () => {
    if (text.trim() === '' || busy) return;
    setBusy(true);
    try {
      await onSubmit({ text: text.trim(), mentions: mentions.current });
      if (clearOnSubmit) {
        setText('');
        mentions.current = new Map();
      }
    } catch (error) {
      store.fail(error);
    } finally {
      setBusy(false);
      area.current?.focus();
    }
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (candidates.length > 0) {
      if (e.key === 'ArrowDown') return (e.preventDefault(), setSelected((selected + 1) % candidates.length));
      if (e.key === 'ArrowUp') return (e.preventDefault(), setSelected((selected - 1 + candidates.length) % candidates.length));
      if (e.key === 'Enter' || e.key === 'Tab') return (e.preventDefault(), choose(candidates[selected]!));
      if (e.key === 'Escape') return (e.preventDefault(), setQuery(undefined));
    }
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void submit();
    } else if (e.key === 'Escape' && onCancel !== undefined) onCancel();
  };

  return (
    <div className="editor">
      <textarea
        ref={area}
        value={text}
        rows={Math.min(8, Math.max(1, text.split('\n').length))}
        aria-label={label}
        placeholder={placeholder}
        role="combobox"
        aria-autocomplete="list"
        aria-expanded={candidates.length > 0}
        aria-controls={listId}
        aria-activedescendant={candidates.length > 0 ? `${listId}-${selected}` : undefined}
        onChange={(e) => update(e.target.value, e.target.selectionStart)}
        onKeyDown={onKeyDown}
        onPaste={(e) => {
          const pasted = [...e.clipboardData.files];
          if (onPasteFiles === undefined || pasted.length === 0) return;
          // Files on the clipboard (a copied screenshot) are shared; a text paste goes on as usual.
          e.preventDefault();
          onPasteFiles(pasted);
        }}
        // The list closes a moment after focus leaves (so a click on an option lands), unless focus came back.
        onBlur={() => (blurTimer.current = setTimeout(() => setQuery(undefined), 150))}
        onFocus={() => clearTimeout(blurTimer.current)}
        autoFocus={onCancel !== undefined}
      />
      <ul id={listId} role="listbox" className={`mentions-popup ${candidates.length > 0 ? '' : 'hidden'}`} aria-label={t('members')}>
        {candidates.map((c, i) => (
          <li key={c.id} id={`${listId}-${i}`} role="option" aria-selected={i === selected} onMouseDown={(e) => (e.preventDefault(), choose(c))}>
            <strong>@{c.name}</strong> <span className="muted small">{c.detail}</span>
          </li>
        ))}
      </ul>
      <div className="editor-buttons">
        {onCancel !== undefined && (
          <button type="button" className="small" onClick={onCancel}>
            {t('cancel')}
          </button>
        )}
        <button type="button" className="primary small" disabled={busy || text.trim() === ''} onClick={() => void submit()}>
          {onCancel !== undefined ? t('save') : t('send')}
        </button>
      </div>
    </div>
  );
}
