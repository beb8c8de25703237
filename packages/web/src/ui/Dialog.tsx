/**
 * A modal dialog on the native <dialog> element: the browser traps focus, Escape closes it, and
 * focus returns to where it was.
 * @module
 */
import { useEffect, useId, useRef, type ReactNode } from 'react';
import { useI18n } from '../i18n/index.tsx';
import { Icon } from './Icon.tsx';

export function Dialog({ title, onClose, children, className }: { title: string; onClose: () => void; children: ReactNode; className?: string }) {
  const { t } = useI18n();
  const ref = useRef<HTMLDialogElement>(null);
  const id = useId();
  useEffect(() => {
    const dialog = ref.current;
    const before = document.activeElement as HTMLElement | null;
    if (dialog !== null && !dialog.open) dialog.showModal();
    // showModal() focuses the first control (the close button); a dialog that names its own first
    // stop (data-autofocus) gets it in the same task, so keys typed at once are not lost.
    dialog?.querySelector<HTMLElement>('[data-autofocus]')?.focus();
    return () => {
      dialog?.close();
      before?.focus();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      className={className === undefined ? 'dialog' : `dialog ${className}`}
      aria-labelledby={id}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <div className="dialog-head">
        <h2 id={id}>{title}</h2>
        <button type="button" className="icon-button" aria-label={t('close')} onClick={onClose}>
          <Icon name="close" />
        </button>
      </div>
      {children}
    </dialog>
  );
}

/**
 * Asks before something the user cannot undo themselves (leaving a space, deleting a message):
 * Cancel closes it; the action button, styled as dangerous, closes it and runs `onConfirm`.
 */
export function ConfirmDialog({ title, message, action, onClose, onConfirm }: { title: string; message: string; action: string; onClose: () => void; onConfirm: () => void }) {
  const { t } = useI18n();
  return (
    <Dialog title={title} onClose={onClose}>
      <p>{message}</p>
      <div className="row end">
        <button type="button" onClick={onClose}>
          {t('cancel')}
        </button>
        <button
          type="button"
          className="danger"
          onClick={() => {
            onClose();
            onConfirm();
          }}
        >
          {action}
        </button>
      </div>
    </Dialog>
  );
}
