/**
 * A recorder bot that runs the recorder page in a local headless Chromium
 * driven by puppeteer. It supervises the page: console lines and page errors
 * go to the log (and a ring buffer for the admin view), contract signals
 * become events, a crash or a disconnected browser is a fatal error, and
 * readiness has a deadline. Teardown is tolerant: close the browser, and
 * SIGKILL it (Chromium outlives a killed parent otherwise) if it lingers.
 */
import { EventEmitter } from 'node:events';
import { tmpdir } from 'node:os';
import type { Logger } from 'pino';
import type { Browser, Page } from 'puppeteer-core';
import {
  RECORDER_GLOBAL,
  ERROR_SELECTOR,
  parseSignal,
  type RecorderPageApi,
  type RecorderStats,
} from '#protocol/recorderPage';
import { closeRecorderBrowser, launchRecorderBrowser } from './recorderBrowser';
import type { WarmBrowser } from './WarmBrowser';
import type {
  BotState,
  BotStats,
  RecorderBot,
  RecorderBotEvents,
  RecorderJob,
  StopResult,
} from './types';

const CONSOLE_LINES_KEPT = 200;
/** Several admins watching one bot share a screenshot this fresh (screenshots cost CPU). */
const PREVIEW_MAX_AGE_MS = 500;

export interface ChromiumRecorderBotOptions {
  job: RecorderJob;
  chromiumPath: string;
  logger: Logger;
  /** Where the bot's Chromium profile goes (one fresh directory per bot); default: the OS temp dir. */
  profileRoot?: string;
  /** A browser launched ahead with the page loaded: taken over instead of launching one. */
  warm?: WarmBrowser;
}

type PageWindow = Record<string, RecorderPageApi | undefined>;

export class ChromiumRecorderBot extends EventEmitter implements RecorderBot {
  readonly recordingId: string;
  readonly #job: RecorderJob;
  readonly #chromiumPath: string;
  readonly #profileRoot: string;
  readonly #log: Logger;
  readonly #startedAt = Date.now();
  readonly #console: string[] = [];
  #browser?: Browser;
  #page?: Page;
  #userDataDir?: string;
  #state: BotState = 'starting';
  #lastError: string | null = null;
  #closed = false;
  #exited: Promise<void> = Promise.resolve();
  #preview?: { at: number; jpeg: Promise<Buffer> };
  readonly #warm: WarmBrowser | undefined;
  /** True when this bot took over a warm browser. */
  #warmStarted = false;
  #ready: Promise<void>;
  #resolveReady!: () => void;
  #rejectReady!: (error: Error) => void;

  constructor({
    job,
    chromiumPath,
    logger,
    profileRoot = tmpdir(),
    warm,
  }: ChromiumRecorderBotOptions) {
    super();
    this.#warm = warm;
    this.recordingId = job.recordingId;
    this.#job = job;
    this.#chromiumPath = chromiumPath;
    this.#profileRoot = profileRoot;
    this.#log = logger.child({
      module: 'recorder-bot',
      recordingId: job.recordingId,
      roomId: job.roomId,
    });
    this.#ready = new Promise((resolve, reject) => {
      this.#resolveReady = resolve;
      this.#rejectReady = reject;
    });
    // Nobody may be awaiting ready() when it fails; the failure is also an event.
    this.#ready.catch(() => undefined);
  }

  get pid(): number | null {
    return this.#browser?.process()?.pid ?? null;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Whether it started on a warm browser (for logs and the benchmark). */
  get warmStarted(): boolean {
    return this.#warmStarted;
  }

  /**
   * Launches Chromium and opens the page, or takes over a warm browser whose
   * page is already loaded and starts it; the readiness clock starts here.
   */
  async launch(): Promise<void> {
    const { width, height, pageUrl, readyTimeoutMs } = this.#job;
    const readyTimer = setTimeout(() => {
      this.#fail(
        new Error(
          `recorder page not ready after ${readyTimeoutMs} ms (last console line: ${this.#console.at(-1) ?? 'none'})`,
        ),
      );
    }, readyTimeoutMs);
    this.#ready.finally(() => clearTimeout(readyTimer)).catch(() => undefined);

    const warm = await this.#warm?.take();
    if (warm) {
      this.#browser = warm.browser;
      this.#userDataDir = warm.userDataDir;
      this.#warmStarted = true;
    } else {
      const launched = await launchRecorderBrowser({
        chromiumPath: this.#chromiumPath,
        profileRoot: this.#profileRoot,
        width,
        height,
      });
      this.#browser = launched.browser;
      this.#userDataDir = launched.userDataDir;
    }
    if (this.#closed) {
      this.#teardown();
      throw new Error('bot closed during launch');
    }
    this.#log.info(
      { pid: this.#browser.process()?.pid, warm: !!warm },
      warm ? 'took over a warm chromium' : 'chromium launched',
    );
    this.#browser.once('disconnected', () => {
      if (!this.#closed) this.#fail(new Error('the recorder browser disconnected (crashed?)'));
    });
    const [page] = await this.#browser.pages();
    this.#page = page ?? (await this.#browser.newPage());
    const warmPage = warm?.page === this.#page;
    this.#page.on('console', (message) => this.#onConsole(message.type(), message.text()));
    this.#page.on('pageerror', (error) => {
      const text = error instanceof Error ? error.message : String(error);
      this.#remember(`[pageerror] ${text}`);
      this.#log.warn({ pageError: text }, 'recorder page error');
    });
    this.#page.on('error', (error) =>
      this.#fail(new Error(`recorder page crashed: ${error.message}`)),
    );
    this.#page.on('requestfailed', (request) => {
      this.#remember(
        `[requestfailed] ${request.method()} ${new URL(request.url()).pathname}: ${request.failure()?.errorText ?? ''}`,
      );
    });
    if (warm && warmPage) {
      const viewport = this.#page.viewport();
      if (viewport?.width !== width || viewport.height !== height) {
        await this.#page.setViewport({ width, height });
      }
      const url = new URL(pageUrl);
      const begun = await this.#page.evaluate(
        (global, search, hash) => {
          const api = (window as unknown as PageWindow)[global];
          return api ? api.begin(search, hash) : false;
        },
        RECORDER_GLOBAL,
        url.search,
        url.hash,
      );
      if (!begun) throw new Error('the warm recorder page did not start the recording');
      return;
    }
    const response = await this.#page.goto(pageUrl, { waitUntil: 'load', timeout: readyTimeoutMs });
    if (response && !response.ok()) {
      throw new Error(`recorder page answered HTTP ${response.status()}`);
    }
  }

  #onConsole(type: string, text: string): void {
    this.#remember(`[${type}] ${text}`);
    const signal = parseSignal(text);
    if (!signal) {
      this.#log.debug({ console: text, type }, 'recorder page console');
      return;
    }
    this.#log.info({ signal }, 'recorder page signal');
    switch (signal.type) {
      case 'ready':
        if (this.#state === 'starting') this.#state = 'ready';
        this.#resolveReady();
        this.emit('ready');
        break;
      case 'first-slice':
        this.emit('first-slice');
        break;
      case 'error':
        this.#lastError = signal.message;
        if (signal.fatal) this.#fail(new Error(signal.message));
        else this.emit('error', new Error(signal.message), false);
        break;
      case 'first-frame':
      case 'ended':
        break;
    }
  }

  #remember(line: string): void {
    this.#console.push(line.length > 500 ? `${line.slice(0, 500)}…` : line);
    if (this.#console.length > CONSOLE_LINES_KEPT) this.#console.shift();
    this.emit('console', line);
  }

  #fail(error: Error): void {
    if (this.#closed) return;
    this.#lastError = error.message;
    this.#log.error({ err: error }, 'recorder bot failed');
    this.#rejectReady(error);
    this.emit('error', error, true);
  }

  ready(): Promise<void> {
    return this.#ready;
  }

  async stop(timeoutMs: number): Promise<StopResult> {
    const page = this.#page;
    if (!page || this.#closed) return { lastSeq: -1, bytesSent: 0, flushed: false };
    this.#state = 'stopping';
    try {
      const result = await withTimeout(
        page.evaluate(async (global) => {
          const api = (window as unknown as PageWindow)[global];
          if (!api) throw new Error('recorder page API missing');
          return api.stop();
        }, RECORDER_GLOBAL),
        timeoutMs,
        'recorder page did not finish stopping in time',
      );
      return { ...result, flushed: true };
    } catch (error) {
      this.#log.warn({ err: error }, 'recorder page stop failed');
      this.#lastError = (error as Error).message;
      return { lastSeq: -1, bytesSent: 0, flushed: false };
    } finally {
      this.close('stopped');
    }
  }

  async stats(): Promise<BotStats> {
    let page: RecorderStats | null = null;
    if (this.#page && !this.#closed) {
      page = await withTimeout(
        this.#page.evaluate((global) => {
          const api = (window as unknown as PageWindow)[global];
          return api ? api.stats() : null;
        }, RECORDER_GLOBAL),
        2_000,
        'stats timed out',
      ).catch(() => null);
    }
    return {
      state: this.#closed ? 'closed' : this.#state,
      uptimeMs: Date.now() - this.#startedAt,
      page,
      lastError: this.#lastError ?? page?.lastError ?? null,
    };
  }

  preview(): Promise<Buffer> {
    const page = this.#page;
    if (!page || this.#closed) return Promise.reject(new Error('recorder bot is not running'));
    const cached = this.#preview;
    if (cached && Date.now() - cached.at < PREVIEW_MAX_AGE_MS) return cached.jpeg;
    const jpeg = page.screenshot({ type: 'jpeg', quality: 70 }).then((data) => Buffer.from(data));
    this.#preview = { at: Date.now(), jpeg };
    jpeg.catch(() => {
      if (this.#preview?.jpeg === jpeg) this.#preview = undefined;
    });
    return jpeg;
  }

  consoleLines(): string[] {
    return [...this.#console];
  }

  /** Reads the page's visible error element, if any (for failure reports). */
  async visibleError(): Promise<string | null> {
    if (!this.#page || this.#closed) return null;
    return this.#page.$eval(ERROR_SELECTOR, (el) => el.textContent).catch(() => null);
  }

  close(reason = 'closed'): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#state = 'closed';
    this.#rejectReady(new Error(`recorder bot closed: ${reason}`));
    this.#teardown();
    this.emit('close', reason);
  }

  exited(): Promise<void> {
    return this.#exited;
  }

  #teardown(): void {
    this.#exited = this.#doTeardown();
  }

  async #doTeardown(): Promise<void> {
    await closeRecorderBrowser(this.#browser, this.#userDataDir, this.#log);
  }

  override on<K extends keyof RecorderBotEvents>(
    event: K,
    listener: (...args: RecorderBotEvents[K]) => void,
  ): this {
    return super.on(event, listener as (...args: unknown[]) => void);
  }

  override once<K extends keyof RecorderBotEvents>(
    event: K,
    listener: (...args: RecorderBotEvents[K]) => void,
  ): this {
    return super.once(event, listener as (...args: unknown[]) => void);
  }

  override off<K extends keyof RecorderBotEvents>(
    event: K,
    listener: (...args: RecorderBotEvents[K]) => void,
  ): this {
    return super.off(event, listener as (...args: unknown[]) => void);
  }

  override emit<K extends keyof RecorderBotEvents>(
    event: K,
    ...args: RecorderBotEvents[K]
  ): boolean {
    try {
      return super.emit(event, ...args);
    } catch (error) {
      this.#log.error({ err: error, event }, 'recorder bot listener threw');
      return true;
    }
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
