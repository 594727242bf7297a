/**
 * Uploads MediaRecorder slices to the server strictly in order, one request
 * at a time, each with its sequence number (0, 1, 2, …, never skipping one,
 * even for an empty slice). Pure logic: `fetch`, the timer and the clock are
 * injected, so the queue is unit-tested in Node with a fake server.
 *
 * Server answers: 200/201 = stored (200 also for an exact duplicate of a
 * stored seq, which makes a retry after a lost response safe); 409 = gap
 * (the server lost our order: unrecoverable); other 4xx = fatal; 5xx, 408,
 * 429 and network errors = retried with exponential backoff until
 * `retryForMs` has passed without a success.
 */
import { ELAPSED_HEADER } from '#protocol/recorderPage';

/** A slice body: a Blob in the page, anything `fetch` accepts in tests. */
export interface SliceBody {
  readonly size: number;
}

export interface SliceUploaderOptions<B extends SliceBody> {
  /** Server base URL, e.g. `http://127.0.0.1:3000`. */
  server: string;
  /** Milliseconds since the recorder started, sent with each upload (see ELAPSED_HEADER). */
  elapsedMs?: () => number;
  recordingId: string;
  token: string;
  fetch: (
    url: string,
    init: { method: string; headers: Record<string, string>; body: B; signal?: AbortSignal },
  ) => Promise<{ status: number }>;
  /** Resolves after `ms` milliseconds (injected for tests). */
  sleep?: (ms: number) => Promise<void>;
  /** Milliseconds since some origin (injected for tests). */
  now?: () => number;
  /** First retry delay; doubles up to `maxRetryDelayMs`. */
  initialRetryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** Give up (fatal) after this long without a successful upload of the head slice. */
  retryForMs?: number;
  /** Abort one request after this long and retry it. */
  requestTimeoutMs?: number;
  /** Called after the server acknowledged a slice. */
  onUploaded?: (seq: number, bytes: number) => void;
  /** Called once when a slice failed for good; the queue then stops. */
  onFatal?: (error: SliceUploadError) => void;
  /** Called for each retried failure (for logs and `lastError`). */
  onRetry?: (seq: number, reason: string, attempt: number) => void;
}

/** An upload that cannot succeed: a 4xx answer, a gap, or retries exhausted. */
export class SliceUploadError extends Error {
  readonly seq: number;
  readonly status: number | null;

  constructor(message: string, seq: number, status: number | null) {
    super(message);
    this.name = 'SliceUploadError';
    this.seq = seq;
    this.status = status;
  }
}

export interface SliceUploaderStats {
  /** Slices acknowledged by the server. */
  slicesSent: number;
  bytesSent: number;
  /** Highest acknowledged seq; -1 before the first. */
  lastSeq: number;
  /** Slices enqueued but not yet acknowledged. */
  pending: number;
}

interface QueuedSlice<B> {
  seq: number;
  body: B;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The in-order, one-at-a-time slice queue. */
export class SliceUploader<B extends SliceBody> {
  readonly #url: (seq: number) => string;
  readonly #headers: Record<string, string>;
  readonly #elapsedMs: (() => number) | undefined;
  readonly #fetch: SliceUploaderOptions<B>['fetch'];
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #now: () => number;
  readonly #initialRetryDelayMs: number;
  readonly #maxRetryDelayMs: number;
  readonly #retryForMs: number;
  readonly #requestTimeoutMs: number;
  readonly #onUploaded: SliceUploaderOptions<B>['onUploaded'];
  readonly #onFatal: SliceUploaderOptions<B>['onFatal'];
  readonly #onRetry: SliceUploaderOptions<B>['onRetry'];
  readonly #queue: QueuedSlice<B>[] = [];
  #nextSeq = 0;
  #slicesSent = 0;
  #bytesSent = 0;
  #lastSeq = -1;
  #running = false;
  #closed = false;
  #fatal: SliceUploadError | null = null;
  #idleWaiters: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];

  constructor({
    server,
    recordingId,
    token,
    fetch,
    sleep = defaultSleep,
    now = () => Date.now(),
    initialRetryDelayMs = 250,
    maxRetryDelayMs = 5000,
    retryForMs = 60_000,
    requestTimeoutMs = 30_000,
    onUploaded,
    onFatal,
    onRetry,
    elapsedMs,
  }: SliceUploaderOptions<B>) {
    this.#elapsedMs = elapsedMs;
    const base = `${server.replace(/\/+$/, '')}/api/v1/recordings/${encodeURIComponent(recordingId)}/slices/`;
    this.#url = (seq) => base + String(seq);
    this.#headers = {
      Authorization: `Bearer ${token}`,
      'Content-Type': 'application/octet-stream',
    };
    this.#fetch = fetch;
    this.#sleep = sleep;
    this.#now = now;
    this.#initialRetryDelayMs = initialRetryDelayMs;
    this.#maxRetryDelayMs = maxRetryDelayMs;
    this.#retryForMs = retryForMs;
    this.#requestTimeoutMs = requestTimeoutMs;
    this.#onUploaded = onUploaded;
    this.#onFatal = onFatal;
    this.#onRetry = onRetry;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The error that stopped the queue, if any. */
  get fatalError(): SliceUploadError | null {
    return this.#fatal;
  }

  stats(): SliceUploaderStats {
    return {
      slicesSent: this.#slicesSent,
      bytesSent: this.#bytesSent,
      lastSeq: this.#lastSeq,
      pending: this.#queue.length,
    };
  }

  /**
   * Queues a slice under the next sequence number and returns that number.
   * Throws once the uploader is closed or failed: a slice the server will
   * never get must not be silently dropped.
   */
  enqueue(body: B): number {
    if (this.#fatal) throw this.#fatal;
    if (this.#closed) throw new Error('slice uploader closed');
    const seq = this.#nextSeq++;
    this.#queue.push({ seq, body });
    if (!this.#running) void this.#run();
    return seq;
  }

  /** Resolves once every slice enqueued so far is acknowledged; rejects on a fatal failure. */
  drain(): Promise<SliceUploaderStats> {
    if (this.#fatal) return Promise.reject(this.#fatal);
    if (this.#closed) return Promise.reject(new Error('slice uploader closed'));
    if (this.#queue.length === 0 && !this.#running) return Promise.resolve(this.stats());
    return new Promise<void>((resolve, reject) => {
      this.#idleWaiters.push({ resolve, reject });
    }).then(() => this.stats());
  }

  /** Drops what is queued and stops retrying. Idempotent; never throws. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue.length = 0;
    this.#settleWaiters(new Error('slice uploader closed'));
  }

  async #run(): Promise<void> {
    this.#running = true;
    try {
      while (!this.#closed && !this.#fatal) {
        const head = this.#queue[0];
        if (!head) break;
        const error = await this.#upload(head);
        if (this.#closed) break;
        if (error) {
          this.#fatal = error;
          this.#queue.length = 0;
          this.#onFatal?.(error);
          break;
        }
        this.#queue.shift();
        this.#slicesSent++;
        this.#bytesSent += head.body.size;
        this.#lastSeq = head.seq;
        this.#onUploaded?.(head.seq, head.body.size);
      }
    } finally {
      this.#running = false;
      this.#settleWaiters(
        this.#fatal ?? (this.#closed ? new Error('slice uploader closed') : null),
      );
    }
  }

  /** Uploads one slice with retries; resolves with null on success, the error when fatal. */
  async #upload({ seq, body }: QueuedSlice<B>): Promise<SliceUploadError | null> {
    const startedAt = this.#now();
    let delay = this.#initialRetryDelayMs;
    for (let attempt = 1; ; attempt++) {
      let reason: string;
      try {
        const { status } = await this.#fetch(this.#url(seq), {
          method: 'PUT',
          headers: this.#elapsedMs
            ? { ...this.#headers, [ELAPSED_HEADER]: String(Math.round(this.#elapsedMs())) }
            : this.#headers,
          body,
          signal: AbortSignal.timeout(this.#requestTimeoutMs),
        });
        if (status === 200 || status === 201 || status === 204) return null;
        if (status === 409) {
          return new SliceUploadError(
            `slice ${seq}: the server reports a sequence gap (409)`,
            seq,
            status,
          );
        }
        if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
          return new SliceUploadError(
            `slice ${seq}: rejected by the server (${status})`,
            seq,
            status,
          );
        }
        reason = `HTTP ${status}`;
      } catch (error) {
        reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      }
      if (this.#closed) return null;
      if (this.#now() - startedAt >= this.#retryForMs) {
        return new SliceUploadError(
          `slice ${seq}: gave up after ${attempt} attempts (${reason})`,
          seq,
          null,
        );
      }
      this.#onRetry?.(seq, reason, attempt);
      await this.#sleep(delay);
      if (this.#closed) return null;
      delay = Math.min(this.#maxRetryDelayMs, delay * 2);
    }
  }

  #settleWaiters(error: Error | null): void {
    if (!error && (this.#running || this.#queue.length > 0)) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const waiter of waiters) {
      if (error) waiter.reject(error);
      else waiter.resolve();
    }
  }
}
