/**
 * Samples the recorder bot's Chromium from /proc: every process whose command
 * line holds the marker (the bench's `<tmp>/recorder-bot-` profile prefix, so
 * other recorders on the machine are not counted), and all their descendants
 * (zygote, renderer, GPU and utility processes). Keeps CPU seconds over a window
 * (the recorded part) and over the whole run, peak memory, a series of
 * samples inside the window (CPU and PSS over time, for the per-window figures
 * of long runs), and the window's CPU per thread: Chromium names its threads
 * (the compositor worker, the WebRTC decoders, the MediaRecorder encoder, the
 * audio threads), so their share says where the cost is.
 */
import {
  CpuMeter,
  readAllProcStats,
  readCmdline,
  readPssBytes,
  readThreadStats,
  type ProcStat,
  type ThreadStat,
} from '../../scripts/lib/procStats';

/** One sample inside the window. */
export interface BotSample {
  /** Seconds since the window opened. */
  atSeconds: number;
  /** CPU seconds of the bot since the window opened. */
  cpuSeconds: number;
  pssBytes: number;
  /** PSS by Chromium process type (`browser`, `renderer`, `gpu-process`, `utility`, …). */
  pssBytesByProcess: Record<string, number>;
}

/** CPU of one kind of thread over the window. */
export interface ThreadShare {
  /** Chromium's process type (`browser`, `renderer`, `gpu-process`, `utility`, …). */
  process: string;
  thread: string;
  threads: number;
  cores: number;
}

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
  /** Inside the window, one per sample. */
  samples: BotSample[];
  /** The window's CPU by process type and thread name, largest first. */
  threads: ThreadShare[];
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
  readonly #samples: BotSample[] = [];
  readonly #processType = new Map<number, string>();
  #threadsAtOpen = new Map<string, ThreadStat & { process: string }>();
  #threadsAtClose = new Map<string, ThreadStat & { process: string }>();

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
    const stats = await this.sample();
    this.#window.start(stats);
    this.#threadsAtOpen = await this.#threads(stats);
    this.#windowState = 'open';
  }

  async closeWindow(): Promise<void> {
    const stats = await this.sample();
    this.#window.stop(stats);
    this.#threadsAtClose = await this.#threads(stats);
    this.#windowState = 'closed';
  }

  /** Every thread of the bot's processes, keyed by pid and tid. */
  async #threads(stats: ProcStat[]): Promise<Map<string, ThreadStat & { process: string }>> {
    const all = new Map<string, ThreadStat & { process: string }>();
    for (const { pid } of stats) {
      const process = this.#processType.get(pid) ?? 'browser';
      for (const thread of await readThreadStats(pid)) {
        all.set(`${pid}/${thread.tid}`, { ...thread, process });
      }
    }
    return all;
  }

  /** The window's CPU per (process type, thread name), from the thread readings at open and close. */
  #threadShares(): ThreadShare[] {
    const seconds = this.#window.wallSeconds;
    if (seconds <= 0) return [];
    const groups = new Map<string, ThreadShare & { cpu: number }>();
    for (const [key, end] of this.#threadsAtClose) {
      const cpu = end.cpuSeconds - (this.#threadsAtOpen.get(key)?.cpuSeconds ?? 0);
      // Chromium numbers pools of like threads ("ThreadPoolForeg", "DedicatedWorker thread"): one row each kind.
      const thread = end.name.replace(/\d+$/, '').trim();
      const id = `${end.process} ${thread}`;
      const group = groups.get(id) ?? {
        process: end.process,
        thread,
        threads: 0,
        cores: 0,
        cpu: 0,
      };
      group.threads++;
      group.cpu += cpu;
      groups.set(id, group);
    }
    return [...groups.values()]
      .map(({ cpu, ...group }) => ({ ...group, cores: Math.round((cpu / seconds) * 1000) / 1000 }))
      .filter((group) => group.cores >= 0.005)
      .sort((a, b) => b.cores - a.cores);
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
      samples: this.#samples,
      threads: this.#windowState === 'closed' ? this.#threadShares() : [],
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
        const cmdline = await readCmdline(s.pid);
        this.#isRoot.set(s.pid, cmdline.includes(this.#marker));
        const type = /--type=([\w-]+)/.exec(cmdline)?.[1];
        // Utility processes are told apart by the service they run (network, audio, storage).
        const service = /--utility-sub-type=[\w.]*?(\w+)\.mojom\./.exec(cmdline)?.[1];
        if (type) this.#processType.set(s.pid, service ? `${type}:${service}` : type);
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
    const perProcess = await Promise.all(stats.map((s) => readPssBytes(s.pid)));
    const pss = perProcess.reduce((sum, n) => sum + n, 0);
    this.#peakPss = Math.max(this.#peakPss, pss);
    if (this.#windowState === 'open') {
      // Which process grows says where memory is kept (the browser's IPC, the renderer's heap, a decoder).
      const pssBytesByProcess: Record<string, number> = {};
      for (const [i, s] of stats.entries()) {
        const type = this.#processType.get(s.pid) ?? 'browser';
        pssBytesByProcess[type] = (pssBytesByProcess[type] ?? 0) + perProcess[i]!;
      }
      this.#samples.push({
        atSeconds: this.#window.wallSeconds,
        cpuSeconds: this.#window.cpuSeconds,
        pssBytes: pss,
        pssBytesByProcess,
      });
    }
    return stats;
  }
}
