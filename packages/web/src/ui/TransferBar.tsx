/**
 * A file going up or down (SPEC FL-1): what it is, how far it got, and a button to stop it.
 * @module
 */
import { Icon } from './Icon.tsx';

export function TransferBar({ label, loaded, total, cancelLabel, onCancel }: { label: string; loaded: number; total: number; cancelLabel: string; onCancel: () => void }) {
  return (
    <div className="transfer" role="status">
      <label className="transfer-label">
        <span className="transfer-text">{label}</span>
        <progress max={Math.max(1, total)} value={Math.min(loaded, total)} />
      </label>
      <button type="button" className="small icon-button" onClick={onCancel} aria-label={cancelLabel} title={cancelLabel}>
        <Icon name="close" size={16} />
      </button>
    </div>
  );
}
