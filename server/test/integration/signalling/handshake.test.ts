import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resolveJwtSecret } from '#server/auth/jwtSecret';
import { TokenService } from '#server/auth/tokens';
import { createLogger } from '#server/logger';
import { SignallingServer } from '#server/signalling/SignallingServer';
import type { RecorderPrincipal } from '#server/signalling/types';
import { startTestServer, type TestServer, type TestUser } from '../../helpers/testServer';
import { TestClients } from './signallingClient';

describe('signalling handshake', () => {
  let t: TestServer;
  let student: TestUser;
  const clients = new TestClients();

  beforeAll(async () => {
    t = await startTestServer();
    student = await t.createUser('student');
  });
  afterEach(() => clients.closeAll());
  afterAll(async () => {
    clients.closeAll();
    await t?.close();
  });

  it('accepts a valid user token', async () => {
    const client = await clients.connect(t.url, student.token);
    expect(client.socket.connected).toBe(true);
  });

  it('refuses a connection without a token, saying so', async () => {
    const error = await clients.refusal(t.url, {});
    expect(error.message).toMatch(/authentication required/);
    expect(error.data).toEqual({ code: 'unauthorized' });
    const empty = await clients.refusal(t.url, { token: '' });
    expect(empty.message).toMatch(/authentication required/);
  });

  it('refuses a token signed with another secret', async () => {
    const forged = jwt.sign(
      { typ: 'user', role: 'admin', name: 'Mallory', email: 'm@example.com' },
      'not-the-server-secret-not-the-server-secret',
      { algorithm: 'HS256', subject: randomUUID(), issuer: 'classroom-recorder', expiresIn: 600 },
    );
    const error = await clients.refusal(t.url, { token: forged });
    expect(error.message).toBe('invalid token');
    expect(error.data).toEqual({ code: 'unauthorized' });
  });

  it('refuses an unsigned (alg none) token and garbage', async () => {
    const unsigned = jwt.sign(
      {
        typ: 'user',
        sub: student.id,
        role: 'admin',
        name: 'x',
        email: 'x',
        iss: 'classroom-recorder',
      },
      '',
      { algorithm: 'none' },
    );
    expect((await clients.refusal(t.url, { token: unsigned })).message).toBe('invalid token');
    expect((await clients.refusal(t.url, { token: 'not.a.jwt' })).message).toBe('invalid token');
    expect((await clients.refusal(t.url, { token: 42 })).message).toMatch(
      /authentication required/,
    );
  });

  it('refuses expired user and recorder tokens with "token expired"', async () => {
    const { secret } = resolveJwtSecret(undefined, t.dataDir);
    const expiredIssuer = new TokenService({ secret, userTtlSeconds: -60 });
    const expired = expiredIssuer.issueUserToken({
      id: student.id,
      role: 'student',
      fullName: student.fullName,
      email: student.email,
    });
    expect((await clients.refusal(t.url, { token: expired })).message).toBe('token expired');
    const recorder = t.server.context.tokens.issueRecorderToken(
      { recordingId: randomUUID(), roomId: 'room-1' },
      -1,
    );
    expect((await clients.refusal(t.url, { token: recorder.token })).message).toBe('token expired');
  });

  describe('with its own SignallingServer', () => {
    let http: HttpServer;
    let signalling: SignallingServer;
    let url: string;
    const validated: RecorderPrincipal[] = [];
    let valid = false;

    beforeAll(async () => {
      http = createServer();
      signalling = new SignallingServer({
        httpServer: http,
        rooms: t.server.rooms,
        authenticator: t.server.context.authenticator,
        roomAccess: t.server.context.roomAccess,
        logger: createLogger('silent', { pretty: false }),
        recorderTokenValidator: async (principal) => {
          validated.push(principal);
          return Promise.resolve(valid);
        },
      });
      http.listen(0, '127.0.0.1');
      await once(http, 'listening');
      url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      signalling?.close();
      await new Promise((resolve) => http?.close(resolve));
    });

    it('refuses a recorder token the recording service no longer vouches for', async () => {
      const recordingId = randomUUID();
      const { token, tokenId } = t.server.context.tokens.issueRecorderToken(
        { recordingId, roomId: 'room-1' },
        60,
      );
      valid = false;
      const error = await clients.refusal(url, { token });
      expect(error.message).toMatch(/not valid for an active recording/);
      expect(validated.at(-1)).toEqual({
        kind: 'recorder',
        recordingId,
        roomId: 'room-1',
        tokenId,
      });

      valid = true;
      const accepted = await clients.connect(url, token);
      expect(accepted.socket.connected).toBe(true);
    });

    it('close() disconnects every socket and refuses new handshakes', async () => {
      const client = await clients.connect(url, student.token);
      const disconnected = new Promise<string>((resolve) =>
        client.socket.once('disconnect', resolve),
      );
      signalling.close();
      expect(await disconnected).toBe('io server disconnect');
      expect(signalling.connectionCount).toBe(0);
      // Refused at the transport (the engine is closed) or by the handshake: either way, not connected.
      await expect(clients.refusal(url, { token: student.token })).resolves.toBeInstanceOf(Error);
      signalling.close();
    });
  });
});
