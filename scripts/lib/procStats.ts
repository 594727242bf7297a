/**
 * CPU time and memory of processes, read from Linux's /proc: what the load
 * generator and the recording benchmark report about ffmpeg and Chromium.
 */
import { execFileSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';

function sysconf(name: string, fallback: number): number {
  try {
    const value = Number(execFileSync('getconf', [name], { encoding: 'utf8' }).trim());
    return Number.isFinite(value) && value > 0 ? value : fallback;
  } catch {
    return fallback;
  }
}

const CLOCK_TICKS = sysconf('CLK_TCK', 100);
const PAGE_SIZE = sysconf('PAGESIZE', 4096);

export interface ProcStat {
  pid: number;
  ppid: number;
  /** User + system CPU time consumed so far, in seconds. */
  cpuSeconds: number;
  rssBytes: number;
}

/** One process's /proc/<pid>/stat, or null if it is gone. */
export async function readProcStat(pid: number): Promise<ProcStat | null> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) is in parentheses and may hold spaces: parse after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): field n is fields[n - 3].
  const num = (n: number) => Number(fields[n - 3] ?? 0);
  return {
    pid,
    ppid: num(4),
    cpuSeconds: (num(14) + num(15)) / CLOCK_TICKS,
    rssBytes: num(24) * PAGE_SIZE,
  };
}

/** Proportional set size (shared pages divided among their users), or 0 if unreadable. */
export async function readPssBytes(pid: number): Promise<number> {
  try {
    const text = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8');
    const match = /^Pss:\s+(\d+) kB/m.exec(text);
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Every process on the machine. */
export async function readAllProcStats(): Promise<ProcStat[]> {
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name)).map(Number);
  const stats = await Promise.all(pids.map(readProcStat));
  return stats.filter((s): s is ProcStat => s !== null);
}

/** A process's command line as one string (arguments joined by spaces), or '' if it is gone. */
export async function readCmdline(pid: number): Promise<string> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).replaceAll('\0', ' ').trim();
  } catch {
    return '';
  }
}

/**
 * Measures CPU seconds of a set of processes between `start()` and `stop()`
 * (processes found later count from zero, since they started after `start()`).
 */
export class CpuMeter {
  readonly #baseline = new Map<number, number>();
  readonly #latest = new Map<number, number>();
  #startedAt = 0;
  #stoppedAt = 0;

  start(stats: ProcStat[]): void {
    this.#startedAt = performance.now();
    for (const s of stats) this.#baseline.set(s.pid, s.cpuSeconds);
    this.update(stats);
  }

  /** Records the latest reading of each process (a process that exits keeps its last one). */
  update(stats: ProcStat[]): void {
    for (const s of stats) this.#latest.set(s.pid, s.cpuSeconds);
  }

  stop(stats: ProcStat[]): void {
    this.update(stats);
    this.#stoppedAt = performance.now();
  }

  get wallSeconds(): number {
    return ((this.#stoppedAt || performance.now()) - this.#startedAt) / 1000;
  }

  /** CPU seconds of one process since start. */
  cpuSecondsOf(pid: number): number {
    return (this.#latest.get(pid) ?? 0) - (this.#baseline.get(pid) ?? 0);
  }

  /** CPU seconds of every process seen since start. */
  get cpuSeconds(): number {
    let total = 0;
    for (const pid of this.#latest.keys()) total += this.cpuSecondsOf(pid);
    return total;
  }
}

export interface ThreadStat {
  tid: number;
  /** The thread's name (`comm`: what Chromium calls it, at most 15 characters). */
  name: string;
  cpuSeconds: number;
}

/** The threads of a process with their CPU time so far (empty if it is gone). */
export async function readThreadStats(pid: number): Promise<ThreadStat[]> {
  let tids: string[];
  try {
    tids = await readdir(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const threads = await Promise.all(
    tids.map(async (tid): Promise<ThreadStat | null> => {
      try {
        const text = await readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const name = text.slice(text.indexOf('(') + 1, text.lastIndexOf(')'));
        const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
        const num = (n: number) => Number(fields[n - 3] ?? 0);
        return { tid: Number(tid), name, cpuSeconds: (num(14) + num(15)) / CLOCK_TICKS };
      } catch {
        return null;
      }
    }),
  );
  return threads.filter((t): t is ThreadStat => t !== null);
}
