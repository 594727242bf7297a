import type { UserRow } from '#db/schema';

/** The user as the API shows it: never the password hash. */
export function publicUser(user: UserRow) {
  return { id: user.id, email: user.email, fullName: user.fullName, role: user.role };
}
