/**
 * One bot on a recorder worker, from a taken job to its end: launches the
 * bot with the local launcher, opens the control connection to the server
 * that owns the recording (both at once: the connection buffers what the
 * bot reports until it is up), relays the bot's milestones and a heartbeat,
 * and carries out the server's stop/close/preview. It ends when the bot
 * closes (finished, crashed, or closed on request), when the server says
 * the bot is no longer its, or when the server stays unreachable for the
 * lapse period (the server will have replaced the bot by then).
 */
import { io, type Socket } from 'socket.io-client';
import type { Logger } from 'pino';
import type { RecorderBot, RecorderBotLauncher } from '#recorder-bot/types';
import {
  RECORDER_CONTROL_NAMESPACE,
  type BotEvent,
  type BotHeartbeat,
  type ControlServerEvents,
  type ControlWorkerEvents,
  type RecorderJobPayload,
} from '#protocol/recorderControl';
import { EnhancedEventEmitter } from '#server/utils/EnhancedEventEmitter';

type ControlClient = Socket<ControlServerEvents, ControlWorkerEvents>;

export interface WorkerIdentity {
  workerId: string;
  host: string;
  pid: number;
}

export interface BotRunOptions {
  payload: RecorderJobPayload;
  launcher: RecorderBotLauncher;
  identity: WorkerIdentity;
  logger: Logger;
  /** Called once the bot has closed and before the server hears so: settle the job here. */
  settle: (reason: string) => Promise<void>;
}

interface BotRunEvents {
  '@close': [reason: string];
  listenerError: [event: string, error: unknown];
}

/** How long the last report may take to reach the server before the connection is dropped. */
const FINAL_REPORT_MS = 2_000;

export class BotRun extends EnhancedEventEmitter<BotRunEvents> {
  readonly botId: string;
  readonly recordingId: string;
  readonly roomId: string;
  readonly startedAt = new Date();
  readonly #options: BotRunOptions;
  readonly #log: Logger;
  readonly #socket: ControlClient;
  #bot?: RecorderBot;
  #beat: BotHeartbeat = {
    browserPid: null,
    state: 'starting',
    uptimeMs: 0,
    page: null,
    lastError: null,
  };
  #heartbeatTimer?: NodeJS.Timeout;
  /** Not connected since then (from the start until the first connection). */
  #disconnectedSince: number | undefined = Date.now();
  #statsInFlight = false;
  /** Asked to close before the bot existed. */
  #closeReason?: string;
  #ended?: Promise<void>;

  constructor(options: BotRunOptions) {
    super();
    this.#options = options;
    const { bot } = options.payload;
    this.botId = bot.botId;
    this.recordingId = bot.recordingId;
    this.roomId = bot.roomId;
    this.#log = options.logger.child({
      module: 'bot-run',
      recordingId: bot.recordingId,
      botId: bot.botId,
    });
    const { identity, payload } = options;
    const url = new URL(RECORDER_CONTROL_NAMESPACE, payload.serverUrl);
    this.#socket = io(url.toString(), {
      auth: { token: payload.token, ...identity },
      transports: ['websocket'],
      reconnectionDelay: 200,
      reconnectionDelayMax: 1_000,
    });
  }

  /** The heartbeat's view of the bot (for the worker's own heartbeat row). */
  get heartbeat(): BotHeartbeat {
    return this.#beat;
  }

  get closed(): boolean {
    return this.#ended !== undefined;
  }

  /** Runs the bot; resolves when it has ended (never rejects). */
  async run(): Promise<void> {
    const { payload, launcher } = this.#options;
    this.#wireControl();
    this.#heartbeatTimer = setInterval(() => this.#heartbeat(), payload.heartbeatMs);
    this.#heartbeat();
    let bot: RecorderBot;
    try {
      bot = await launcher.launch(payload.bot);
    } catch (error) {
      await this.#end((error as Error).message);
      return;
    }
    this.#bot = bot;
    this.#beat = { ...this.#beat, browserPid: bot.pid };
    bot.on('error', (error, fatal) =>
      this.#report({ type: 'error', message: error.message, fatal }),
    );
    bot.on('console', (line) => this.#report({ type: 'console', line }));
    bot.on('first-slice', () => this.#report({ type: 'first-slice' }));
    bot.once('close', (reason) => void this.#end(reason));
    if (this.#closeReason) {
      bot.close(this.#closeReason);
      return this.#ended;
    }
    try {
      await bot.ready();
      this.#beat = { ...this.#beat, state: 'ready' };
      this.#report({ type: 'ready' });
    } catch {
      // The bot closes itself with the reason; its 'close' ends the run.
    }
    return this.#ended ?? new Promise((resolve) => this.once('@close', () => resolve()));
  }

  #wireControl(): void {
    const socket = this.#socket;
    socket.on('connect', () => {
      this.#disconnectedSince = undefined;
      this.#log.debug('control connected');
    });
    socket.on('disconnect', (reason) => {
      this.#disconnectedSince ??= Date.now();
      // After the run ended the server closes the connection: that is the goodbye.
      if (this.#ended) this.#log.debug({ reason }, 'control connection closed');
      else this.#log.warn({ reason }, 'control connection lost');
    });
    socket.on('connect_error', (error) => {
      this.#disconnectedSince ??= Date.now();
      // Refused by the server (not a network failure): the bot is not its anymore.
      if (/^(gone|unauthorized|bad_request)/.test(error.message)) {
        this.#log.warn({ reason: error.message }, 'the server refused this bot');
        this.close(`the server refused the control connection: ${error.message}`);
      }
    });
    socket.on('stop', (request, answer) => {
      const bot = this.#bot;
      if (!bot) {
        answer({ ok: true, lastSeq: -1, bytesSent: 0, flushed: false });
        this.close('stopped before the bot launched');
        return;
      }
      this.#beat = { ...this.#beat, state: 'stopping' };
      bot.stop(request.timeoutMs).then(
        (result) => answer({ ok: true, ...result }),
        (error: unknown) => answer({ ok: false, error: (error as Error).message }),
      );
    });
    socket.on('close', ({ reason }) => this.close(reason));
    socket.on('preview', (_request, answer) => {
      const bot = this.#bot;
      if (!bot) {
        answer({ ok: false, error: 'the bot is still launching' });
        return;
      }
      bot.preview().then(
        (jpeg) => answer({ ok: true, jpeg }),
        (error: unknown) => answer({ ok: false, error: (error as Error).message }),
      );
    });
  }

  /** Reports a milestone; Socket.IO buffers it while the connection is not up yet. */
  #report(event: BotEvent): void {
    if (this.#ended && event.type !== 'closed') return;
    this.#socket.emit('bot-event', event);
  }

  #heartbeat(): void {
    const { lapseMs } = this.#options.payload;
    if (this.#disconnectedSince !== undefined && Date.now() - this.#disconnectedSince > lapseMs) {
      // The server has replaced this bot by now: two bots must not record one room.
      this.close(
        `lost the server for ${Math.round((Date.now() - this.#disconnectedSince) / 1000)} s`,
      );
      return;
    }
    // The beat goes out with the last stats known: a hung page must not silence the worker.
    if (this.#socket.connected) this.#socket.emit('heartbeat', this.#beat);
    const bot = this.#bot;
    if (!bot || this.#statsInFlight) return;
    this.#statsInFlight = true;
    bot
      .stats()
      .then((stats) => {
        this.#beat = {
          browserPid: bot.pid,
          state: stats.state,
          uptimeMs: stats.uptimeMs,
          page: stats.page,
          lastError: stats.lastError,
        };
      })
      .catch(() => undefined)
      .finally(() => (this.#statsInFlight = false));
  }

  /** Idempotent: closes the bot (once launched: run() closes one still launching); the run ends when it has. */
  close(reason: string): void {
    if (this.#bot) this.#bot.close(reason);
    else this.#closeReason ??= reason;
  }

  #end(reason: string): Promise<void> {
    this.#ended ??= this.#doEnd(reason);
    return this.#ended;
  }

  async #doEnd(reason: string): Promise<void> {
    clearInterval(this.#heartbeatTimer);
    this.#beat = { ...this.#beat, state: 'closed' };
    this.#log.info({ reason }, 'bot run ended');
    // Settled first: by the time the server hears 'closed', the room's next job may start.
    await this.#options.settle(reason).catch((error: unknown) => {
      this.#log.warn({ err: error }, 'could not settle the bot job');
    });
    const socket = this.#socket;
    // A bot that failed at once ends before the connection is up: the server must still hear it.
    if (!socket.connected && socket.active) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.#options.payload.lapseMs);
        socket.once('connect', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    if (socket.connected) {
      socket.emit('bot-event', { type: 'closed', reason: reason.slice(0, 4000) });
      // Let the last report leave before closing the connection.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, FINAL_REPORT_MS);
        socket.once('disconnect', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    socket.disconnect();
    await this.#bot?.exited();
    this.safeEmit('@close', reason);
  }
}
