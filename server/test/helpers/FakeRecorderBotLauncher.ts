/**
 * A stand-in for the Chromium recorder bot in server integration tests: it
 * speaks the same HTTP slice protocol as the real recorder page (PUT
 * /api/v1/recordings/:id/slices/:seq with the recorder token from the page
 * URL's fragment), uploading the bytes of a real WebM file made by ffmpeg.
 * The real bot is exercised end to end by the Playwright suite.
 */
import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import type {
  RecorderBot,
  RecorderBotLauncher,
  RecorderJob,
  StopResult,
  BotStats,
} from '#recorder-bot/types';

export class FakeRecorderBot extends EventEmitter implements RecorderBot {
  readonly recordingId: string;
  readonly job: RecorderJob;
  readonly token: string;
  #slices: Uint8Array[];
  #next = 0;
  #closed = false;

  constructor(job: RecorderJob, slices: Uint8Array[]) {
    super();
    this.job = job;
    this.recordingId = job.recordingId;
    this.token = new URLSearchParams(new URL(job.pageUrl).hash.slice(1)).get('token') ?? '';
    this.#slices = slices;
  }

  /** A fake bot has no browser process. */
  readonly pid = null;

  get closed(): boolean {
    return this.#closed;
  }

  get uploaded(): number {
    return this.#next;
  }

  /** Ready at once, and says so on its console as the real page does. */
  ready(): Promise<void> {
    this.emit('console', '[info] fake bot');
    return Promise.resolve();
  }

  /** Uploads the next `count` slices, in order, like the page's uploader. */
  async upload(count = 1): Promise<void> {
    for (let i = 0; i < count && this.#next < this.#slices.length; i++) {
      const seq = this.#next;
      const url = new URL(`/api/v1/recordings/${this.recordingId}/slices/${seq}`, this.job.pageUrl);
      const res = await fetch(url, {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${this.token}`,
          'content-type': 'application/octet-stream',
        },
        body: Buffer.from(this.#slices[seq]!),
      });
      if (res.status !== 201)
        throw new Error(`slice ${seq} answered ${res.status}: ${await res.text()}`);
      this.#next += 1;
    }
  }

  async stop(): Promise<StopResult> {
    await this.upload(this.#slices.length);
    const bytesSent = this.#slices.reduce((n, s) => n + s.byteLength, 0);
    this.close('stopped');
    return { lastSeq: this.#next - 1, bytesSent, flushed: true };
  }

  stats(): Promise<BotStats> {
    return Promise.resolve({
      state: this.#closed ? 'closed' : 'ready',
      uptimeMs: 0,
      page: null,
      lastError: null,
    });
  }

  preview(): Promise<Buffer> {
    return Promise.resolve(Buffer.from([0xff, 0xd8, 0xff, 0xd9]));
  }

  consoleLines(): string[] {
    return ['[info] fake bot'];
  }

  /** Simulates a crash of the browser. */
  crash(): void {
    this.emit('error', new Error('simulated crash'), true);
  }

  close(reason = 'closed'): void {
    if (this.#closed) return;
    this.#closed = true;
    this.emit('close', reason);
  }

  async exited(): Promise<void> {}
}

export class FakeRecorderBotLauncher implements RecorderBotLauncher {
  /** The latest bot of each recording. */
  readonly bots = new Map<string, FakeRecorderBot>();
  /** Every bot of each recording, in launch order (replacements after the first). */
  readonly #all = new Map<string, FakeRecorderBot[]>();
  /** When set, launches fail with this message (a replacement that cannot start). */
  failLaunches: string | null = null;
  readonly #mediaFile: string;
  readonly #sliceBytes: number;
  readonly #launched = new EventEmitter();

  /** `mediaFile`: a WebM cut into `sliceBytes`-sized slices. */
  constructor(mediaFile: string, sliceBytes = 16_384) {
    this.#mediaFile = mediaFile;
    this.#sliceBytes = sliceBytes;
  }

  async launch(job: RecorderJob): Promise<RecorderBot> {
    if (this.failLaunches) throw new Error(this.failLaunches);
    const data = await readFile(this.#mediaFile);
    const slices: Uint8Array[] = [];
    for (let at = 0; at < data.length; at += this.#sliceBytes) {
      slices.push(data.subarray(at, at + this.#sliceBytes));
    }
    const bot = new FakeRecorderBot(job, slices);
    this.bots.set(job.recordingId, bot);
    this.#all.set(job.recordingId, [...(this.#all.get(job.recordingId) ?? []), bot]);
    this.#launched.emit('launched', bot);
    return bot;
  }

  /** Resolves with the `index`-th bot of a recording (0: the first) once it is launched. */
  botFor(recordingId: string, index = 0): Promise<FakeRecorderBot> {
    const existing = this.#all.get(recordingId)?.[index];
    if (existing) return Promise.resolve(existing);
    return new Promise((resolve) => {
      const listener = (bot: FakeRecorderBot) => {
        if (bot.recordingId !== recordingId || this.#all.get(recordingId)?.[index] !== bot) return;
        this.#launched.off('launched', listener);
        resolve(bot);
      };
      this.#launched.on('launched', listener);
    });
  }

  close(): Promise<void> {
    for (const bot of this.bots.values()) bot.close('launcher closed');
    return Promise.resolve();
  }
}
