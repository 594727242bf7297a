import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuplicateEmailError, UsersRepository } from '#db/repositories/UsersRepository';
import { testDatabases, type TestDatabase } from '../helpers/databases';

describe.each(testDatabases)('UsersRepository on $name', (driver) => {
  let database: TestDatabase;
  let users: UsersRepository;
  let counter = 0;
  const uniqueEmail = (local = 'user') => `${local}-${++counter}@Example.COM`;

  beforeAll(async () => {
    database = await driver.open();
    users = new UsersRepository(database.handle.db);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('create() stores the email lower-cased and returns the row with an id and creation time', async () => {
    const email = uniqueEmail('Mixed.Case');
    const row = await users.create({
      email,
      fullName: 'Grace Hopper',
      passwordHash: 'hash',
      role: 'instructor',
    });
    expect(row.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(row.email).toBe(email.toLowerCase());
    expect(row.role).toBe('instructor');
    expect(row.createdAt).toBeInstanceOf(Date);
  });

  it('create() with an email already taken, in any letter case, throws DuplicateEmailError', async () => {
    const email = uniqueEmail();
    await users.create({ email, fullName: 'First', passwordHash: 'h', role: 'student' });
    await expect(
      users.create({
        email: email.toUpperCase(),
        fullName: 'Second',
        passwordHash: 'h',
        role: 'student',
      }),
    ).rejects.toBeInstanceOf(DuplicateEmailError);
  });

  it('findByEmail() ignores letter case; findById() finds by id and answers undefined for an unknown id', async () => {
    const created = await users.create({
      email: uniqueEmail(),
      fullName: 'Lookup',
      passwordHash: 'h',
      role: 'student',
    });
    expect((await users.findByEmail(created.email.toUpperCase()))?.id).toBe(created.id);
    expect((await users.findById(created.id))?.email).toBe(created.email);
    expect(await users.findById('00000000-0000-4000-8000-000000000000')).toBeUndefined();
    expect(await users.findByEmail('nobody@example.com')).toBeUndefined();
  });

  it('setRole() changes the role and answers undefined for an unknown user', async () => {
    const created = await users.create({
      email: uniqueEmail(),
      fullName: 'Promoted',
      passwordHash: 'h',
      role: 'student',
    });
    expect((await users.setRole(created.id, 'admin'))?.role).toBe('admin');
    expect((await users.findById(created.id))?.role).toBe('admin');
    expect(await users.setRole('00000000-0000-4000-8000-000000000000', 'admin')).toBeUndefined();
  });
});
