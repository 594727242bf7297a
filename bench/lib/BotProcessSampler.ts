/**
 * Samples the recorder bot's Chromium from /proc: every process whose command
 * line holds the marker (the bench's `<tmp>/recorder-bot-` profile prefix, so
 * other recorders on the machine are not counted), and all their descendants
 * (zygote, renderer, GPU and utility processes). Keeps CPU seconds over a window
 * (the recorded part) and over the whole run, and peak memory.
 */
import {
  CpuMeter,
  readAllProcStats,
  readCmdline,
  readPssBytes,
  type ProcStat,
} from '../../scripts/lib/procStats';

export interface BotProcessReport {
  /** Most bot processes seen at once. */
  maxProcesses: number;
  /** CPU seconds inside the window (first slice → stop request). */
  windowCpuSeconds: number;
  windowSeconds: number;
  /** From the start request until sampling stopped (launch, page load and stop included). */
  totalCpuSeconds: number;
  /** Largest sum of resident set sizes (shared pages counted once per process). */
  peakRssBytes: number;
  /** Largest sum of proportional set sizes (shared pages divided among processes). */
  peakPssBytes: number;
}

export class BotProcessSampler {
  /** Text in the bot browser's command line: its profile directory's prefix. */
  readonly #marker: string;
  readonly #isRoot = new Map<number, boolean>();
  readonly #total = new CpuMeter();
  readonly #window = new CpuMeter();
  #windowState: 'before' | 'open' | 'closed' = 'before';
  #timer?: NodeJS.Timeout;
  #sampling: Promise<ProcStat[]> = Promise.resolve([]);
  #maxProcesses = 0;
  #peakRss = 0;
  #peakPss = 0;

  constructor({ marker }: { marker: string }) {
    this.#marker = marker;
  }

  /** Starts sampling every `intervalMs` (the run's CPU counts from here). */
  start(intervalMs = 500): void {
    this.#total.start([]);
    this.#timer = setInterval(() => void this.sample(), intervalMs);
  }

  /** One sample now (samples never overlap); resolves with the bot's processes. */
  sample(): Promise<ProcStat[]> {
    this.#sampling = this.#sampling.then(() => this.#sample());
    return this.#sampling;
  }

  async openWindow(): Promise<void> {
    this.#window.start(await this.sample());
    this.#windowState = 'open';
  }

  async closeWindow(): Promise<void> {
    this.#window.stop(await this.sample());
    this.#windowState = 'closed';
  }

  async stop(): Promise<BotProcessReport> {
    clearInterval(this.#timer);
    this.#total.stop(await this.sample());
    return {
      maxProcesses: this.#maxProcesses,
      windowCpuSeconds: this.#windowState === 'before' ? 0 : this.#window.cpuSeconds,
      windowSeconds: this.#windowState === 'before' ? 0 : this.#window.wallSeconds,
      totalCpuSeconds: this.#total.cpuSeconds,
      peakRssBytes: this.#peakRss,
      peakPssBytes: this.#peakPss,
    };
  }

  async #sample(): Promise<ProcStat[]> {
    const all = await readAllProcStats();
    const children = new Map<number, number[]>();
    for (const s of all) {
      const list = children.get(s.ppid) ?? [];
      list.push(s.pid);
      children.set(s.ppid, list);
    }
    // Command lines are read once per pid: only new processes cost a read.
    for (const s of all) {
      if (!this.#isRoot.has(s.pid)) {
        this.#isRoot.set(s.pid, (await readCmdline(s.pid)).includes(this.#marker));
      }
    }
    const bot = new Set<number>();
    const visit = (pid: number) => {
      if (bot.has(pid)) return;
      bot.add(pid);
      for (const child of children.get(pid) ?? []) visit(child);
    };
    for (const s of all) if (this.#isRoot.get(s.pid)) visit(s.pid);
    const stats = all.filter((s) => bot.has(s.pid));
    this.#total.update(stats);
    if (this.#windowState === 'open') this.#window.update(stats);
    this.#maxProcesses = Math.max(this.#maxProcesses, stats.length);
    this.#peakRss = Math.max(
      this.#peakRss,
      stats.reduce((sum, s) => sum + s.rssBytes, 0),
    );
    const pss = await Promise.all(stats.map((s) => readPssBytes(s.pid)));
    this.#peakPss = Math.max(
      this.#peakPss,
      pss.reduce((sum, n) => sum + n, 0),
    );
    return stats;
  }
}
