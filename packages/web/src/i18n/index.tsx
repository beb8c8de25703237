/**
 * The translation layer (SPEC MS-8): typed string tables (English is the reference, French the
 * second language), `{name}` placeholders, plurals by Intl.PluralRules, dates by Intl. The
 * language follows the browser unless the person picks one; the choice is kept in localStorage
 * (a setting, not content). Signed in, the person's language and time zone come from the server
 * (SPEC AD-4: they follow the person across devices), falling back to the org's defaults.
 * @module
 */
import { createContext, useContext, useMemo, useState, type ReactNode } from 'react';
import { en, type Plural, type Strings } from './en.ts';
import { fr } from './fr.ts';

export const LANGUAGES = { en: { name: 'English', strings: en as Strings }, fr: { name: 'Français', strings: fr } } as const;
export type Language = keyof typeof LANGUAGES;
type Key = keyof Strings;
type PluralKey = { [K in Key]: Strings[K] extends Plural ? K : never }[Key];
type TextKey = Exclude<Key, PluralKey>;
export type I18nKey = TextKey;

const STORAGE_KEY = 'flint.language';

export function initialLanguage(): Language {
  const kept = safeStorageGet(STORAGE_KEY);
  if (kept === 'en' || kept === 'fr') return kept;
  for (const tag of navigator.languages ?? [navigator.language]) {
    const base = tag.toLowerCase().split('-')[0];
    if (base === 'fr' || base === 'en') return base;
  }
  return 'en';
}

function safeStorageGet(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function fill(template: string, params: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

export interface I18n {
  language: Language;
  setLanguage: (language: Language) => void;
  /** The IANA zone dates and times are shown in: the person's, else the org's default (SPEC AD-4), else the browser's. */
  timeZone: string;
  setTimeZone: (zone: string) => void;
  t: (key: TextKey, params?: Record<string, string | number>) => string;
  plural: (key: PluralKey, count: number, params?: Record<string, string | number>) => string;
  time: (date: Date | string) => string;
  day: (date: Date | string) => string;
  relative: (date: Date | string) => string;
  list: (items: string[]) => string;
  /** A size in bytes with the language's number format and units ("194.7 KB", "194,7 Ko"). */
  fileSize: (bytes: number) => string;
}

/** The browser's own zone, used until a signed-in person's (or their org's) zone is known. */
export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** Whether this browser can format dates in a zone (an unknown name throws a RangeError). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export function makeI18n(language: Language, setLanguage: (l: Language) => void, timeZone: string = browserTimeZone(), setTimeZone: (zone: string) => void = () => undefined): I18n {
  const strings = LANGUAGES[language].strings;
  const rules = new Intl.PluralRules(language);
  const zone = isTimeZone(timeZone) ? timeZone : 'UTC';
  const timeFmt = new Intl.DateTimeFormat(language, { hour: 'numeric', minute: '2-digit', timeZone: zone });
  const dayFmt = new Intl.DateTimeFormat(language, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: zone });
  // The calendar day of an instant in the zone, as a sortable number (for "today" and "yesterday").
  const ymdFmt = new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit', timeZone: zone });
  const dayNumber = (d: Date) => Date.parse(`${ymdFmt.format(d)}T00:00:00Z`) / 86_400_000;
  const rel = new Intl.RelativeTimeFormat(language, { numeric: 'auto' });
  const listFmt = new Intl.ListFormat(language, { type: 'conjunction' });
  const sizeFmt = new Intl.NumberFormat(language, { maximumFractionDigits: 1 });
  const asDate = (d: Date | string) => (typeof d === 'string' ? new Date(d) : d);
  return {
    language,
    setLanguage,
    timeZone: zone,
    setTimeZone,
    t: (key, params = {}) => fill(strings[key], params),
    plural: (key, count, params = {}) => {
      const forms = strings[key];
      return fill(rules.select(count) === 'one' ? forms.one : forms.other, { count, ...params });
    },
    time: (d) => timeFmt.format(asDate(d)),
    day: (d) => {
      const date = asDate(d);
      const days = Math.round(dayNumber(new Date()) - dayNumber(date));
      if (days === 0) return strings.today;
      if (days === 1) return strings.yesterday;
      return dayFmt.format(date);
    },
    relative: (d) => {
      const seconds = (asDate(d).getTime() - Date.now()) / 1000;
      const abs = Math.abs(seconds);
      if (abs < 60) return rel.format(Math.round(seconds), 'second');
      if (abs < 3600) return rel.format(Math.round(seconds / 60), 'minute');
      if (abs < 86_400) return rel.format(Math.round(seconds / 3600), 'hour');
      return rel.format(Math.round(seconds / 86_400), 'day');
    },
    list: (items) => listFmt.format(items),
    fileSize: (bytes) => {
      if (bytes < 1024) return fill(strings.sizeBytes, { n: sizeFmt.format(bytes) });
      if (bytes < 1024 ** 2) return fill(strings.sizeKB, { n: sizeFmt.format(bytes / 1024) });
      if (bytes < 1024 ** 3) return fill(strings.sizeMB, { n: sizeFmt.format(bytes / 1024 ** 2) });
      return fill(strings.sizeGB, { n: sizeFmt.format(bytes / 1024 ** 3) });
    },
  };
}

const I18nContext = createContext<I18n | undefined>(undefined);

export function I18nProvider({ children }: { children: ReactNode }) {
  const [language, setLanguageState] = useState<Language>(initialLanguage);
  const [timeZone, setTimeZone] = useState<string>(browserTimeZone);
  const value = useMemo(
    () =>
      makeI18n(
        language,
        (l) => {
          try {
            localStorage.setItem(STORAGE_KEY, l);
          } catch {
            // Private mode: the choice lasts for this page only.
          }
          document.documentElement.lang = l;
          setLanguageState(l);
        },
        timeZone,
        setTimeZone,
      ),
    [language, timeZone],
  );
  document.documentElement.lang = language;
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const value = useContext(I18nContext);
  if (value === undefined) throw new Error('useI18n outside I18nProvider');
  return value;
}
