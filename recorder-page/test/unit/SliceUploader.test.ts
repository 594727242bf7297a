import { describe, expect, it } from 'vitest';
import { SliceUploadError, SliceUploader } from '../../src/SliceUploader';

interface Body {
  size: number;
  tag: string;
}

interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: Body;
}

/** A fake server: answers from a script per call, then 201; records every request. */
function fakeServer(script: Array<number | Error> = []) {
  const calls: Call[] = [];
  const sleeps: number[] = [];
  let clock = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const fetch = async (
    url: string,
    init: { method: string; headers: Record<string, string>; body: Body },
  ) => {
    calls.push({ url, ...init });
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await Promise.resolve();
    inFlight--;
    const next = script.shift() ?? 201;
    if (next instanceof Error) throw next;
    return { status: next };
  };
  const sleep = (ms: number) => {
    sleeps.push(ms);
    clock += ms;
    return Promise.resolve();
  };
  return { calls, sleeps, fetch, sleep, now: () => clock, maxInFlight: () => maxInFlight };
}

function uploader(server: ReturnType<typeof fakeServer>, extra: { retryForMs?: number } = {}) {
  const fatal: SliceUploadError[] = [];
  const uploaded: Array<[number, number]> = [];
  const queue = new SliceUploader<Body>({
    server: 'http://127.0.0.1:3000/',
    recordingId: 'rec-1',
    token: 'tok',
    fetch: server.fetch,
    sleep: server.sleep,
    now: server.now,
    onFatal: (error) => fatal.push(error),
    onUploaded: (seq, bytes) => uploaded.push([seq, bytes]),
    ...extra,
  });
  return { queue, fatal, uploaded };
}

const body = (size: number, tag = String(size)): Body => ({ size, tag });

describe('SliceUploader', () => {
  it('uploads slices in order with seq 0, 1, 2 as authenticated octet-stream PUTs', async () => {
    const server = fakeServer();
    const { queue, uploaded } = uploader(server);
    expect(queue.enqueue(body(10))).toBe(0);
    expect(queue.enqueue(body(20))).toBe(1);
    expect(queue.enqueue(body(30))).toBe(2);
    const stats = await queue.drain();
    expect(server.calls.map((call) => call.url)).toEqual([
      'http://127.0.0.1:3000/api/v1/recordings/rec-1/slices/0',
      'http://127.0.0.1:3000/api/v1/recordings/rec-1/slices/1',
      'http://127.0.0.1:3000/api/v1/recordings/rec-1/slices/2',
    ]);
    expect(server.calls[0]).toMatchObject({
      method: 'PUT',
      headers: { Authorization: 'Bearer tok', 'Content-Type': 'application/octet-stream' },
    });
    expect(uploaded).toEqual([
      [0, 10],
      [1, 20],
      [2, 30],
    ]);
    expect(stats).toEqual({ slicesSent: 3, bytesSent: 60, lastSeq: 2, pending: 0 });
  });

  it('sends one request at a time even when slices are enqueued while uploading', async () => {
    const server = fakeServer([503, 201, 201]);
    const { queue } = uploader(server);
    queue.enqueue(body(1));
    queue.enqueue(body(2));
    await Promise.resolve();
    queue.enqueue(body(3));
    await queue.drain();
    expect(server.maxInFlight()).toBe(1);
    expect(server.calls.map((call) => call.body.tag)).toEqual(['1', '1', '2', '3']);
  });

  it('uploads empty and 1-byte slices under their own seq instead of skipping them', async () => {
    const server = fakeServer();
    const { queue } = uploader(server);
    queue.enqueue(body(1));
    queue.enqueue(body(0));
    queue.enqueue(body(5000));
    const stats = await queue.drain();
    expect(server.calls.map((call) => call.url.split('/').pop())).toEqual(['0', '1', '2']);
    expect(stats).toMatchObject({ slicesSent: 3, bytesSent: 5001, lastSeq: 2 });
  });

  it('retries network errors and 5xx with doubling backoff, then moves on', async () => {
    const server = fakeServer([new TypeError('Failed to fetch'), 500, 502, 503, 200]);
    const { queue, fatal } = uploader(server);
    queue.enqueue(body(7));
    queue.enqueue(body(8));
    const stats = await queue.drain();
    expect(server.sleeps).toEqual([250, 500, 1000, 2000]);
    expect(server.calls.map((call) => call.url.split('/').pop())).toEqual([
      '0',
      '0',
      '0',
      '0',
      '0',
      '1',
    ]);
    expect(fatal).toEqual([]);
    expect(stats.lastSeq).toBe(1);
  });

  it('treats 408 and 429 as retryable', async () => {
    const server = fakeServer([408, 429, 201]);
    const { queue } = uploader(server);
    queue.enqueue(body(1));
    await expect(queue.drain()).resolves.toMatchObject({ slicesSent: 1 });
    expect(server.calls).toHaveLength(3);
  });

  it('accepts 200 for an exact duplicate (a retry after a lost response) as success', async () => {
    const server = fakeServer([200, 200]);
    const { queue } = uploader(server);
    queue.enqueue(body(3));
    queue.enqueue(body(4));
    await expect(queue.drain()).resolves.toMatchObject({ slicesSent: 2, lastSeq: 1 });
  });

  it('stops for good on a 409 gap: drain rejects and later enqueues throw', async () => {
    const server = fakeServer([201, 409]);
    const { queue, fatal } = uploader(server);
    queue.enqueue(body(1));
    queue.enqueue(body(2));
    queue.enqueue(body(3));
    await expect(queue.drain()).rejects.toThrow(/gap/);
    expect(fatal).toHaveLength(1);
    expect(fatal[0]).toMatchObject({ seq: 1, status: 409 });
    expect(server.calls).toHaveLength(2);
    expect(queue.stats()).toMatchObject({ slicesSent: 1, lastSeq: 0, pending: 0 });
    expect(() => queue.enqueue(body(4))).toThrow(SliceUploadError);
  });

  it.each([400, 401, 403, 404, 413])('treats %i as fatal without retrying', async (status) => {
    const server = fakeServer([status]);
    const { queue, fatal } = uploader(server);
    queue.enqueue(body(1));
    await expect(queue.drain()).rejects.toBeInstanceOf(SliceUploadError);
    expect(server.calls).toHaveLength(1);
    expect(fatal[0]?.status).toBe(status);
  });

  it('gives up after retryForMs of failures on one slice', async () => {
    const server = fakeServer(Array.from({ length: 100 }, () => 503));
    const { queue, fatal } = uploader(server, { retryForMs: 10_000 });
    queue.enqueue(body(1));
    await expect(queue.drain()).rejects.toThrow(/gave up/);
    expect(fatal).toHaveLength(1);
    // 250+500+1000+2000+4000+5000 = 12750 ≥ 10000 after the 7th attempt.
    expect(server.calls).toHaveLength(7);
    expect(Math.max(...server.sleeps)).toBe(5000);
  });

  it('drain resolves at once when nothing is queued', async () => {
    const server = fakeServer();
    const { queue } = uploader(server);
    await expect(queue.drain()).resolves.toEqual({
      slicesSent: 0,
      bytesSent: 0,
      lastSeq: -1,
      pending: 0,
    });
  });

  it('close() is idempotent, rejects pending drains and stops uploading', async () => {
    const server = fakeServer([503, 503, 503]);
    const { queue } = uploader(server);
    queue.enqueue(body(1));
    const drained = queue.drain();
    queue.close();
    queue.close();
    await expect(drained).rejects.toThrow(/closed/);
    expect(queue.closed).toBe(true);
    expect(() => queue.enqueue(body(2))).toThrow(/closed/);
  });
});
