/**
 * The quick switcher (Ctrl+K, or ⌘K on a Mac), as in Slack: type part of a space's name (any case,
 * accents optional), pick with the arrows, Enter opens it. Spaces whose name starts with what was
 * typed come first, then by last activity.
 * @module
 */
import { useEffect, useId, useState, type KeyboardEvent } from 'react';
import { useI18n } from '../i18n/index.tsx';
import { go } from '../app/router.ts';
import { useAppStore } from './store-context.ts';
import { Dialog } from './Dialog.tsx';

const MAX = 8;

/** Lower case without diacritics: "Équipe" is found by "equipe". */
function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{Diacritic}/gu, '').toLowerCase();
}

export function QuickSwitcher() {
  const [open, setOpen] = useState(false);
  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        setOpen((o) => !o);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  return open ? <SwitcherDialog onClose={() => setOpen(false)} /> : null;
}

function SwitcherDialog({ onClose }: { onClose: () => void }) {
  const { t } = useI18n();
  const store = useAppStore();
  const [query, setQuery] = useState('');
  const [selected, setSelected] = useState(0);
  const listId = useId();
  const hintId = useId();

  const wanted = fold(query.trim());
  const matches = store
    .sortedRooms('all')
    .map((room) => ({ room, title: store.roomTitle(room) }))
    .filter(({ title }) => fold(title).includes(wanted))
    .sort((a, b) => Number(fold(b.title).startsWith(wanted)) - Number(fold(a.title).startsWith(wanted)))
    .slice(0, MAX);
  const current = Math.min(selected, Math.max(0, matches.length - 1));

  const choose = (roomId: string) => {
    onClose();
    go({ view: 'space', roomId });
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'ArrowDown' && matches.length > 0) {
      e.preventDefault();
      setSelected((current + 1) % matches.length);
    } else if (e.key === 'ArrowUp' && matches.length > 0) {
      e.preventDefault();
      setSelected((current - 1 + matches.length) % matches.length);
    } else if (e.key === 'Enter') {
      e.preventDefault();
      const pick = matches[current];
      if (pick !== undefined) choose(pick.room.id);
    }
  };

  return (
    <Dialog title={t('quickSwitcher')} onClose={onClose}>
      <div className="stack switcher">
        <p id={hintId} className="muted small">
          {t('quickSwitcherHint')}
        </p>
        <input
          data-autofocus
          type="text"
          role="combobox"
          aria-label={t('quickSwitcherLabel')}
          aria-describedby={hintId}
          aria-autocomplete="list"
          aria-expanded={matches.length > 0}
          aria-controls={listId}
          aria-activedescendant={matches.length > 0 ? `${listId}-${current}` : undefined}
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
            setSelected(0);
          }}
          onKeyDown={onKeyDown}
        />
        <ul id={listId} role="listbox" aria-label={t('spaces')} className="switcher-list">
          {matches.map(({ room, title }, i) => (
            <li key={room.id} id={`${listId}-${i}`} role="option" aria-selected={i === current} onMouseDown={(e) => (e.preventDefault(), choose(room.id))}>
              <span className="room-glyph" aria-hidden="true">
                {room.type === 'direct' ? '@' : '#'}
              </span>
              {title}
              {(room.unreadCount ?? 0) > 0 && (
                <span className="badge" aria-hidden="true">
                  {room.unreadCount}
                </span>
              )}
            </li>
          ))}
        </ul>
        {matches.length === 0 && (
          <p className="muted" role="status">
            {t('noMatches')}
          </p>
        )}
      </div>
    </Dialog>
  );
}
