import { describe, expect, it } from 'vitest';
import {
  buildRecorderUrl,
  formatSignal,
  parseRecorderParams,
  parseSignal,
  RECORDER_PAGE_PATH,
  SIGNAL_PREFIX,
  type RecorderSignal,
} from '#protocol/recorderPage';

const required = {
  server: 'http://127.0.0.1:3000',
  token: 'eyJhbGciOiJIUzI1NiJ9.e30.sig',
  roomId: 'math-101',
  recordingId: '2b1f6c1e-6f0a-4a53-9d5e-1b2c3d4e5f60',
};

function parseUrl(url: string) {
  const parsed = new URL(url);
  return parseRecorderParams(parsed.search, parsed.hash);
}

describe('recorder page parameters', () => {
  it('round-trips through buildRecorderUrl and parseRecorderParams with defaults applied', () => {
    const url = buildRecorderUrl(required);
    expect(parseUrl(url)).toEqual({
      ok: true,
      params: {
        ...required,
        width: 1280,
        height: 720,
        fps: 30,
        videoCodec: 'h264',
        videoBitrate: 2_500_000,
        audioBitrate: 128_000,
        layout: 'auto',
        sliceMs: 1000,
      },
    });
  });

  it('puts the token in the fragment, never in the query string', () => {
    const url = new URL(buildRecorderUrl(required));
    expect(url.pathname).toBe(RECORDER_PAGE_PATH);
    expect(url.searchParams.has('token')).toBe(false);
    expect(url.search).not.toContain(required.token);
    expect(new URLSearchParams(url.hash.slice(1)).get('token')).toBe(required.token);
  });

  it('ignores a token in the query string', () => {
    const url = new URL(buildRecorderUrl(required));
    const result = parseRecorderParams(`${url.search}&token=leaked`, '');
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.message).toContain('token');
  });

  it('keeps explicit settings, numbers coerced from the query string', () => {
    const url = buildRecorderUrl({
      ...required,
      width: 640,
      height: 360,
      fps: 15,
      videoCodec: 'vp8',
      videoBitrate: 800_000,
      audioBitrate: 64_000,
      sliceMs: 500,
    });
    const result = parseUrl(url);
    expect(result).toMatchObject({
      ok: true,
      params: { width: 640, height: 360, fps: 15, videoCodec: 'vp8', sliceMs: 500 },
    });
  });

  it('accepts a server with a path prefix and an explicit page URL', () => {
    const url = buildRecorderUrl(
      { ...required, server: 'https://example.test/classroom/' },
      'https://example.test/classroom/recorder',
    );
    expect(url.startsWith('https://example.test/classroom/recorder?')).toBe(true);
    expect(parseUrl(url)).toMatchObject({
      ok: true,
      params: { server: 'https://example.test/classroom/' },
    });
  });

  it('names every bad parameter and never echoes the token', () => {
    const result = parseRecorderParams(
      '?server=ftp://x&roomId=bad room&recordingId=r1&width=99999&fps=0&videoCodec=h265',
      '#token=',
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    for (const name of ['server', 'token', 'roomId', 'width', 'fps', 'videoCodec']) {
      expect(result.message).toContain(name);
    }
  });

  it('refuses to build a URL from bad parameters', () => {
    expect(() => buildRecorderUrl({ ...required, fps: 500 })).toThrow();
  });
});

describe('recorder signals', () => {
  const signals: RecorderSignal[] = [
    { type: 'ready', mimeType: 'video/webm;codecs=vp9,opus' },
    { type: 'first-frame', tiles: 3, videoTiles: 2 },
    { type: 'first-slice', bytes: 1 },
    { type: 'error', message: 'the room was closed: worker died', fatal: true },
    { type: 'ended', lastSeq: 41, bytesSent: 12_345_678 },
  ];

  it.each(signals)('parses what the page formats: $type', (signal) => {
    const line = formatSignal(signal);
    expect(line.startsWith(SIGNAL_PREFIX)).toBe(true);
    expect(parseSignal(line)).toEqual(signal);
  });

  it('returns null for other console lines and malformed signals', () => {
    expect(parseSignal('[room-client] joined room r as recorder p')).toBeNull();
    expect(parseSignal(`${SIGNAL_PREFIX}{not json`)).toBeNull();
    expect(parseSignal(`${SIGNAL_PREFIX}{"type":"bogus"}`)).toBeNull();
    expect(parseSignal(`${SIGNAL_PREFIX}{"type":"ended","lastSeq":"7"}`)).toBeNull();
  });
});
