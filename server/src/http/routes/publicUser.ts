import type { UserRow } from '#db/schema';
import type { PublicUserJson } from '#protocol/rest/users';

/** The user as the API shows it: never the password hash. */
export function publicUser(user: UserRow): PublicUserJson {
  return { id: user.id, email: user.email, fullName: user.fullName, role: user.role };
}
