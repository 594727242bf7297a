/**
 * Demo accounts for the embedded (PGlite) setup only, so that `npm start`
 * gives something to log in with. Never seeded on PostgreSQL.
 */
import type { UsersRepository } from '#db/repositories/UsersRepository';
import type { RoomsRepository } from '#db/repositories/RoomsRepository';
import type { UserRole } from '#db/schema';
import { hashPassword } from './passwords';

export const demoUsers: ReadonlyArray<{
  email: string;
  password: string;
  fullName: string;
  role: UserRole;
}> = [
  { email: 'admin@example.com', password: 'admin-password', fullName: 'Ada Admin', role: 'admin' },
  {
    email: 'instructor@example.com',
    password: 'instructor-password',
    fullName: 'Ivy Instructor',
    role: 'instructor',
  },
  {
    email: 'student1@example.com',
    password: 'student-password',
    fullName: 'Sam Student',
    role: 'student',
  },
  {
    email: 'student2@example.com',
    password: 'student-password',
    fullName: 'Sasha Student',
    role: 'student',
  },
];

/** Creates the demo accounts that do not exist yet; returns how many were created. */
export async function seedDemoUsers(users: UsersRepository): Promise<number> {
  let created = 0;
  for (const demo of demoUsers) {
    if (await users.findByEmail(demo.email)) continue;
    await users.create({
      email: demo.email,
      fullName: demo.fullName,
      role: demo.role,
      passwordHash: await hashPassword(demo.password),
    });
    created += 1;
  }
  return created;
}

/** The demo class: room `demo`, owned by the demo instructor, the demo students its members. */
export const DEMO_ROOM_ID = 'demo';

/** Creates the demo room if it does not exist (and only then adds its members); true if created. */
export async function seedDemoRoom(
  users: UsersRepository,
  rooms: RoomsRepository,
): Promise<boolean> {
  const instructor = await users.findByEmail('instructor@example.com');
  if (!instructor) return false;
  const { created } = await rooms.ensure({
    id: DEMO_ROOM_ID,
    title: 'Demo class',
    ownerId: instructor.id,
    access: 'members',
  });
  if (!created) return false;
  for (const demo of demoUsers.filter((u) => u.role === 'student')) {
    const student = await users.findByEmail(demo.email);
    if (student) {
      await rooms.upsertMember({
        roomId: DEMO_ROOM_ID,
        userId: student.id,
        role: 'student',
        addedBy: instructor.id,
      });
    }
  }
  return true;
}
