/** A centred card that replaces a page's content: not found, admins only. */
import { h } from '../dom';

export interface NoticeOptions {
  testId: string;
  title: string;
  text: string;
  link?: { href: string; label: string };
}

export function noticeCard({ testId, title, text, link }: NoticeOptions): HTMLElement {
  return h(
    'section',
    { class: 'card card-narrow', 'data-testid': testId },
    h('h1', { class: 'card-title' }, title),
    h('p', { class: 'card-subtitle' }, text),
    link ? h('a', { class: 'btn btn-secondary', href: link.href }, link.label) : null,
  );
}
