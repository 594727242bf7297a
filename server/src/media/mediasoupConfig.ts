/**
 * What every room's Router and WebRtcTransports are created with: the codecs
 * browsers negotiate against, and the listen/announced IPs from the config.
 */
import type { types as ms } from 'mediasoup';
import type { Config } from '../config';

/** Router codecs: Opus for audio; VP8 first (what the recorder decodes best), then VP9 and H.264. */
export const routerMediaCodecs: ms.RtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
  {
    kind: 'video',
    mimeType: 'video/VP8',
    clockRate: 90000,
    parameters: { 'x-google-start-bitrate': 1000 },
  },
  {
    kind: 'video',
    mimeType: 'video/VP9',
    clockRate: 90000,
    parameters: { 'profile-id': 0, 'x-google-start-bitrate': 1000 },
  },
  {
    kind: 'video',
    mimeType: 'video/H264',
    clockRate: 90000,
    parameters: {
      'packetization-mode': 1,
      'profile-level-id': '42e01f',
      'level-asymmetry-allowed': 1,
      'x-google-start-bitrate': 1000,
    },
  },
];

/** Start estimate for the bandwidth towards a browser; a classroom tile rarely needs more. */
export const INITIAL_AVAILABLE_OUTGOING_BITRATE = 1_000_000;

export type WebRtcTransportSettings = Pick<Config['mediasoup'], 'listenIp' | 'announcedIp'> & {
  initialAvailableOutgoingBitrate?: number;
};

/** WebRtcTransport options: UDP preferred, TCP as the fallback for networks that block UDP. */
export function webRtcTransportOptions({
  listenIp,
  announcedIp,
  initialAvailableOutgoingBitrate = INITIAL_AVAILABLE_OUTGOING_BITRATE,
}: WebRtcTransportSettings): ms.WebRtcTransportOptions {
  return {
    listenIps: [announcedIp ? { ip: listenIp, announcedIp } : { ip: listenIp }],
    enableUdp: true,
    enableTcp: true,
    preferUdp: true,
    initialAvailableOutgoingBitrate,
  };
}
