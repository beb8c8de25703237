/**
 * The "Location" field of the telephony console's forms: a labelled choice among the org's
 * locations. `optional` adds a "—" (none) choice; otherwise an empty value shows the first location,
 * which is what the form sends when the admin leaves it as it is.
 * @module
 */
import type { TelephonyLocation } from '@flint/protocol';
import { useI18n } from '../../../i18n/index.tsx';

export function LocationField({ locations, value, onChange, optional = false, required = false }: { locations: TelephonyLocation[]; value: string; onChange: (id: string) => void; optional?: boolean; required?: boolean }) {
  const { t } = useI18n();
  return (
    <label>
      {t('telLocation')}
      <select aria-label={t('telLocation')} required={required} value={optional ? value : value || locations[0]?.id || ''} onChange={(e) => onChange(e.target.value)}>
        {optional && <option value="">—</option>}
        {locations.map((l) => (
          <option key={l.id} value={l.id}>
            {l.name}
          </option>
        ))}
      </select>
    </label>
  );
}
