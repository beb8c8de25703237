/**
 * Writing: the composer of a space or thread (drafts sealed per space, typing indicator, files) and
 * the editor it shares with message editing, with @-mention autocomplete over the space's members
 * (SPEC MS-1, MS-2, MS-7), `:shortcode:` completion and an emoji picker (issue 16). Files chosen,
 * pasted or dropped wait in the composer, where the text typed is their caption, until Send.
 * @module
 */
import { useEffect, useId, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { Draft as CaptionDraft } from '../app/actions.ts';
import { completeShortcode, loadEmoji, type EmojiIndex } from '../emoji/emoji-data.ts';
import { EmojiPicker } from './EmojiPicker.tsx';
import type { SecureRoom } from '@flint/sdk';
import { useI18n } from '../i18n/index.tsx';
import { sendMessage, type Draft } from '../app/actions.ts';
import { loadDraft, saveDraft } from '../app/drafts.ts';
import { useAppStore } from './store-context.ts';
import { Icon } from './Icon.tsx';
import { ShareLocationButton } from './Location.tsx';
import { locationSharingOn } from '../app/location.ts';

const TYPING_REPEAT_MS = 3000;
const TYPING_IDLE_MS = 4000;

export function Composer({
  room,
  title,
  parentId,
  staged = [],
  onFiles,
  onUnstage,
  onSendFiles,
}: {
  room: SecureRoom;
  title: string;
  parentId?: string;
  /** Files waiting for Send (their caption is the text typed). */
  staged?: readonly File[];
  onFiles?: (files: File[]) => void;
  onUnstage?: (index: number) => void;
  onSendFiles?: (files: File[], caption: CaptionDraft) => Promise<void>;
}) {
  const { t, fileSize } = useI18n();
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
  const withFiles = staged.length > 0 && onSendFiles !== undefined;
  return (
    <div className="composer">
      {staged.length > 0 && (
        <ul className="staged" aria-label={t('stagedFiles')}>
          {staged.map((file, i) => (
            <li key={`${file.name}-${i}`} className="staged-file">
              <Icon name="file" />
              <span className="file-name">{file.name}</span>
              <span className="muted small">{fileSize(file.size)}</span>
              <button type="button" className="icon-button" aria-label={t('unstageFile', { name: file.name })} title={t('unstageFile', { name: file.name })} onClick={() => onUnstage?.(i)}>
                <Icon name="close" size={16} />
              </button>
            </li>
          ))}
        </ul>
      )}
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
      {/* Only for someone who turned location sharing on in this browser (Settings; off by default). */}
      {locationSharingOn(store.me) && !withFiles && <ShareLocationButton roomId={room.id} title={title} {...(parentId !== undefined ? { parentId } : {})} />}
      <DraftEditor
        key={room.id}
        roomId={room.id}
        initial={initial}
        label={parentId !== undefined ? t('replyPlaceholder') : withFiles ? t('captionLabel', { space: title }) : t('composerLabel', { space: title })}
        placeholder={parentId !== undefined ? t('replyPlaceholder') : withFiles ? t('captionPlaceholder') : t('composerPlaceholder')}
        onChange={onChange}
        {...(onFiles !== undefined ? { onPasteFiles: onFiles } : {})}
        allowEmpty={withFiles}
        clearOnSubmit
        onSubmit={async (draft) => {
          stopTyping();
          if (draftTimer.current !== undefined) clearTimeout(draftTimer.current);
          if (withFiles) await onSendFiles([...staged], draft);
          else await sendMessage(store, room.id, draft, parentId);
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
  /** An emoji to insert for a `:shortcode` (else a person or `all` to mention). */
  emoji?: string;
}

/** The `:shortcode` being typed before the caret (two characters at least, as Slack). */
const SHORTCODE = /(?:^|[\s(]):([a-z0-9_+-]{2,30})$/;
/** A whole `:shortcode:` just closed before the caret, replaced by its emoji as it is typed. */
const CLOSED_SHORTCODE = /(?:^|[\s(]):([a-z0-9_+-]{2,30}):$/;

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
  allowEmpty = false,
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
  /** Send is allowed with no text (files are staged: the text is only their caption). */
  allowEmpty?: boolean;
  clearOnSubmit?: boolean;
}) {
  const { t, language } = useI18n();
  const store = useAppStore();
  const [text, setText] = useState(initial.text);
  const mentions = useRef(new Map(initial.mentions));
  const [query, setQuery] = useState<string | undefined>();
  const [emojiQuery, setEmojiQuery] = useState<string | undefined>();
  const [emoji, setEmoji] = useState<EmojiIndex | undefined>();
  const [picking, setPicking] = useState(false);
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

  // The emoji data loads the first time a `:shortcode` is typed (or the picker opens).
  useEffect(() => {
    if (emojiQuery === undefined || emoji !== undefined) return;
    let live = true;
    void loadEmoji(language).then((index) => live && setEmoji(index), () => undefined);
    return () => {
      live = false;
    };
  }, [emojiQuery, emoji, language]);

  const members = store.members.get(roomId) ?? [];
  const candidates: Candidate[] =
    emojiQuery !== undefined
      ? emoji === undefined
        ? []
        : completeShortcode(emoji, emojiQuery).map(({ code, emoji: e }) => ({ id: code, name: `:${code}:`, detail: e.label, emoji: e.emoji }))
      : query === undefined
      ? []
      : [
          ...members
            .filter((m) => m.personId !== store.me)
            .map((m) => ({ id: m.personId, name: m.personDisplayName, detail: m.personEmail }))
            .filter((c) => c.name.toLowerCase().startsWith(query.toLowerCase()) || c.name.toLowerCase().includes(` ${query.toLowerCase()}`) || c.detail.toLowerCase().startsWith(query.toLowerCase())),
          ...('all'.startsWith(query.toLowerCase()) || 'everyone'.startsWith(query.toLowerCase()) ? [{ id: 'all', name: 'all', detail: t('everyone') }] : []),
        ].slice(0, 8);

  const update = (value: string, caret: number) => {
    const before = value.slice(0, caret);
    // `:thumbsup:` typed out in full becomes 👍 as the closing colon is typed.
    const closed = emoji !== undefined ? CLOSED_SHORTCODE.exec(before) : null;
    const known = closed !== null ? emoji?.byShortcode.get(closed[1]!) : undefined;
    if (closed !== null && known !== undefined) {
      const replaced = before.slice(0, before.length - closed[1]!.length - 2) + known.emoji;
      value = replaced + value.slice(caret);
      caretAfter.current = replaced.length;
      setEmojiQuery(undefined);
    } else setEmojiQuery(SHORTCODE.exec(before)?.[1]);
    setText(value);
    onChange?.(value);
    const match = /(?:^|\s)@([^\s@]{0,30})$/.exec(before);
    setQuery(match?.[1]);
    setSelected(0);
  };

  /** Puts text at the caret (an emoji from the picker). */
  const insertAtCaret = (insert: string) => {
    const el = area.current;
    const start = el?.selectionStart ?? text.length;
    const end = el?.selectionEnd ?? start;
    const value = text.slice(0, start) + insert + text.slice(end);
    setText(value);
    onChange?.(value);
    // The picker's dialog hands focus back to its button as it closes (after this commit): take it
    // back to the text, the caret after the emoji, once it has.
    const at = start + insert.length;
    setTimeout(() => {
      area.current?.focus();
      area.current?.setSelectionRange(at, at);
    }, 0);
  };

  const choose = (c: Candidate) => {
    const el = area.current;
    const caret = el?.selectionStart ?? text.length;
    if (c.emoji !== undefined) {
      const before = text.slice(0, caret).replace(/:([a-z0-9_+-]{2,30})$/, `${c.emoji} `);
      const value = before + text.slice(caret);
      setText(value);
      onChange?.(value);
      setEmojiQuery(undefined);
      caretAfter.current = before.length;
      return;
    }
    const before = text.slice(0, caret).replace(/@([^\s@]{0,30})$/, `@${c.name} `);
    const value = before + text.slice(caret);
    mentions.current.set(c.name, c.id);
    setText(value);
    onChange?.(value);
    setQuery(undefined);
    caretAfter.current = before.length;
  };

  const submit = async () => {
    if ((text.trim() === '' && !allowEmpty) || busy) return;
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
      if (e.key === 'Escape') return (e.preventDefault(), setQuery(undefined), setEmojiQuery(undefined));
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
        onBlur={() =>
          (blurTimer.current = setTimeout(() => {
            setQuery(undefined);
            setEmojiQuery(undefined);
          }, 150))
        }
        onFocus={() => clearTimeout(blurTimer.current)}
        autoFocus={onCancel !== undefined}
      />
      <ul id={listId} role="listbox" className={`mentions-popup ${candidates.length > 0 ? '' : 'hidden'}`} aria-label={emojiQuery !== undefined ? t('emojiSuggestions') : t('members')}>
        {candidates.map((c, i) => (
          <li key={c.id} id={`${listId}-${i}`} role="option" aria-selected={i === selected} onMouseDown={(e) => (e.preventDefault(), choose(c))}>
            {c.emoji !== undefined ? (
              <>
                <span className="suggestion-emoji" aria-hidden="true">
                  {c.emoji}
                </span>{' '}
                <strong>{c.name}</strong>
              </>
            ) : (
              <strong>@{c.name}</strong>
            )}{' '}
            <span className="muted small">{c.detail}</span>
          </li>
        ))}
      </ul>
      <div className="editor-buttons">
        <button type="button" className="icon-button" aria-label={t('insertEmoji')} title={t('insertEmoji')} onClick={() => setPicking(true)}>
          <Icon name="smile" size={20} />
        </button>
        {onCancel !== undefined && (
          <button type="button" className="small" onClick={onCancel}>
            {t('cancel')}
          </button>
        )}
        <button type="button" className="primary small" disabled={busy || (text.trim() === '' && !allowEmpty)} onClick={() => void submit()}>
          {onCancel !== undefined ? t('save') : t('send')}
        </button>
      </div>
      {picking && (
        <EmojiPicker
          title={t('insertEmoji')}
          onClose={() => setPicking(false)}
          onPick={(e) => {
            setPicking(false);
            insertAtCaret(e);
          }}
        />
      )}
    </div>
  );
}
