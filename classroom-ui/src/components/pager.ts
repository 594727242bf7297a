/** Previous / next buttons with "Page 2 of 5" between them, for any `{ total, limit, offset }` list. */
import { h } from '../dom';

export interface PagerParts {
  element: HTMLElement;
  /** Shows where `page` sits; the buttons ask for the neighbouring offsets. */
  update(page: { total: number; limit: number; offset: number }): void;
}

/** `prefix` names the test ids: `<prefix>-prev`, `<prefix>-next`, `<prefix>-page-info`. */
export function createPager(prefix: string, onOffset: (offset: number) => void): PagerParts {
  let current = { total: 0, limit: 20, offset: 0 };
  const prev = h(
    'button',
    { class: 'btn btn-secondary btn-sm', type: 'button', 'data-testid': `${prefix}-prev` },
    'Previous',
  );
  const next = h(
    'button',
    { class: 'btn btn-secondary btn-sm', type: 'button', 'data-testid': `${prefix}-next` },
    'Next',
  );
  const info = h('span', { class: 'pager-info', 'data-testid': `${prefix}-page-info` });
  prev.addEventListener('click', () => onOffset(Math.max(0, current.offset - current.limit)));
  next.addEventListener('click', () => onOffset(current.offset + current.limit));
  return {
    element: h('nav', { class: 'pager', 'aria-label': 'Pages' }, prev, info, next),
    update(page) {
      current = page;
      const pages = Math.max(1, Math.ceil(page.total / page.limit));
      const index = Math.min(pages, Math.floor(page.offset / page.limit) + 1);
      info.textContent = `Page ${index} of ${pages} · ${page.total} in all`;
      prev.disabled = page.offset <= 0;
      next.disabled = page.offset + page.limit >= page.total;
    },
  };
}
