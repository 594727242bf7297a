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

/** Replaces the page with the header and an "Admins only" card; true when the user is no admin. */
export function refuseUnlessAdmin(
  user: { role: string },
  header: HTMLElement,
  what: string,
  replace: (...children: Node[]) => void,
): boolean {
  if (user.role === 'admin') return false;
  replace(
    header,
    h(
      'main',
      { class: 'page page-center' },
      noticeCard({
        testId: 'forbidden',
        title: 'Admins only',
        text: `${what} is shown to administrators.`,
        link: { href: '/', label: 'Back' },
      }),
    ),
  );
  return true;
}
