/**
 * Synthetic participants: visible peers that are not browsers. Their camera
 * and mic are RTP streams from an external sender (ffmpeg in practice) into
 * comedia PlainTransports with RTCP on its own port, produced as VP8 and
 * Opus 48 kHz stereo (mediasoup-demo's broadcaster recipe). They join, are
 * consumed and leave exactly like browser peers, so they serve as load for
 * the recorder and as stand-ins in demos.
 */
import { randomInt } from 'node:crypto';
import type { types as ms } from 'mediasoup';
import type { Logger } from '../logger';
import { NotFoundError } from '../errors';
import type { Peer } from './Peer';
import type { Room } from './Room';
import type { RoomManager } from './RoomManager';

/** Fixed payload types the sender must use (any free dynamic type would do). */
export const SYNTHETIC_VIDEO_PAYLOAD_TYPE = 101;
export const SYNTHETIC_AUDIO_PAYLOAD_TYPE = 100;

/** Where and how one stream must be sent. */
export interface RtpInput {
  ip: string;
  port: number;
  rtcpPort: number;
  payloadType: number;
  ssrc: number;
}

export interface SyntheticParticipantInfo {
  peerId: string;
  roomId: string;
  displayName: string;
  video: RtpInput;
  audio: RtpInput;
  /** The shared screen's input, for a participant added with `screen`. */
  screen: RtpInput | null;
}

export interface SyntheticParticipantsOptions {
  rooms: RoomManager;
  logger: Logger;
}

/** Adds and removes synthetic participants; forgets each one when its peer closes. */
export class SyntheticParticipants {
  readonly #rooms: RoomManager;
  readonly #logger: Logger;
  readonly #participants = new Map<string, { info: SyntheticParticipantInfo; peer: Peer }>();

  constructor({ rooms, logger }: SyntheticParticipantsOptions) {
    this.#rooms = rooms;
    this.#logger = logger.child({ module: 'synthetic-participants' });
  }

  get size(): number {
    return this.#participants.size;
  }

  /**
   * Joins a new synthetic peer (creating the room if needed) with a camera
   * and a mic producer, and a screen share producer with `screen`.
   */
  async add(
    roomId: string,
    displayName: string,
    { screen = false }: { screen?: boolean } = {},
  ): Promise<SyntheticParticipantInfo> {
    const { room, peer } = await this.#rooms.join(roomId, {
      userId: null,
      displayName,
      role: 'student',
      hidden: false,
      // Nobody listens: the sender is a process that speaks RTP only.
      notify: () => undefined,
    });
    // Registered on close before anything can fail, so a peer closed midway is never kept.
    peer.once('close', () => this.#participants.delete(peer.id));
    try {
      const video = await produce(room, peer, 'camera');
      const audio = await produce(room, peer, 'mic');
      const shared = screen ? await produce(room, peer, 'screen') : null;
      const info: SyntheticParticipantInfo = {
        peerId: peer.id,
        roomId,
        displayName,
        video,
        audio,
        screen: shared,
      };
      if (!peer.closed) this.#participants.set(peer.id, { info, peer });
      this.#logger.info({ roomId, peerId: peer.id, video, audio }, 'synthetic participant added');
      return info;
    } catch (error) {
      this.#logger.warn({ err: error, roomId, peerId: peer.id }, 'synthetic participant failed');
      peer.close();
      throw error;
    }
  }

  /** Removes one; the room sees it leave as any peer. */
  remove(roomId: string, peerId: string): void {
    const entry = this.#participants.get(peerId);
    if (!entry || entry.info.roomId !== roomId) {
      throw new NotFoundError(`no synthetic participant ${peerId} in room ${roomId}`);
    }
    entry.peer.close();
    this.#logger.info({ roomId, peerId }, 'synthetic participant removed');
  }

  list(roomId: string): SyntheticParticipantInfo[] {
    return [...this.#participants.values()]
      .filter((p) => p.info.roomId === roomId)
      .map((p) => p.info);
  }
}

async function produce(
  room: Room,
  peer: Peer,
  source: 'camera' | 'mic' | 'screen',
): Promise<RtpInput> {
  const kind: ms.MediaKind = source === 'mic' ? 'audio' : 'video';
  // ffmpeg's RTP muxer takes the SSRC as a signed 32-bit option: stay below 2^31.
  const ssrc = randomInt(1, 2 ** 31 - 1);
  const payloadType =
    kind === 'video' ? SYNTHETIC_VIDEO_PAYLOAD_TYPE : SYNTHETIC_AUDIO_PAYLOAD_TYPE;
  const codec: ms.RtpCodecParameters =
    kind === 'video'
      ? { mimeType: 'video/VP8', payloadType, clockRate: 90000 }
      : {
          mimeType: 'audio/opus',
          payloadType,
          clockRate: 48000,
          channels: 2,
          parameters: { 'sprop-stereo': 1 },
        };
  const { transport } = await room.createPlainProducer(peer, {
    kind,
    source,
    rtpParameters: { codecs: [codec], encodings: [{ ssrc }] },
  });
  return {
    ip: transport.tuple.localIp,
    port: transport.tuple.localPort,
    // rtcpMux is off, so mediasoup always opens the RTCP port.
    rtcpPort: transport.rtcpTuple?.localPort ?? transport.tuple.localPort,
    payloadType,
    ssrc,
  };
}
