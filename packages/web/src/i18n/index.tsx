/**
 * The translation layer (SPEC MS-8): typed string tables (English is the reference, French the
 * second language), `{name}` placeholders, plurals by Intl.PluralRules, dates by Intl. The
 * language follows the browser unless the person picks one; the choice is kept in localStorage
 * (a setting, not content).
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
  t: (key: TextKey, params?: Record<string, string | number>) => string;
  plural: (key: PluralKey, count: number, params?: Record<string, string | number>) => string;
  time: (date: Date | string) => string;
  day: (date: Date | string) => string;
  relative: (date: Date | string) => string;
  list: (items: string[]) => string;
  /** A size in bytes with the language's number format and units ("194.7 KB", "194,7 Ko"). */
  fileSize: (bytes: number) => string;
}

export function makeI18n(language: Language, setLanguage: (l: Language) => void): I18n {
  const strings = LANGUAGES[language].strings;
  const rules = new Intl.PluralRules(language);
  const timeFmt = new Intl.DateTimeFormat(language, { hour: 'numeric', minute: '2-digit' });
  const dayFmt = new Intl.DateTimeFormat(language, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
  const rel = new Intl.RelativeTimeFormat(language, { numeric: 'auto' });
  const listFmt = new Intl.ListFormat(language, { type: 'conjunction' });
  const sizeFmt = new Intl.NumberFormat(language, { maximumFractionDigits: 1 });
  const asDate = (d: Date | string) => (typeof d === 'string' ? new Date(d) : d);
  return {
    language,
    setLanguage,
    t: (key, params = {}) => fill(strings[key], params),
    plural: (key, count, params = {}) => {
      const forms = strings[key];
      return fill(rules.select(count) === 'one' ? forms.one : forms.other, { count, ...params });
    },
    time: (d) => timeFmt.format(asDate(d)),
    day: (d) => {
      const date = asDate(d);
      const days = Math.round((startOfDay(new Date()) - startOfDay(date)) / 86_400_000);
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

function startOfDay(d: Date): number {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}

const I18nContext = createContext<I18n | undefined>(undefined);

export function I18nProvider({ children }: { children: ReactNode }) {
  const [language, setLanguageState] = useState<Language>(initialLanguage);
  const value = useMemo(
    () =>
      makeI18n(language, (l) => {
        try {
          localStorage.setItem(STORAGE_KEY, l);
        } catch {
          // Private mode: the choice lasts for this page only.
        }
        document.documentElement.lang = l;
        setLanguageState(l);
      }),
    [language],
  );
  document.documentElement.lang = language;
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const value = useContext(I18nContext);
  if (value === undefined) throw new Error('useI18n outside I18nProvider');
  return value;
}
