/**
 * The signed-in user, kept in sessionStorage: per tab, so that parallel
 * browser contexts (and tabs) can be different users, and gone with the tab.
 */

export type UserRole = 'student' | 'instructor' | 'admin';

export interface SessionUser {
  id: string;
  email: string;
  fullName: string;
  role: UserRole;
}

export interface Session {
  token: string;
  user: SessionUser;
}

const KEY = 'classroom.session';

export function loadSession(): Session | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as Partial<Session>;
    if (typeof parsed.token !== 'string' || !parsed.user) return null;
    return parsed as Session;
  } catch {
    return null;
  }
}

export function saveSession(session: Session): void {
  sessionStorage.setItem(KEY, JSON.stringify(session));
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY);
}

export function canRecord(user: SessionUser): boolean {
  return user.role === 'instructor' || user.role === 'admin';
}

/** Sends the user to the login page, coming back here afterwards. */
export function redirectToLogin(): void {
  const next = `${location.pathname}${location.search}`;
  location.assign(`/?next=${encodeURIComponent(next)}`);
}

/** A local path to go to after login, or null (never another origin). */
export function safeNextPath(raw: string | null): string | null {
  if (!raw || !raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\')) return null;
  return raw;
}
