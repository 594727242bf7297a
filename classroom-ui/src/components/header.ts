/** The application header: brand, page context, a slot for status badges, the user and logout. */
import { h } from '../dom';
import { initials } from '../format';
import { clearSession, type SessionUser } from '../session';

export interface HeaderParts {
  element: HTMLElement;
  /** Where pages put status badges (the recording indicator). */
  status: HTMLElement;
}

const roleLabels: Record<SessionUser['role'], string> = {
  student: 'Student',
  instructor: 'Instructor',
  admin: 'Admin',
};

export function createHeader(user: SessionUser | null, context?: string): HeaderParts {
  const status = h('div', { class: 'header-status' });
  const right = h('div', { class: 'header-right' }, status);
  if (user) {
    if (user.role === 'admin' && location.pathname !== '/admin/recorders') {
      right.appendChild(
        h('a', { class: 'header-link', href: '/admin/recorders' }, 'Recorder bots'),
      );
    }
    right.appendChild(
      h(
        'div',
        { class: 'user-chip', 'data-testid': 'current-user', 'data-role': user.role },
        h('span', { class: 'avatar avatar-sm', 'aria-hidden': 'true' }, initials(user.fullName)),
        h(
          'span',
          { class: 'user-chip-text' },
          h('span', { class: 'user-name' }, user.fullName),
          h('span', { class: 'user-role' }, roleLabels[user.role] ?? user.role),
        ),
      ),
    );
    right.appendChild(
      h(
        'button',
        {
          class: 'btn btn-ghost btn-sm',
          type: 'button',
          'data-testid': 'logout',
          onclick: () => {
            clearSession();
            location.assign('/');
          },
        },
        'Sign out',
      ),
    );
  }
  const element = h(
    'header',
    { class: 'app-header' },
    h(
      'a',
      { class: 'brand', href: '/' },
      h('span', { class: 'brand-mark', 'aria-hidden': 'true' }),
      h('span', { class: 'brand-name' }, 'Classroom'),
    ),
    context ? h('span', { class: 'header-context' }, context) : null,
    right,
  );
  return { element, status };
}
