/**
 * The server's handle on a bot that a recorder worker runs, wherever that
 * worker is: a `RecorderBot` like the in-process one, driven over the
 * control channel (see `#protocol/recorderControl`). Created queued by the
 * QueuedBotLauncher; a worker that takes the job attaches its connection.
 *
 * The bot is taken for gone (`close` event, so the recording session
 * replaces it) when the worker says so, when no worker takes the job within
 * `claimTimeoutMs`, when its connection drops and does not come back within
 * a heartbeat period (a killed worker's socket is closed by its kernel), or
 * when its heartbeat lapses for `lapseMs` (a frozen or cut-off worker sends
 * no TCP reset: only silence tells).
 */
import type { Socket } from 'socket.io';
import type { Logger } from '../logger';
import { EnhancedEventEmitter } from '../utils/EnhancedEventEmitter';
import type {
  BotStats,
  RecorderBot,
  RecorderBotEvents,
  RecorderJob,
  StopResult,
} from '#recorder-bot/types';
import {
  botEventSchema,
  type BotHeartbeat,
  type ControlHandshake,
  type ControlPreviewAnswer,
  type ControlServerEvents,
  type ControlStopAnswer,
  type ControlWorkerEvents,
} from '#protocol/recorderControl';

export type ControlSocket = Socket<ControlWorkerEvents, ControlServerEvents>;

/** The worker running a bot, as it introduced itself. */
export type BotWorker = Omit<ControlHandshake, 'token'>;

export interface RemoteBotOptions {
  job: RecorderJob;
  heartbeatMs: number;
  lapseMs: number;
  claimTimeoutMs: number;
  logger: Logger;
}

const CONSOLE_LINES_KEPT = 200;
/** How long close() waits for the worker to confirm the bot is gone before giving up on it. */
const EXIT_WAIT_MS = 10_000;

type RemoteBotEvents = RecorderBotEvents & { listenerError: [event: string, error: unknown] };

export class RemoteBot extends EnhancedEventEmitter<RemoteBotEvents> implements RecorderBot {
  readonly recordingId: string;
  readonly botId: string;
  readonly queuedAt = Date.now();
  readonly #options: RemoteBotOptions;
  readonly #log: Logger;
  #socket?: ControlSocket;
  #worker?: BotWorker;
  #attachedAt?: number;
  #lastSeenAt?: number;
  #beat?: BotHeartbeat;
  #state: BotStats['state'] = 'starting';
  #closed = false;
  #workerLost = false;
  readonly #console: string[] = [];
  readonly #ready: Promise<void>;
  #resolveReady!: () => void;
  #rejectReady!: (error: Error) => void;
  readonly #exited: Promise<void>;
  #resolveExited!: () => void;
  readonly #watch: NodeJS.Timeout;
  #reconnectTimer?: NodeJS.Timeout;
  /** Waiters for a connection (stop() may come before the worker attached). */
  readonly #attachWaiters = new Set<() => void>();

  constructor(options: RemoteBotOptions) {
    super();
    this.#options = options;
    this.recordingId = options.job.recordingId;
    this.botId = options.job.botId;
    this.#log = options.logger.child({
      module: 'remote-bot',
      recordingId: this.recordingId,
      botId: this.botId,
    });
    this.#ready = new Promise<void>((resolve, reject) => {
      this.#resolveReady = resolve;
      this.#rejectReady = reject;
    });
    this.#ready.catch(() => undefined);
    this.#exited = new Promise((resolve) => (this.#resolveExited = resolve));
    this.#watch = setInterval(() => this.#checkLiveness(), Math.min(options.heartbeatMs, 1_000));
    this.#watch.unref();
  }

  get closed(): boolean {
    return this.#closed;
  }

  get pid(): number | null {
    return this.#beat?.browserPid ?? null;
  }

  /** True once its worker was taken for gone (heartbeat lapsed): nobody will settle its job. */
  get workerLost(): boolean {
    return this.#workerLost;
  }

  /** The worker that took the job; undefined while it waits in the queue. */
  get worker(): BotWorker | undefined {
    return this.#worker;
  }

  /**
   * Takes a worker's control connection for this bot (the first, or a
   * reconnection after a network blip, which replaces the previous one).
   */
  attach(socket: ControlSocket, worker: BotWorker): void {
    if (this.#closed) {
      socket.emit('close', { reason: 'this bot was closed' });
      socket.disconnect(true);
      return;
    }
    if (this.#worker && this.#worker.workerId !== worker.workerId) {
      // Only one worker runs a job; a second one holds a stale copy of it.
      this.#log.warn({ worker, running: this.#worker }, 'a second worker claims this bot');
      socket.emit('close', { reason: 'another worker runs this bot' });
      socket.disconnect(true);
      return;
    }
    const previous = this.#socket;
    this.#socket = socket;
    this.#worker = worker;
    this.#attachedAt ??= Date.now();
    this.#lastSeenAt = Date.now();
    if (previous && previous !== socket) previous.disconnect(true);
    this.#log.info({ worker, reconnected: !!previous }, 'recorder worker attached');
    socket.on('heartbeat', (beat) => {
      this.#lastSeenAt = Date.now();
      this.#beat = beat;
    });
    socket.on('bot-event', (raw) => {
      this.#lastSeenAt = Date.now();
      const parsed = botEventSchema.safeParse(raw);
      if (!parsed.success) {
        this.#log.warn({ issues: parsed.error.issues }, 'malformed bot event ignored');
        return;
      }
      this.#onBotEvent(parsed.data);
    });
    socket.on('disconnect', (reason) => {
      if (this.#socket !== socket) return;
      this.#socket = undefined;
      if (this.#closed) {
        this.#resolveExited();
        return;
      }
      this.#log.warn({ reason }, 'control connection lost; waiting for the worker');
      // A dropped connection is a strong sign: a live worker is back within its
      // reconnection delay, a killed one never. Silence alone waits out the lapse.
      clearTimeout(this.#reconnectTimer);
      this.#reconnectTimer = setTimeout(() => {
        if (this.#socket || this.#closed) return;
        this.#workerLost = true;
        this.#fail(
          `recorder worker ${this.#worker?.workerId ?? '?'} lost: its connection dropped (${reason}) and did not come back`,
        );
      }, this.#options.heartbeatMs);
      this.#reconnectTimer.unref();
    });
    for (const wake of this.#attachWaiters) wake();
    this.#attachWaiters.clear();
  }

  #onBotEvent(event: ReturnType<typeof botEventSchema.parse>): void {
    switch (event.type) {
      case 'ready':
        if (this.#closed) return;
        this.#state = 'ready';
        this.#resolveReady();
        this.safeEmit('ready');
        return;
      case 'first-slice':
        this.safeEmit('first-slice');
        return;
      case 'error':
        this.safeEmit('error', new Error(event.message), event.fatal);
        return;
      case 'console':
        this.#console.push(event.line);
        if (this.#console.length > CONSOLE_LINES_KEPT) this.#console.shift();
        this.safeEmit('console', event.line);
        return;
      case 'closed':
        // Closed before ready: the worker's reason is why the bot could not start.
        this.#rejectReady(new Error(event.reason));
        this.#resolveExited();
        this.#closeLocally(event.reason);
        // Nothing more to say to each other: the worker is waiting for this to finish.
        this.#socket?.disconnect(true);
        return;
    }
  }

  #checkLiveness(): void {
    if (this.#closed) return;
    const now = Date.now();
    const { claimTimeoutMs, lapseMs, job } = this.#options;
    if (!this.#attachedAt) {
      if (now - this.queuedAt > claimTimeoutMs) {
        this.#fail(
          `no recorder worker took the job within ${Math.round(claimTimeoutMs / 1000)} s (none running, or all full)`,
        );
      }
      return;
    }
    const silentMs = now - (this.#lastSeenAt ?? this.#attachedAt);
    if (silentMs > lapseMs) {
      this.#workerLost = true;
      this.#fail(
        `recorder worker ${this.#worker?.workerId ?? '?'} lost: no heartbeat for ${(silentMs / 1000).toFixed(1)} s`,
      );
      return;
    }
    // The worker's bot has its own ready timeout; this one backs it up.
    if (this.#state === 'starting' && now - this.#attachedAt > job.readyTimeoutMs + lapseMs) {
      this.#fail(`recorder page not ready after ${job.readyTimeoutMs} ms`);
    }
  }

  #fail(reason: string): void {
    this.#log.warn({ reason }, 'remote recorder bot failed');
    const error = new Error(reason);
    this.#rejectReady(error);
    this.safeEmit('error', error, true);
    this.close(reason);
  }

  ready(): Promise<void> {
    return this.#ready;
  }

  /** Resolves once a worker is connected, or after `timeoutMs` (false). */
  #connected(timeoutMs: number): Promise<boolean> {
    if (this.#socket) return Promise.resolve(true);
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        resolve(!!this.#socket);
      };
      const timer = setTimeout(() => {
        this.#attachWaiters.delete(wake);
        resolve(false);
      }, timeoutMs);
      this.#attachWaiters.add(wake);
    });
  }

  async stop(timeoutMs: number): Promise<StopResult> {
    if (this.#closed) return { lastSeq: -1, bytesSent: 0, flushed: false };
    this.#state = 'stopping';
    const started = Date.now();
    if (!(await this.#connected(timeoutMs)) || !this.#socket) {
      this.close('stopped before a worker was connected');
      return { lastSeq: -1, bytesSent: 0, flushed: false };
    }
    const remaining = Math.max(1_000, timeoutMs - (Date.now() - started));
    let answer: ControlStopAnswer;
    try {
      // The worker's own stop gives up after `remaining`; the ack has a margin on top.
      answer = await this.#socket
        .timeout(remaining + 2_000)
        .emitWithAck('stop', { timeoutMs: remaining });
    } catch {
      return { lastSeq: -1, bytesSent: 0, flushed: false };
    }
    if (!answer.ok) throw new Error(answer.error);
    return { lastSeq: answer.lastSeq, bytesSent: answer.bytesSent, flushed: answer.flushed };
  }

  stats(): Promise<BotStats> {
    const beat = this.#beat;
    return Promise.resolve({
      state: this.#closed ? 'closed' : (beat?.state ?? this.#state),
      uptimeMs: beat?.uptimeMs ?? 0,
      page: beat?.page ?? null,
      lastError: beat?.lastError ?? null,
    });
  }

  async preview(): Promise<Buffer> {
    const socket = this.#socket;
    if (!socket || this.#closed) throw new Error('the recorder is not connected');
    let answer: ControlPreviewAnswer;
    try {
      answer = await socket.timeout(5_000).emitWithAck('preview', {});
    } catch {
      throw new Error('the recorder worker did not answer in time');
    }
    if (!answer.ok) throw new Error(answer.error);
    return Buffer.from(answer.jpeg);
  }

  consoleLines(): string[] {
    return [...this.#console];
  }

  /** Idempotent: tells the worker to close the bot, and forgets it. */
  close(reason = 'closed'): void {
    if (this.#closed) return;
    this.#socket?.emit('close', { reason });
    if (!this.#socket) this.#resolveExited();
    this.#closeLocally(reason);
    // A worker that never confirms (gone with its network) is not waited for forever.
    setTimeout(() => this.#resolveExited(), EXIT_WAIT_MS).unref();
  }

  #closeLocally(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#state = 'closed';
    clearInterval(this.#watch);
    clearTimeout(this.#reconnectTimer);
    this.#rejectReady(new Error(`recorder bot closed: ${reason}`));
    for (const wake of this.#attachWaiters) wake();
    this.#attachWaiters.clear();
    this.safeEmit('close', reason);
  }

  exited(): Promise<void> {
    return this.#exited;
  }
}
