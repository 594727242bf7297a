/**
 * Accounts that change take effect: a demoted or deleted user loses access
 * within AUTH_CACHE_SECONDS (and at once on the server that made the
 * change), a signed-out token is dead, sign-in is rate limited, and closed
 * registration leaves account creation to admins.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sessionSchema, userEnvelopeSchema } from '#protocol/rest/users';
import { errorBodySchema } from '#protocol/rest/common';
import { startTestServer, type TestServer, type TestUser } from '../../helpers/testServer';
import { callApi } from '../../helpers/api';
import { TestClients } from '../signalling/signallingClient';

let t: TestServer;
let admin: TestUser;
const clients = new TestClients();

beforeAll(async () => {
  t = await startTestServer({
    AUTH_CACHE_SECONDS: '1',
    REGISTRATION: 'closed',
    AUTH_RATE_LIMIT_PER_EMAIL: '3',
    AUTH_RATE_LIMIT_PER_IP: '30',
  });
  admin = await t.createUser('admin');
});

afterAll(async () => {
  clients.closeAll();
  await t?.close();
});

describe('accounts that change', () => {
  it('a demotion made through the API takes effect on the next request', async () => {
    const teacher = await t.createUser('instructor');
    const room = { roomId: `demote-${Date.now().toString(36)}`, title: 'x' };
    expect(
      (await callApi(t.url, '/rooms', { method: 'POST', token: teacher.token, body: room })).status,
    ).toBe(201);
    const demoted = await callApi(t.url, `/users/${teacher.id}`, {
      method: 'PATCH',
      token: admin.token,
      body: { role: 'student' },
    });
    expect(demoted.status).toBe(200);
    // Same token, but the role is read from the account now: students cannot create rooms.
    const again = await callApi(t.url, '/rooms', {
      method: 'POST',
      token: teacher.token,
      body: { ...room, roomId: `${room.roomId}-2` },
    });
    expect(again.status).toBe(403);
    const me = userEnvelopeSchema.parse(
      (await callApi(t.url, '/auth/me', { token: teacher.token })).body,
    );
    expect(me.user.role).toBe('student');
  });

  it('a role changed behind the server’s back (another node) takes effect within the cache time', async () => {
    const user = await t.createUser('admin');
    expect((await callApi(t.url, '/audit', { token: user.token })).status).toBe(200);
    await t.server.context.users.setRole(user.id, 'student');
    await vi.waitFor(
      async () => expect((await callApi(t.url, '/audit', { token: user.token })).status).toBe(403),
      { timeout: 5_000, interval: 100 },
    );
  });

  it('a deleted account can no longer use its token, sign in, or stay connected', async () => {
    const user = await t.createUser('student');
    const client = await clients.connect(t.url, user.token);
    const disconnected = new Promise<string>((resolve) =>
      client.socket.once('disconnect', resolve),
    );
    const deleted = await callApi(t.url, `/users/${user.id}`, {
      method: 'DELETE',
      token: admin.token,
    });
    expect(deleted.status).toBe(200);
    expect(await disconnected).toBe('io server disconnect');
    const me = await callApi(t.url, '/auth/me', { token: user.token });
    expect(me.status).toBe(401);
    expect(errorBodySchema.parse(me.body).error.message).toMatch(/no longer exists/);
    const login = await callApi(t.url, '/auth/login', {
      method: 'POST',
      body: { email: user.email, password: user.password },
    });
    expect(login.status).toBe(401);
    const refusal = await clients.refusal(t.url, { token: user.token });
    expect(refusal.data).toEqual({ code: 'unauthorized' });
  });

  it('logout revokes exactly the token it was called with', async () => {
    const user = await t.createUser('student');
    const second = sessionSchema.parse(
      (
        await callApi(t.url, '/auth/login', {
          method: 'POST',
          body: { email: user.email, password: user.password },
        })
      ).body,
    );
    expect(
      (await callApi(t.url, '/auth/logout', { method: 'POST', token: user.token })).status,
    ).toBe(200);
    const dead = await callApi(t.url, '/auth/me', { token: user.token });
    expect(dead.status).toBe(401);
    expect(errorBodySchema.parse(dead.body).error.message).toBe('token revoked');
    expect((await clients.refusal(t.url, { token: user.token })).data).toEqual({
      code: 'unauthorized',
    });
    // The other session of the same account is untouched.
    expect((await callApi(t.url, '/auth/me', { token: second.token })).status).toBe(200);
  });

  it('failed sign-ins for one email are limited: 429 with Retry-After, and the right password waits too', async () => {
    const user = await t.createUser('student');
    const attempt = (password: string) =>
      callApi(t.url, '/auth/login', { method: 'POST', body: { email: user.email, password } });
    for (let i = 0; i < 3; i++) expect((await attempt('wrong password')).status).toBe(401);
    const limited = await attempt('wrong password');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(errorBodySchema.parse(limited.body).error.code).toBe('too_many_requests');
    expect((await attempt(user.password)).status).toBe(429);
    // Another account is not affected by this one's limit.
    const other = await t.createUser('student');
    const ok = await callApi(t.url, '/auth/login', {
      method: 'POST',
      body: { email: other.email, password: other.password },
    });
    expect(ok.status).toBe(200);
  });

  it('closed registration: self-registration answers 403, admins create accounts', async () => {
    const email = `closed-${Date.now()}@test.example`;
    const body = { email, password: 'a long enough password', fullName: 'New Person' };
    const refused = await callApi(t.url, '/auth/register', { method: 'POST', body });
    expect(refused.status).toBe(403);
    expect(
      (
        await callApi(t.url, '/users', {
          method: 'POST',
          token: admin.token,
          body: { ...body, role: 'instructor' },
        })
      ).status,
    ).toBe(201);
    const login = await callApi(t.url, '/auth/login', {
      method: 'POST',
      body: { email, password: body.password },
    });
    expect(sessionSchema.parse(login.body).user.role).toBe('instructor');
    const student = await t.createUser('student');
    expect(
      (await callApi(t.url, '/users', { method: 'POST', token: student.token, body })).status,
    ).toBe(403);
  });
});

describe('sign-in attempts per IP', () => {
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startTestServer({ AUTH_RATE_LIMIT_PER_IP: '5' });
  });
  afterAll(async () => {
    await limited?.close();
  });

  it('past the limit every attempt from the address answers 429 before any password is checked', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await callApi(limited.url, '/auth/login', {
        method: 'POST',
        body: { email: `nobody-${i}@test.example`, password: 'whatever password' },
      });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
    // Everything else still answers.
    expect((await fetch(`${limited.url}/healthz`)).status).toBe(200);
  });
});
