/**
 * The emoji picker (issue 16): a dialog with a search box and the emoji by group, for reactions
 * and for the composer. Keyboard first: typing searches (names and keywords in the interface's
 * language, GitHub shortcodes, accents optional), the arrows move through the grid, Enter picks,
 * Escape closes. The search box stays focused and points at the active emoji
 * (`aria-activedescendant`), as a combobox does. The emoji data is loaded on first open.
 * @module
 */
import { useEffect, useId, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { useI18n } from '../i18n/index.tsx';
import { loadEmoji, QUICK_REACTIONS, searchEmoji, type Emoji, type EmojiIndex } from '../emoji/emoji-data.ts';
import { Dialog } from './Dialog.tsx';

/** Emoji per row of the grid (the arrow keys move by this much up and down; the CSS grid matches). */
const COLUMNS = 8;

interface Section {
  key: string;
  title: string;
  items: Emoji[];
}

/** Group names in the two languages (emojibase numbers its groups 0–9; 2 is skin-tone components, left out). */
const GROUPS: Record<'en' | 'fr', string[]> = {
  en: ['Smileys & emotion', 'People & body', '', 'Animals & nature', 'Food & drink', 'Travel & places', 'Activities', 'Objects', 'Symbols', 'Flags'],
  fr: ['Smileys et émotions', 'Personnes et corps', '', 'Animaux et nature', 'Nourriture et boissons', 'Voyages et lieux', 'Activités', 'Objets', 'Symboles', 'Drapeaux'],
};

export function EmojiPicker({ title, onPick, onClose }: { title: string; onPick: (emoji: string) => void; onClose: () => void }) {
  const { t, language } = useI18n();
  const [index, setIndex] = useState<EmojiIndex | undefined>();
  const [failed, setFailed] = useState(false);
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const id = useId();
  const grid = useRef<HTMLDivElement>(null);

  useEffect(() => {
    let live = true;
    loadEmoji(language).then(
      (i) => live && setIndex(i),
      () => live && setFailed(true),
    );
    return () => {
      live = false;
    };
  }, [language]);

  const sections: Section[] = useMemo(() => {
    if (index === undefined) return [];
    if (query.trim() !== '') return [{ key: 'results', title: t('searchEmoji'), items: searchEmoji(index, query, 120) }];
    const byEmoji = new Map(index.all.map((e) => [e.emoji.replace(/\uFE0F/g, ''), e]));
    const quick = QUICK_REACTIONS.map((q) => byEmoji.get(q.replace(/\uFE0F/g, ''))).filter((e): e is Emoji => e !== undefined);
    const groups = new Map<number, Emoji[]>();
    for (const e of index.all) groups.set(e.group, [...(groups.get(e.group) ?? []), e]);
    const names = GROUPS[language === 'fr' ? 'fr' : 'en'];
    return [{ key: 'quick', title: t('emojiFrequent'), items: quick }, ...[...groups.entries()].map(([g, items]) => ({ key: `g${g}`, title: names[g] ?? '', items }))];
  }, [index, query, language, t]);

  const flat = useMemo(() => sections.flatMap((s) => s.items), [sections]);
  const activeIndex = Math.min(active, flat.length - 1);
  const current = flat[activeIndex];

  useEffect(() => {
    grid.current?.querySelector('[aria-selected="true"]')?.scrollIntoView({ block: 'nearest' });
  }, [active, sections]);

  const move = (delta: number) => setActive((a) => Math.max(0, Math.min(flat.length - 1, a + delta)));
  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    const keys: Record<string, () => void> = {
      ArrowRight: () => move(1),
      ArrowLeft: () => move(-1),
      ArrowDown: () => move(COLUMNS),
      ArrowUp: () => move(-COLUMNS),
      PageDown: () => move(COLUMNS * 5),
      PageUp: () => move(-COLUMNS * 5),
      Enter: () => current !== undefined && onPick(current.emoji),
    };
    // Escape closes at once (in a search box the browser would first spend it on clearing the text).
    if (e.key === 'Escape') {
      e.preventDefault();
      onClose();
      return;
    }
    const action = keys[e.key];
    // Left and right move the caret in the box while there is text to move through.
    if (action === undefined || ((e.key === 'ArrowLeft' || e.key === 'ArrowRight') && query !== '' && flat.length === 0)) return;
    e.preventDefault();
    action();
  };

  let n = 0;
  return (
    <Dialog title={title} onClose={onClose} className="emoji-dialog">
      <input
        type="search"
        data-autofocus
        className="emoji-search"
        placeholder={t('searchEmoji')}
        aria-label={t('searchEmoji')}
        role="combobox"
        aria-expanded="true"
        aria-controls={`${id}-grid`}
        aria-autocomplete="list"
        aria-activedescendant={current !== undefined ? `${id}-${activeIndex}` : undefined}
        value={query}
        onChange={(e) => {
          setQuery(e.target.value);
          setActive(0);
        }}
        onKeyDown={onKeyDown}
      />
      <div ref={grid} id={`${id}-grid`} role="listbox" aria-label={t('emojiList')} className="emoji-grid-wrap">
        {index === undefined && <p className="muted small">{failed ? t('emojiNone') : t('emojiLoading')}</p>}
        {index !== undefined && flat.length === 0 && <p className="muted small" role="status">{t('emojiNone')}</p>}
        {sections.map((s) =>
          s.items.length === 0 ? null : (
            <div key={s.key} role="group" aria-labelledby={`${id}-${s.key}`}>
              <p className="emoji-group-title muted small" id={`${id}-${s.key}`}>
                {s.title}
              </p>
              <div className="emoji-grid">
                {s.items.map((e) => {
                  const i = n++;
                  return (
                    <div
                      key={`${s.key}-${e.emoji}`}
                      id={`${id}-${i}`}
                      role="option"
                      aria-selected={i === activeIndex}
                      aria-label={e.label}
                      title={e.shortcodes[0] !== undefined ? `${e.label} :${e.shortcodes[0]}:` : e.label}
                      className="emoji-option"
                      onMouseDown={(ev) => ev.preventDefault()}
                      onClick={() => onPick(e.emoji)}
                    >
                      {e.emoji}
                    </div>
                  );
                })}
              </div>
            </div>
          ),
        )}
      </div>
    </Dialog>
  );
}
