import { describe, expect, it, vi } from 'vitest';
import type { types as ms } from 'mediasoup';
import { createLogger } from '#server/logger';
import { MediasoupWorkerPool } from '#server/media/MediasoupWorkerPool';
import { WorkerBinaryMissingError } from '#server/media/workerBinary';

const logger = createLogger('silent', { pretty: false });

const mediaCodecs: ms.RtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90000 },
];

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the built mediasoup worker', () => {
  it('a missing worker binary fails with one line saying how to build it', async () => {
    const create = MediasoupWorkerPool.create({
      numWorkers: 1,
      workerBin: '/nonexistent/mediasoup-worker',
      rtcMinPort: 40000,
      rtcMaxPort: 49999,
      logLevel: 'warn',
      logger,
    });
    await expect(create).rejects.toBeInstanceOf(WorkerBinaryMissingError);
    await expect(create).rejects.toThrow(/npm run setup/);
  });

  it('creates a Worker, a Router (Opus + VP8) and a WebRtcTransport on 127.0.0.1, and closes cleanly', async () => {
    const pool = await MediasoupWorkerPool.create({
      numWorkers: 1,
      workerBin: process.env.MEDIASOUP_WORKER_BIN || undefined,
      rtcMinPort: 40000,
      rtcMaxPort: 49999,
      logLevel: 'warn',
      logger,
    });
    const [worker] = pool.workers;
    expect(worker).toBeDefined();
    const pid = worker!.pid;
    expect(processAlive(pid)).toBe(true);
    await expect(pool.check()).resolves.toEqual({ workers: 1 });

    const router = await pool.createRouter(mediaCodecs);
    const mimeTypes = router.rtpCapabilities.codecs?.map((c) => c.mimeType) ?? [];
    expect(mimeTypes).toEqual(expect.arrayContaining(['audio/opus', 'video/VP8']));

    const transport = await router.createWebRtcTransport({
      listenIps: [{ ip: '127.0.0.1' }],
      enableUdp: true,
      enableTcp: true,
    });
    expect(transport.iceCandidates.length).toBeGreaterThan(0);
    for (const candidate of transport.iceCandidates) expect(candidate.ip).toBe('127.0.0.1');
    expect(transport.dtlsParameters.fingerprints.length).toBeGreaterThan(0);

    pool.close();
    pool.close(); // idempotent
    expect(pool.closed).toBe(true);
    expect(pool.workers).toEqual([]);
    expect(worker!.closed).toBe(true);
    expect(router.closed).toBe(true);
    expect(transport.closed).toBe(true);
    // mediasoup sends the worker SIGTERM on close and exposes no exit event.
    await vi.waitFor(() => expect(processAlive(pid)).toBe(false), { timeout: 5_000, interval: 20 });
    await expect(pool.createRouter(mediaCodecs)).rejects.toThrow('worker pool closed');
  });
});
