import { LANGUAGES, useI18n, type Language } from '../i18n/index.tsx';

export function LanguagePicker() {
  const { t, language, setLanguage } = useI18n();
  return (
    <label className="language">
      {t('language')}
      <select value={language} onChange={(e) => setLanguage(e.target.value as Language)}>
        {Object.entries(LANGUAGES).map(([code, l]) => (
          <option key={code} value={code} lang={code}>
            {l.name}
          </option>
        ))}
      </select>
    </label>
  );
}
