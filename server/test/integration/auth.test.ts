import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase } from '#db/test/helpers/databases';
import { startTestServer, type TestServer, type TestUser } from '../helpers/testServer';

const jwtSecret = 'integration-test-secret-0123456789abcdef';

interface Mode {
  name: string;
  start(): Promise<{ server: TestServer; close(): Promise<void> }>;
}

const modes: Mode[] = [
  {
    name: 'embedded PGlite',
    async start() {
      const server = await startTestServer({ JWT_SECRET: jwtSecret });
      return { server, close: () => server.close() };
    },
  },
  {
    name: 'PostgreSQL (DATABASE_URL)',
    async start() {
      const database = await createPostgresDatabase();
      try {
        const server = await startTestServer({ JWT_SECRET: jwtSecret, DATABASE_URL: database.url });
        return {
          server,
          async close() {
            await server.close();
            await database.drop();
          },
        };
      } catch (error) {
        await database.drop();
        throw error;
      }
    },
  },
];

interface ApiResponse {
  status: number;
  body: Record<string, unknown> & { error?: { code: string; message: string } };
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe.each(modes)('auth over HTTP on $name', (mode) => {
  let started: Awaited<ReturnType<Mode['start']>>;
  let url: string;
  let counter = 0;

  async function api(
    method: string,
    path: string,
    { body, token, raw }: { body?: unknown; token?: string; raw?: string } = {},
  ): Promise<ApiResponse> {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined || raw !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${url}${path}`, {
      method,
      headers,
      body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
    });
    return { status: response.status, body: (await response.json()) as ApiResponse['body'] };
  }

  const freshEmail = () => `person-${++counter}-${Date.now()}@example.com`;
  const userClaims = (overrides: Record<string, unknown> = {}) => ({
    typ: 'user',
    role: 'admin',
    name: 'Mallory',
    email: 'mallory@example.com',
    ...overrides,
  });

  beforeAll(async () => {
    started = await mode.start();
    url = started.server.url;
  });
  afterAll(async () => {
    await started?.close();
  });

  describe('register', () => {
    it('answers 201 with a token that works on /me; the account is a student', async () => {
      const email = freshEmail();
      const registered = await api('POST', '/api/v1/auth/register', {
        // A role in the body is ignored: self-registration never grants more.
        body: { email, password: 'long enough password', fullName: 'Rita Register', role: 'admin' },
      });
      expect(registered.status).toBe(201);
      const user = registered.body.user as Record<string, unknown>;
      expect(user).toEqual({
        id: expect.any(String) as string,
        email,
        fullName: 'Rita Register',
        role: 'student',
      });
      expect(JSON.stringify(registered.body)).not.toContain('argon2');

      const me = await api('GET', '/api/v1/auth/me', { token: registered.body.token as string });
      expect(me.status).toBe(200);
      expect(me.body.user).toEqual(user);
    });

    it('a second registration with the same email answers 409', async () => {
      const email = freshEmail();
      const body = { email, password: 'long enough password', fullName: 'Twice' };
      expect((await api('POST', '/api/v1/auth/register', { body })).status).toBe(201);
      const again = await api('POST', '/api/v1/auth/register', {
        body: { ...body, email: email.toUpperCase() },
      });
      expect(again.status).toBe(409);
      expect(again.body.error?.code).toBe('conflict');
    });

    it('invalid fields answer 400 naming them', async () => {
      const bad = await api('POST', '/api/v1/auth/register', {
        body: { email: 'not-an-email', password: 'short', fullName: '' },
      });
      expect(bad.status).toBe(400);
      expect(bad.body.error?.code).toBe('bad_request');
      for (const field of ['email', 'password', 'fullName']) {
        expect(bad.body.error?.message).toContain(field);
      }
    });
  });

  describe('login', () => {
    let person: TestUser;
    beforeAll(async () => {
      person = await started.server.createUser('instructor', 'Ivy Instructor');
    });

    it('answers the token and the public user; the token works on /me', async () => {
      const login = await api('POST', '/api/v1/auth/login', {
        body: { email: person.email.toUpperCase(), password: person.password },
      });
      expect(login.status).toBe(200);
      expect(login.body.user).toEqual({
        id: person.id,
        email: person.email,
        fullName: 'Ivy Instructor',
        role: 'instructor',
      });
      const me = await api('GET', '/api/v1/auth/me', { token: login.body.token as string });
      expect(me.status).toBe(200);
      expect((me.body.user as { id: string }).id).toBe(person.id);
    });

    it('a wrong password and an unknown email get the same 401, revealing nothing', async () => {
      const wrongPassword = await api('POST', '/api/v1/auth/login', {
        body: { email: person.email, password: 'not the password' },
      });
      const unknownUser = await api('POST', '/api/v1/auth/login', {
        body: { email: 'nobody-here@example.com', password: 'not the password' },
      });
      expect(wrongPassword.status).toBe(401);
      expect(unknownUser.status).toBe(401);
      expect(wrongPassword.body).toEqual({
        error: { code: 'unauthorized', message: 'invalid email or password' },
      });
      expect(unknownUser.body).toEqual(wrongPassword.body);
    });
  });

  describe('tokens on /me', () => {
    let person: TestUser;
    beforeAll(async () => {
      person = await started.server.createUser('student');
    });

    it.each([
      ['no Authorization header', undefined],
      ['a non-Bearer Authorization header', 'Basic dXNlcjpwYXNz'],
    ])('%s answers 401', async (_what, header) => {
      const response = await fetch(`${url}/api/v1/auth/me`, {
        headers: header ? { authorization: header } : {},
      });
      expect(response.status).toBe(401);
      expect(((await response.json()) as ApiResponse['body']).error?.code).toBe('unauthorized');
    });

    it('an expired token answers 401 token expired', async () => {
      const now = Math.floor(Date.now() / 1000);
      const expired = jwt.sign(
        {
          ...userClaims({ role: person.role, email: person.email }),
          iat: now - 120,
          exp: now - 60,
        },
        jwtSecret,
        { algorithm: 'HS256', issuer: 'classroom-recorder', subject: person.id },
      );
      const me = await api('GET', '/api/v1/auth/me', { token: expired });
      expect(me.status).toBe(401);
      expect(me.body.error).toEqual({ code: 'unauthorized', message: 'token expired' });
    });

    it('a token signed with another secret answers 401', async () => {
      const forged = jwt.sign(userClaims(), 'some-other-secret-of-sufficient-length', {
        algorithm: 'HS256',
        issuer: 'classroom-recorder',
        subject: person.id,
        expiresIn: 600,
      });
      const me = await api('GET', '/api/v1/auth/me', { token: forged });
      expect(me.status).toBe(401);
      expect(me.body.error?.message).toBe('invalid token');
    });

    it('an `alg: none` token answers 401', async () => {
      const now = Math.floor(Date.now() / 1000);
      const unsigned = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({
        ...userClaims(),
        sub: person.id,
        iss: 'classroom-recorder',
        iat: now,
        exp: now + 600,
      })}.`;
      const me = await api('GET', '/api/v1/auth/me', { token: unsigned });
      expect(me.status).toBe(401);
      expect(me.body.error?.message).toBe('invalid token');
    });

    it('a recorder token is refused where a user token is required (403)', async () => {
      const { token } = started.server.server.context.tokens.issueRecorderToken(
        { recordingId: randomUUID(), roomId: 'room-1' },
        60,
      );
      const me = await api('GET', '/api/v1/auth/me', { token });
      expect(me.status).toBe(403);
      expect(me.body.error?.code).toBe('forbidden');
    });
  });

  describe('request bodies', () => {
    it('a JSON body over the limit answers 413', async () => {
      const response = await api('POST', '/api/v1/auth/login', {
        body: { email: 'a@example.com', password: 'x'.repeat(200 * 1024) },
      });
      expect(response.status).toBe(413);
      expect(response.body.error?.code).toBe('payload_too_large');
    });

    it('malformed JSON answers 400', async () => {
      const response = await api('POST', '/api/v1/auth/login', { raw: '{"email": "a@' });
      expect(response.status).toBe(400);
      expect(response.body.error).toEqual({ code: 'bad_request', message: 'malformed JSON body' });
    });

    it('an unknown API route answers a JSON 404', async () => {
      const response = await api('GET', '/api/v1/no-such-thing');
      expect(response.status).toBe(404);
      expect(response.body.error?.code).toBe('not_found');
    });
  });

  describe('PATCH /api/v1/users/:id (role change)', () => {
    let admin: TestUser;
    let instructor: TestUser;
    let student: TestUser;
    beforeAll(async () => {
      admin = await started.server.createUser('admin');
      instructor = await started.server.createUser('instructor');
      student = await started.server.createUser('student');
    });

    it.each(['student', 'instructor'] as const)(
      'by a %s answers 403 and leaves the role unchanged',
      async (role) => {
        const actor = role === 'student' ? student : instructor;
        const response = await api('PATCH', `/api/v1/users/${student.id}`, {
          token: actor.token,
          body: { role: 'admin' },
        });
        expect(response.status).toBe(403);
        expect(response.body.error?.code).toBe('forbidden');
        const row = await started.server.server.context.users.findById(student.id);
        expect(row?.role).toBe('student');
      },
    );

    it('without a token answers 401', async () => {
      const response = await api('PATCH', `/api/v1/users/${student.id}`, {
        body: { role: 'admin' },
      });
      expect(response.status).toBe(401);
    });

    it('by an admin answers 200 with the updated user, who gets the role at next login', async () => {
      const response = await api('PATCH', `/api/v1/users/${student.id}`, {
        token: admin.token,
        body: { role: 'instructor' },
      });
      expect(response.status).toBe(200);
      expect(response.body.user).toMatchObject({ id: student.id, role: 'instructor' });
      const login = await api('POST', '/api/v1/auth/login', {
        body: { email: student.email, password: student.password },
      });
      expect((login.body.user as { role: string }).role).toBe('instructor');
    });

    it('a malformed id answers 400', async () => {
      const response = await api('PATCH', '/api/v1/users/not-a-uuid', {
        token: admin.token,
        body: { role: 'admin' },
      });
      expect(response.status).toBe(400);
      expect(response.body.error?.code).toBe('bad_request');
    });

    it('an unknown role or an extra field answers 400', async () => {
      for (const body of [{ role: 'superuser' }, { role: 'admin', email: 'x@example.com' }]) {
        const response = await api('PATCH', `/api/v1/users/${student.id}`, {
          token: admin.token,
          body,
        });
        expect(response.status).toBe(400);
      }
    });

    it('an unknown user answers 404', async () => {
      const response = await api('PATCH', `/api/v1/users/${randomUUID()}`, {
        token: admin.token,
        body: { role: 'admin' },
      });
      expect(response.status).toBe(404);
      expect(response.body.error?.code).toBe('not_found');
    });
  });

  it('GET /healthz answers 200 with the database kind and the live mediasoup workers', async () => {
    const response = await api('GET', '/healthz');
    expect(response.status).toBe(200);
    // Other components (rooms, recorders) add their own keys.
    expect(response.body).toMatchObject({
      status: 'ok',
      database: mode.name.startsWith('PostgreSQL') ? 'postgres' : 'pglite',
      mediasoupWorkers: 1,
    });
  });
});
