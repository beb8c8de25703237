/**
 * A people picker (issue 16): type part of a name or address, pick a person from the directory
 * (the SDK's people search); or type a whole address for someone not in it (an invitation). An
 * ARIA 1.2 combobox: arrows move, Enter picks, Escape closes the list; the choice is announced.
 * The value is always an e-mail address, so the forms around it post what they did before.
 * @module
 */
import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import type { Person } from '@flint/protocol';
import { useI18n } from '../i18n/index.tsx';
import { useAppStore } from './store-context.ts';
import { Avatar } from './Avatar.tsx';

const MAX = 8;
const DEBOUNCE_MS = 150;

export interface PeoplePickerProps {
  label: string;
  value: string;
  onChange: (address: string) => void;
  /** People not to offer (e.g. the space's members). */
  exclude?: ReadonlySet<string>;
  autoFocus?: boolean;
  required?: boolean;
}

export function PeoplePicker({ label, value, onChange, exclude, autoFocus = false, required = false }: PeoplePickerProps) {
  const { t, plural } = useI18n();
  const store = useAppStore();
  const [found, setFound] = useState<Person[]>([]);
  const [open, setOpen] = useState(false);
  const [selected, setSelected] = useState(0);
  const [chosen, setChosen] = useState<{ address: string; name: string } | undefined>();
  const listId = useId();
  const hintId = useId();
  const asked = useRef(0);

  const query = value.trim();
  useEffect(() => {
    if (query.length < 1 || query === chosen?.address) {
      setFound([]);
      return;
    }
    const ticket = ++asked.current;
    const timer = setTimeout(() => {
      void store.session.sdk.people.search(query, MAX + (exclude?.size ?? 0)).then(
        (people) => {
          if (ticket !== asked.current) return;
          for (const p of people) store.person({ id: p.id, displayName: p.displayName, email: p.emails[0] ?? '', avatar: p.avatar });
          setFound(people.filter((p) => p.id !== store.me && !(exclude?.has(p.id) ?? false) && p.emails[0] !== undefined).slice(0, MAX));
          setSelected(0);
        },
        () => ticket === asked.current && setFound([]),
      );
    }, DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [query, chosen, exclude, store]);

  const expanded = open && found.length > 0;
  const current = Math.min(selected, Math.max(0, found.length - 1));

  const choose = (person: Person) => {
    const address = person.emails[0] ?? '';
    setChosen({ address, name: person.displayName });
    onChange(address);
    setOpen(false);
    setFound([]);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'ArrowDown') {
      if (found.length === 0) return;
      e.preventDefault();
      if (!open) setOpen(true);
      else setSelected((current + 1) % found.length);
    } else if (e.key === 'ArrowUp' && expanded) {
      e.preventDefault();
      setSelected((current - 1 + found.length) % found.length);
    } else if (e.key === 'Enter' && expanded) {
      // Enter picks the highlighted person; with the list closed it submits the form as before.
      e.preventDefault();
      const pick = found[current];
      if (pick !== undefined) choose(pick);
    } else if (e.key === 'Escape' && expanded) {
      // Closes the list only, not a dialog around it.
      e.preventDefault();
      e.stopPropagation();
      setOpen(false);
    }
  };

  const picked = chosen !== undefined && chosen.address === query ? chosen.name : undefined;

  return (
    <div className="people-picker">
      <label>
        {label}
        <input
          type="text"
          inputMode="email"
          autoComplete="off"
          spellCheck={false}
          role="combobox"
          aria-autocomplete="list"
          aria-expanded={expanded}
          aria-controls={listId}
          aria-describedby={hintId}
          aria-activedescendant={expanded ? `${listId}-${current}` : undefined}
          autoFocus={autoFocus}
          required={required}
          maxLength={254}
          value={value}
          onChange={(e) => {
            setChosen(undefined);
            onChange(e.target.value);
            setOpen(true);
          }}
          onKeyDown={onKeyDown}
          onBlur={() => setOpen(false)}
          onFocus={() => setOpen(true)}
        />
      </label>
      <p id={hintId} className="muted small">
        {picked !== undefined ? t('pickerChosen', { name: picked }) : t('pickerHint')}
      </p>
      <ul id={listId} role="listbox" aria-label={t('pickerResults')} className="switcher-list picker-list" hidden={!expanded}>
        {found.map((person, i) => (
          <li key={person.id} id={`${listId}-${i}`} role="option" aria-selected={i === current} onMouseDown={(e) => (e.preventDefault(), choose(person))}>
            <Avatar personId={person.id} size={22} />
            <span className="grow">
              {person.displayName} <span className="muted small">{person.emails[0]}</span>
            </span>
          </li>
        ))}
      </ul>
      <p className="visually-hidden" role="status">
        {expanded ? plural('pickerCount', found.length) : ''}
      </p>
    </div>
  );
}
