/** A modal `<dialog>` with a title, a close button and the caller's body. */
import { append, h, type Child } from '../dom';

export interface DialogOptions {
  testId: string;
  title: string;
  /** Called when the dialog closes, whichever way (Escape, the close button, code). */
  onClose?: () => void;
}

export function createDialog(
  { testId, title, onClose }: DialogOptions,
  ...body: Child[]
): HTMLDialogElement {
  const dialog = h('dialog', { class: 'dialog', 'data-testid': testId, 'aria-label': title });
  const close = h(
    'button',
    {
      class: 'btn btn-ghost btn-icon btn-sm',
      type: 'button',
      'aria-label': 'Close',
      'data-testid': `${testId}-close`,
      onclick: () => dialog.close(),
    },
    '×',
  );
  append(
    dialog,
    h('div', { class: 'dialog-header' }, h('h2', { class: 'dialog-title' }, title), close),
  );
  append(dialog, ...body);
  if (onClose) dialog.addEventListener('close', onClose);
  return dialog;
}
