/**
 * The browser end of the signalling protocol: one Socket.IO connection,
 * authenticated by a token in the handshake, with typed requests (ack with
 * timeout) and typed server events. It knows nothing about media.
 */
import { io, type Socket } from 'socket.io-client';
import type {
  AckResponse,
  RequestName,
  RequestPayload,
  RequestResults,
  ServerEventName,
  ServerEvents,
} from '#protocol/signalling';
import { ConnectError, SignallingError } from './errors';
import { TypedEventEmitter, type ListenerErrorHandler } from './TypedEventEmitter';

/** Events of a signalling channel: every server event, plus the end of the connection. */
export type SignallingEvents = ServerEvents & {
  /** The connection ended without `close()` being called (server gone, kicked, network). */
  disconnected: { reason: string };
};

/** What RoomClient needs from a channel; tests give it a fake. */
export interface Signalling {
  readonly closed: boolean;
  connect(): Promise<void>;
  request<N extends RequestName>(name: N, payload: RequestPayload<N>): Promise<RequestResults[N]>;
  on<K extends keyof SignallingEvents>(
    event: K,
    listener: (payload: SignallingEvents[K]) => void,
  ): unknown;
  close(): void;
}

export interface SignallingChannelOptions {
  serverUrl: string;
  token: string;
  /** How long a request waits for its ack. */
  requestTimeoutMs?: number;
  /** How long the handshake may take. */
  connectTimeoutMs?: number;
  onListenerError?: ListenerErrorHandler;
}

// Checked against ServerEvents at compile time: a new server event must be added here.
const serverEventNames = {
  'peer-joined': true,
  'peer-left': true,
  'new-producer': true,
  'producer-closed': true,
  'producer-paused': true,
  'producer-resumed': true,
  'consumer-closed': true,
  'active-speaker': true,
  'room-closed': true,
  'recording-started': true,
  'recording-stopped': true,
  'recording-error': true,
  'recording-ready': true,
  'recording-updated': true,
  'recording-hls-progress': true,
  'recording-layout': true,
} as const satisfies Record<ServerEventName, true>;

function isServerEventName(name: string): name is ServerEventName {
  return Object.hasOwn(serverEventNames, name);
}

function isAckResponse(value: unknown): value is AckResponse<unknown> {
  if (typeof value !== 'object' || value === null || !('ok' in value)) return false;
  if (value.ok === true) return 'data' in value;
  return (
    value.ok === false &&
    'error' in value &&
    typeof value.error === 'object' &&
    value.error !== null &&
    'message' in value.error
  );
}

/** A Socket.IO signalling connection. One instance per join; not reusable after close. */
export class SignallingChannel extends TypedEventEmitter<SignallingEvents> implements Signalling {
  readonly #options: Required<Omit<SignallingChannelOptions, 'onListenerError'>>;
  #socket?: Socket;
  #closed = false;
  /** Rejecters of requests in flight, so that a lost connection fails them at once. */
  readonly #pending = new Set<(error: Error) => void>();

  constructor({
    serverUrl,
    token,
    requestTimeoutMs = 10_000,
    connectTimeoutMs = 10_000,
    onListenerError,
  }: SignallingChannelOptions) {
    super(onListenerError);
    this.#options = { serverUrl, token, requestTimeoutMs, connectTimeoutMs };
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Opens the connection; rejects with ConnectError if the server refuses or does not answer. */
  connect(): Promise<void> {
    if (this.#closed) return Promise.reject(new ConnectError('channel closed'));
    if (this.#socket) return Promise.reject(new ConnectError('already connecting'));
    const socket = io(this.#options.serverUrl, {
      auth: { token: this.#options.token },
      transports: ['websocket'],
      // A reconnected socket would be a new peer that has not joined: the
      // owner sees 'disconnected' and decides (rejoin with a new client).
      reconnection: false,
      autoConnect: false,
      timeout: this.#options.connectTimeoutMs,
    });
    this.#socket = socket;

    socket.onAny((event: string, payload: unknown) => {
      if (isServerEventName(event)) this.safeEmit(event, payload as never);
    });

    return new Promise<void>((resolve, reject) => {
      const onConnect = () => {
        socket.off('connect_error', onConnectError);
        socket.on('disconnect', (reason) => this.#onDisconnect(reason));
        resolve();
      };
      const onConnectError = (error: Error) => {
        socket.off('connect', onConnect);
        this.close();
        reject(new ConnectError(`cannot connect to ${this.#options.serverUrl}: ${error.message}`));
      };
      socket.once('connect', onConnect);
      socket.once('connect_error', onConnectError);
      socket.connect();
    });
  }

  /** Sends one request; resolves with its `data`, rejects with a SignallingError. */
  request<N extends RequestName>(name: N, payload: RequestPayload<N>): Promise<RequestResults[N]> {
    const socket = this.#socket;
    if (this.#closed || !socket?.connected) {
      return Promise.reject(new SignallingError('disconnected', 'not connected', name));
    }
    return new Promise<RequestResults[N]>((resolve, reject) => {
      const fail = (error: Error) => {
        this.#pending.delete(fail);
        reject(error);
      };
      this.#pending.add(fail);
      socket
        .timeout(this.#options.requestTimeoutMs)
        .emit(name, payload, (err: Error | null, ack: unknown) => {
          if (!this.#pending.has(fail)) return; // already failed by a disconnect
          this.#pending.delete(fail);
          if (err) {
            reject(
              new SignallingError(
                'timeout',
                `no answer within ${this.#options.requestTimeoutMs} ms`,
                name,
              ),
            );
          } else if (!isAckResponse(ack)) {
            reject(new SignallingError('bad_response', 'malformed acknowledgement', name));
          } else if (ack.ok) {
            resolve(ack.data as RequestResults[N]);
          } else {
            reject(new SignallingError(ack.error.code ?? 'error', ack.error.message, name));
          }
        });
    });
  }

  /** Idempotent: disconnects and fails the requests in flight. Emits nothing. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#failPending('channel closed');
    const socket = this.#socket;
    if (socket) {
      socket.offAny();
      socket.removeAllListeners();
      socket.disconnect();
    }
  }

  #onDisconnect(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#failPending(`disconnected (${reason})`);
    this.#socket?.offAny();
    this.safeEmit('disconnected', { reason });
  }

  #failPending(message: string): void {
    const failures = [...this.#pending];
    this.#pending.clear();
    for (const fail of failures) fail(new SignallingError('disconnected', message));
  }
}
