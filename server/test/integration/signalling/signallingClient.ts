/**
 * Socket.IO test clients for the signalling protocol, plus hand-made RTP and
 * DTLS parameters that mediasoup accepts from a "browser" that never sends
 * a packet. Every client is tracked so a test's afterEach can close them all.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { io, type Socket } from 'socket.io-client';
import { createLogger } from '#server/logger';
import { SignallingServer } from '#server/signalling/SignallingServer';
import type { TestServer } from '../../helpers/testServer';
import type {
  AckResponse,
  RequestName,
  RequestPayload,
  RequestResults,
  ServerEventName,
  ServerEvents,
} from '#protocol/signalling';

const EVENT_TIMEOUT_MS = 5_000;

export interface TestClient {
  socket: Socket;
  /** Sends a request (any payload, valid or not) and returns its raw ack. */
  request<N extends RequestName>(
    name: N,
    payload?: unknown,
  ): Promise<AckResponse<RequestResults[N]>>;
  /** Sends a request and returns its data, failing the test on an error ack. */
  ok<N extends RequestName>(name: N, payload?: RequestPayload<N>): Promise<RequestResults[N]>;
  /** Resolves with the next occurrence of a server event. */
  next<E extends ServerEventName>(event: E, timeoutMs?: number): Promise<ServerEvents[E]>;
  /** Every occurrence of an event since the client connected. */
  received<E extends ServerEventName>(event: E): ServerEvents[E][];
  close(): void;
}

/** Tracks clients so that a test never leaks a socket. */
export class TestClients {
  readonly #clients = new Set<TestClient>();

  /** Connects with a token; resolves once the server accepted the handshake. */
  async connect(url: string, token: string): Promise<TestClient> {
    const socket = this.#socket(url, { token });
    const client = wrap(socket);
    this.#clients.add(client);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    return client;
  }

  /** Connects with the given handshake auth and resolves with the refusal. */
  async refusal(url: string, auth: Record<string, unknown>): Promise<Error & { data?: unknown }> {
    const socket = this.#socket(url, auth);
    this.#clients.add(wrap(socket));
    return new Promise((resolve, reject) => {
      socket.once('connect', () => reject(new Error('handshake was accepted')));
      socket.once('connect_error', resolve);
    });
  }

  closeAll(): void {
    for (const client of this.#clients) client.close();
    this.#clients.clear();
  }

  #socket(url: string, auth: Record<string, unknown>): Socket {
    return io(url, {
      path: '/socket.io',
      auth,
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
  }
}

function wrap(socket: Socket): TestClient {
  const log = new Map<string, unknown[]>();
  // The client socket is untyped here; payload types come from the protocol's ServerEvents.
  const untyped = socket as unknown as {
    once(event: string, listener: (payload: unknown) => void): void;
    off(event: string, listener: (payload: unknown) => void): void;
  };
  socket.onAny((event: string, payload: unknown) => {
    const list = log.get(event) ?? [];
    list.push(payload);
    log.set(event, list);
  });
  const client: TestClient = {
    socket,
    request(name, payload) {
      return socket.timeout(EVENT_TIMEOUT_MS).emitWithAck(name, payload) as Promise<never>;
    },
    async ok(name, payload) {
      const response = await client.request(name, payload);
      if (!response.ok) {
        throw new Error(`${name} failed: ${response.error.code}: ${response.error.message}`);
      }
      return response.data;
    },
    next(event, timeoutMs = EVENT_TIMEOUT_MS) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          untyped.off(event, listener);
          reject(new Error(`timed out waiting for ${event}`));
        }, timeoutMs);
        const listener = (payload: unknown) => {
          clearTimeout(timer);
          resolve(payload as never);
        };
        untyped.once(event, listener);
      });
    },
    received(event) {
      return (log.get(event) ?? []) as never[];
    },
    close() {
      socket.disconnect();
    },
  };
  return client;
}

let ssrc = 10_000;

/** A DTLS fingerprint mediasoup accepts; no DTLS handshake ever follows in these tests. */
export const fakeDtlsParameters: RequestPayload<'connectTransport'>['dtlsParameters'] = {
  role: 'client',
  fingerprints: [
    {
      algorithm: 'sha-256',
      value: Array.from({ length: 32 }, (_, i) =>
        (i * 7).toString(16).padStart(2, '0').toUpperCase(),
      ).join(':'),
    },
  ],
};

/** Opus send parameters as a browser would declare them. */
export function opusRtpParameters() {
  return {
    mid: '0',
    codecs: [
      {
        mimeType: 'audio/opus',
        payloadType: 111,
        clockRate: 48000,
        channels: 2,
        parameters: { minptime: 10, useinbandfec: 1 },
        rtcpFeedback: [{ type: 'transport-cc' }],
      },
    ],
    headerExtensions: [],
    encodings: [{ ssrc: (ssrc += 1) }],
    rtcp: { cname: 'test-client', reducedSize: true },
  };
}

/** VP8 (with RTX) send parameters as a browser would declare them. */
export function vp8RtpParameters() {
  const primary = (ssrc += 2) - 1;
  return {
    mid: '1',
    codecs: [
      {
        mimeType: 'video/VP8',
        payloadType: 96,
        clockRate: 90000,
        parameters: {},
        rtcpFeedback: [
          { type: 'goog-remb' },
          { type: 'transport-cc' },
          { type: 'ccm', parameter: 'fir' },
          { type: 'nack' },
          { type: 'nack', parameter: 'pli' },
        ],
      },
      {
        mimeType: 'video/rtx',
        payloadType: 97,
        clockRate: 90000,
        parameters: { apt: 96 },
        rtcpFeedback: [],
      },
    ],
    headerExtensions: [],
    encodings: [{ ssrc: primary, rtx: { ssrc: primary + 1 } }],
    rtcp: { cname: 'test-client', reducedSize: true },
  };
}

/** Joins, creates and connects a transport of the given direction; returns its id and the join result. */
export async function joinWithTransport(
  client: TestClient,
  roomId: string,
  direction: 'send' | 'recv',
): Promise<{ joined: RequestResults['join']; transportId: string }> {
  const joined = await client.ok('join', { roomId });
  const transport = await client.ok('createTransport', { direction });
  await client.ok('connectTransport', {
    transportId: transport.id,
    dtlsParameters: fakeDtlsParameters,
  });
  return { joined, transportId: transport.id };
}

let roomCounter = 0;

/** A fresh room id per test, so tests never share a room. */
export function uniqueRoomId(prefix = 'room'): string {
  roomCounter += 1;
  return `${prefix}-${process.pid}-${roomCounter}`;
}

const roomOwners = new WeakMap<TestServer, Promise<{ id: string }>>();

/**
 * A fresh `open` room (any signed-in user may join it) for tests of
 * signalling mechanics; access control has its own tests.
 */
export async function openRoom(t: TestServer, roomId = uniqueRoomId()): Promise<string> {
  let owner = roomOwners.get(t);
  if (!owner) {
    owner = t.createUser('instructor', 'Room Owner');
    roomOwners.set(t, owner);
  }
  return t.createRoom(await owner, { roomId, access: 'open' });
}

/** Resolves once every room has closed (after clients disconnected), waiting on roomClosed events. */
export async function allRoomsClosed(
  rooms: { rooms: ReadonlyMap<string, unknown> } & {
    on(event: 'roomClosed', listener: () => void): unknown;
    off(event: 'roomClosed', listener: () => void): unknown;
  },
  timeoutMs = EVENT_TIMEOUT_MS,
): Promise<void> {
  if (rooms.rooms.size === 0) return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      rooms.off('roomClosed', listener);
      reject(new Error(`rooms still open: ${[...rooms.rooms.keys()].join(', ')}`));
    }, timeoutMs);
    const listener = () => {
      if (rooms.rooms.size > 0) return;
      clearTimeout(timer);
      rooms.off('roomClosed', listener);
      resolve();
    };
    rooms.on('roomClosed', listener);
  });
}

/**
 * A second SignallingServer on its own port, sharing the test server's rooms
 * and tokens but accepting any valid recorder token: recorder tests exercise
 * signalling without starting a real recording.
 */
export async function startPermissiveSignalling(
  t: TestServer,
): Promise<{ url: string; close(): Promise<void> }> {
  const http = createServer();
  const signalling = new SignallingServer({
    httpServer: http,
    rooms: t.server.rooms,
    authenticator: t.server.context.authenticator,
    roomAccess: t.server.context.roomAccess,
    logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent', { pretty: false }),
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    async close() {
      signalling.close();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}
