/**
 * "A recording you may view changed": one Socket.IO connection per page
 * (same origin, the token in the handshake) on which the server pushes
 * `recording-updated` (and, to a recording's owner, `recording-hls-progress`). Unlike the room's signalling channel it reconnects by
 * itself, since it holds no room state; events sent while it was away are
 * lost, so a reconnection is reported as `resumed` and the page reloads.
 */
import { io, type Socket } from 'socket.io-client';
import type { ServerEvents } from '#protocol/signalling';
import { TypedEventEmitter } from '#room-client/TypedEventEmitter';

export type LiveState = 'connected' | 'disconnected';
export type RecordingUpdate = ServerEvents['recording-updated'];
export type HlsProgressUpdate = ServerEvents['recording-hls-progress'];

export interface RecordingUpdatesEvents {
  state: { state: LiveState; resumed: boolean };
  updated: RecordingUpdate;
  /** The owner's (and admins') view of HLS being made: frequent, not worth a reload. */
  'hls-progress': HlsProgressUpdate;
}

type ListenEvents = {
  'recording-updated': (payload: RecordingUpdate) => void;
  'recording-hls-progress': (payload: HlsProgressUpdate) => void;
};

/** The live connection of a library or recording page; `close()` when the page goes away. */
export class RecordingUpdates extends TypedEventEmitter<RecordingUpdatesEvents> {
  readonly #socket: Socket<ListenEvents, Record<string, never>>;
  #state: LiveState = 'disconnected';
  #connectedBefore = false;
  #closed = false;

  constructor({ token, serverUrl = location.origin }: { token: string; serverUrl?: string }) {
    super();
    this.#socket = io(serverUrl, {
      path: '/socket.io',
      auth: { token },
      transports: ['websocket'],
    });
    this.#socket.on('connect', () => {
      const resumed = this.#connectedBefore;
      this.#connectedBefore = true;
      this.#setState('connected', resumed);
    });
    // A refused handshake (token revoked) is not retried by socket.io; the page stays offline.
    this.#socket.on('connect_error', () => this.#setState('disconnected', false));
    this.#socket.on('disconnect', () => this.#setState('disconnected', false));
    this.#socket.on('recording-updated', (payload) => this.safeEmit('updated', payload));
    this.#socket.on('recording-hls-progress', (payload) => this.safeEmit('hls-progress', payload));
  }

  get state(): LiveState {
    return this.#state;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Idempotent: disconnects and drops every listener. Emits nothing. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.removeAllListeners();
    this.#socket.removeAllListeners();
    this.#socket.disconnect();
  }

  #setState(state: LiveState, resumed: boolean): void {
    if (this.#closed || (state === this.#state && !resumed)) return;
    this.#state = state;
    this.safeEmit('state', { state, resumed });
  }
}
