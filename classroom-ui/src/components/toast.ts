/** Short notices in the corner: errors from the API, room events. */
import { h } from '../dom';

export type ToastKind = 'info' | 'success' | 'error';

let container: HTMLElement | undefined;

function region(): HTMLElement {
  if (!container || !container.isConnected) {
    container = h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' });
    document.body.appendChild(container);
  }
  return container;
}

/** Shows a toast for a few seconds (errors stay longer); click to dismiss. */
export function showToast(message: string, kind: ToastKind = 'info'): void {
  const toast = h(
    'div',
    { class: `toast toast-${kind}`, 'data-testid': 'toast', 'data-kind': kind },
    h('span', { class: 'toast-message' }, message),
  );
  const dismiss = () => {
    toast.classList.add('toast-leaving');
    setTimeout(() => toast.remove(), 200);
  };
  toast.addEventListener('click', dismiss);
  region().appendChild(toast);
  setTimeout(dismiss, kind === 'error' ? 8000 : 4000);
}

/** A toast for a failed action: "Could not start the recording: room is empty". */
export function showError(action: string, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  showToast(`${action}: ${message}`, 'error');
}
