/**
 * Admission control: a worker takes another recording only when it has
 * room for it, so that an overloaded machine does not ruin every recording
 * on it (a recorder short of CPU drops frames in all of its recordings at
 * once). The decision is a pure function of a host sample; the sampler
 * smooths CPU over a few seconds so one busy second does not flap it.
 */
import { cpus, freemem } from 'node:os';

export interface AdmissionLimits {
  /** Most bots this worker runs at once. */
  maxBots: number;
  /** Idle CPU (in cores) the host must have for another bot. */
  minIdleCpu: number;
  /** Available memory (MB) the host must have for another bot. */
  minFreeMemoryMb: number;
}

export interface HostSample {
  /** Idle cores, smoothed over the last few seconds. */
  idleCpu: number;
  freeMemoryMb: number;
}

/** Why the worker should not take a job now, or null when it may. */
export function refusal(
  running: number,
  sample: HostSample,
  limits: AdmissionLimits,
): string | null {
  if (running >= limits.maxBots) return `full: ${running} of ${limits.maxBots} bots running`;
  if (sample.freeMemoryMb < limits.minFreeMemoryMb) {
    return `low memory: ${sample.freeMemoryMb} MB free, ${limits.minFreeMemoryMb} MB needed`;
  }
  if (sample.idleCpu < limits.minIdleCpu) {
    return `busy CPU: ${sample.idleCpu.toFixed(2)} cores idle, ${limits.minIdleCpu} needed`;
  }
  return null;
}

interface CpuTimes {
  idle: number;
  total: number;
}

function cpuTimes(): CpuTimes {
  let idle = 0;
  let total = 0;
  for (const { times } of cpus()) {
    idle += times.idle;
    total += times.user + times.nice + times.sys + times.idle + times.irq;
  }
  return { idle, total };
}

/** Samples the host; `sample()` once a heartbeat. */
export class HostSampler {
  readonly #cores = Math.max(1, cpus().length);
  /** Weight of the newest interval in the moving average (about a 3-sample memory). */
  readonly #alpha: number;
  #last = cpuTimes();
  #idleCpu: number;

  constructor({ alpha = 0.35 }: { alpha?: number } = {}) {
    this.#alpha = alpha;
    // Until the first interval is measured, assume the host is as idle as it says on average.
    this.#idleCpu = this.#cores;
  }

  sample(): HostSample {
    const now = cpuTimes();
    const total = now.total - this.#last.total;
    const idle = now.idle - this.#last.idle;
    this.#last = now;
    if (total > 0) {
      const idleNow = (idle / total) * this.#cores;
      this.#idleCpu = this.#alpha * idleNow + (1 - this.#alpha) * this.#idleCpu;
    }
    return {
      idleCpu: Math.round(this.#idleCpu * 100) / 100,
      freeMemoryMb: Math.round(freemem() / 1_048_576),
    };
  }
}
