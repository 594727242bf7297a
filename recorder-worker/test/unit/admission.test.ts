import { cpus } from 'node:os';
import { describe, expect, it } from 'vitest';
import { HostSampler, refusal } from '#recorder-worker/admission';

const limits = { maxBots: 2, minIdleCpu: 0.5, minFreeMemoryMb: 1024 };
const roomy = { idleCpu: 1.5, freeMemoryMb: 8000 };

describe('admission control', () => {
  it('admits while there is a free slot, idle CPU and memory', () => {
    expect(refusal(0, roomy, limits)).toBeNull();
    expect(refusal(1, roomy, limits)).toBeNull();
  });

  it('refuses a full worker, naming how full', () => {
    expect(refusal(2, roomy, limits)).toBe('full: 2 of 2 bots running');
  });

  it('refuses when memory is short, before looking at the CPU', () => {
    expect(refusal(0, { idleCpu: 0, freeMemoryMb: 512 }, limits)).toBe(
      'low memory: 512 MB free, 1024 MB needed',
    );
  });

  it('refuses when the CPU is busy', () => {
    expect(refusal(0, { idleCpu: 0.2, freeMemoryMb: 8000 }, limits)).toBe(
      'busy CPU: 0.20 cores idle, 0.5 needed',
    );
  });

  it('a zero CPU requirement never refuses for CPU', () => {
    expect(refusal(0, { idleCpu: 0, freeMemoryMb: 8000 }, { ...limits, minIdleCpu: 0 })).toBeNull();
  });

  it('the sampler reports idle cores within the host and its available memory', () => {
    const sampler = new HostSampler();
    const sample = sampler.sample();
    expect(sample.idleCpu).toBeGreaterThanOrEqual(0);
    expect(sample.idleCpu).toBeLessThanOrEqual(cpus().length);
    expect(sample.freeMemoryMb).toBeGreaterThan(0);
  });
});
