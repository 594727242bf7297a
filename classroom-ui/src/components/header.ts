/** The application header: brand, page context, navigation, status badges, the user and logout. */
import { logout } from '../api';
import { h } from '../dom';
import { initials } from '../format';
import { clearSession, loadSession, type SessionUser } from '../session';

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

interface NavLink {
  href: string;
  label: string;
  testId: string;
  roles: ReadonlyArray<SessionUser['role']>;
}

// The role checks only decide what to show; every API behind these pages enforces its own.
const navLinks: readonly NavLink[] = [
  {
    href: '/recordings',
    label: 'Recordings',
    testId: 'nav-library',
    roles: ['student', 'instructor', 'admin'],
  },
  { href: '/rooms', label: 'My rooms', testId: 'nav-rooms', roles: ['instructor', 'admin'] },
  { href: '/admin/audit', label: 'Audit', testId: 'nav-audit', roles: ['admin'] },
  { href: '/admin/recorders', label: 'Recorder bots', testId: 'nav-recorders', roles: ['admin'] },
  { href: '/admin/storage', label: 'Storage', testId: 'nav-storage', roles: ['admin'] },
];

function isCurrent(href: string): boolean {
  const path = location.pathname.replace(/\/+$/, '');
  return path === href || (href === '/recordings' && path.startsWith('/recordings/'));
}

/** Revokes the token (best effort: a server that cannot be reached must not keep anyone signed in). */
async function signOut(): Promise<void> {
  const session = loadSession();
  if (session) {
    try {
      await logout(session.token);
    } catch (error) {
      console.warn('sign-out: the server did not revoke the token', error);
    }
  }
  clearSession();
  location.assign('/');
}

export function createHeader(user: SessionUser | null, context?: string): HeaderParts {
  const status = h('div', { class: 'header-status' });
  const right = h('div', { class: 'header-right' }, status);
  let nav: HTMLElement | null = null;
  if (user) {
    nav = h(
      'nav',
      { class: 'header-nav', 'aria-label': 'Main' },
      ...navLinks
        .filter((link) => link.roles.includes(user.role))
        .map((link) =>
          h(
            'a',
            {
              class: isCurrent(link.href) ? 'header-link is-current' : 'header-link',
              href: link.href,
              'data-testid': link.testId,
              'aria-current': isCurrent(link.href) ? 'page' : null,
            },
            link.label,
          ),
        ),
    );
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
    const button = h(
      'button',
      { class: 'btn btn-ghost btn-sm', type: 'button', 'data-testid': 'logout' },
      'Sign out',
    );
    button.addEventListener('click', () => {
      button.disabled = true;
      void signOut();
    });
    right.appendChild(button);
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
    nav,
    right,
  );
  return { element, status };
}
