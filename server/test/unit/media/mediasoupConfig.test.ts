import { describe, expect, it } from 'vitest';
import {
  INITIAL_AVAILABLE_OUTGOING_BITRATE,
  routerMediaCodecs,
  webRtcTransportOptions,
} from '#server/media/mediasoupConfig';

describe('routerMediaCodecs', () => {
  it('offers Opus 48k stereo, VP8, VP9 profile 0 and H.264 42e01f packetization-mode 1', () => {
    expect(routerMediaCodecs.map((c) => c.mimeType)).toEqual([
      'audio/opus',
      'video/VP8',
      'video/VP9',
      'video/H264',
    ]);
    expect(routerMediaCodecs[0]).toMatchObject({ clockRate: 48000, channels: 2 });
    expect(routerMediaCodecs[2]!.parameters).toMatchObject({ 'profile-id': 0 });
    expect(routerMediaCodecs[3]!.parameters).toMatchObject({
      'packetization-mode': 1,
      'profile-level-id': '42e01f',
    });
  });
});

describe('webRtcTransportOptions', () => {
  it('listens on the configured IP, UDP preferred with TCP as fallback', () => {
    expect(webRtcTransportOptions({ listenIp: '127.0.0.1', announcedIp: undefined })).toEqual({
      listenIps: [{ ip: '127.0.0.1' }],
      enableUdp: true,
      enableTcp: true,
      preferUdp: true,
      initialAvailableOutgoingBitrate: INITIAL_AVAILABLE_OUTGOING_BITRATE,
    });
  });

  it('announces the public IP when one is configured', () => {
    const options = webRtcTransportOptions({
      listenIp: '0.0.0.0',
      announcedIp: '203.0.113.7',
      initialAvailableOutgoingBitrate: 600_000,
    });
    expect(options.listenIps).toEqual([{ ip: '0.0.0.0', announcedIp: '203.0.113.7' }]);
    expect(options.initialAvailableOutgoingBitrate).toBe(600_000);
  });
});
