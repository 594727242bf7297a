/**
 * The one client of a classroom room: signalling plus mediasoup-client. The
 * classroom UI uses it as a participant (send camera/mic and a screen share,
 * receive everyone);
 * the recorder page uses it as a hidden receive-only recorder. It knows
 * nothing about the DOM: it hands out MediaStreamTracks through events.
 *
 * One instance per join: after leave()/close() create a new one to rejoin.
 */
import { Device } from 'mediasoup-client';
import type { types as msc } from 'mediasoup-client';
import type {
  ActiveRecordingInfo,
  ConsumerInfo,
  MediaSource,
  PeerInfo,
  ProducerInfo,
  ServerEvents,
  TransportInfo,
} from '#protocol/signalling';
import { SignallingChannel, type Signalling } from './SignallingChannel';
import { TypedEventEmitter } from './TypedEventEmitter';
import { InvalidStateError } from './errors';

export type RoomClientMode = 'participant' | 'recorder';

export interface RoomClientLogger {
  debug(message: string, ...args: unknown[]): void;
  info(message: string, ...args: unknown[]): void;
  warn(message: string, ...args: unknown[]): void;
  error(message: string, ...args: unknown[]): void;
}

export interface RoomClientOptions {
  /** Origin of the classroom server, e.g. `location.origin`. */
  serverUrl: string;
  /** A user token (participant) or a recorder token (recorder). */
  token: string;
  roomId: string;
  mode: RoomClientMode;
  logger?: RoomClientLogger;
  /** How long each signalling request waits for its answer. */
  requestTimeoutMs?: number;
  /** Test seam: a signalling channel instead of a Socket.IO one. */
  signalling?: Signalling;
  /** Test seam: a mediasoup-client handler (e.g. its FakeHandler) instead of the browser's. */
  handlerFactory?: msc.HandlerFactory;
}

export interface JoinResult {
  self: PeerInfo;
  /** The other (visible) peers present when we joined. */
  peers: PeerInfo[];
  /** The room's recording in progress, if any. */
  recording: ActiveRecordingInfo | null;
  /** The room's dominant speaker when we joined, if any (then see 'active-speaker'). */
  activeSpeakerPeerId: string | null;
}

/** Identifies one remote track: whose, which producer, which local consumer. */
export interface RemoteTrackRef {
  peerId: string;
  producerId: string;
  consumerId: string;
  kind: 'audio' | 'video';
  source: MediaSource;
}

export interface RemoteTrack extends RemoteTrackRef {
  track: MediaStreamTrack;
  /** Whether the sender has paused it (muted mic, camera off). */
  paused: boolean;
}

export interface TrackStateEvent {
  peerId: string;
  producerId: string;
  kind: 'audio' | 'video';
  source: MediaSource;
}

export interface RoomClientEvents {
  /** A visible peer is in the room: each one present at join, then each arrival. */
  'peer-joined': PeerInfo;
  'peer-left': { peerId: string };
  /** A remote track is ready to play (consumer created and resumed). */
  track: RemoteTrack;
  /** A remote track is gone (its producer closed, its peer left). */
  'track-ended': RemoteTrackRef;
  'track-paused': TrackStateEvent;
  'track-resumed': TrackStateEvent;
  'recording-started': ServerEvents['recording-started'];
  'recording-stopped': ServerEvents['recording-stopped'];
  'recording-error': ServerEvents['recording-error'];
  'recording-ready': ServerEvents['recording-ready'];
  /** The layout of the room's recording in progress changed. */
  'recording-layout': ServerEvents['recording-layout'];
  /** The room's dominant speaker changed (any peer, this client's own included). */
  'active-speaker': ServerEvents['active-speaker'];
  /**
   * Our screen share ended without stopScreenShare(): its track ended (the
   * browser's "Stop sharing" bar, a closed window). The client already closed
   * the producer and told the server.
   */
  'screen-share-ended': { producerId: string };
  /** The server closed the room; the client is closed. */
  'room-closed': { reason: string };
  /** The connection was lost; the client is closed. */
  disconnected: { reason: string };
  /** A non-fatal failure (a track that could not be consumed, a transport that failed). */
  error: Error;
}

interface ConsumerEntry extends RemoteTrackRef {
  consumer: msc.Consumer;
  /** Whether 'track' was emitted, so 'track-ended' is emitted only after it. */
  announced: boolean;
}

/** What this client can send: a camera, a mic and a screen share, one producer each. */
type LocalSource = MediaSource;
/** The sources the user turns on and off (pause/resume); a screen share is stopped instead. */
type DeviceSource = Extract<LocalSource, 'camera' | 'mic'>;

/**
 * libwebrtc lip-syncs the audio and video of one streamId: a peer's camera
 * and mic share one, and a screen share gets its own so that it never joins
 * (nor delays) that sync group.
 */
function remoteStreamId(peerId: string, source: MediaSource): string {
  return source === 'screen' ? `${peerId}-screen` : `${peerId}-stream`;
}

/** Without a logger: info and above to the console (the bot forwards it), debug dropped. */
const defaultLogger: RoomClientLogger = {
  debug: () => {},
  info: (message, ...args) => console.info(`[room-client] ${message}`, ...args),
  warn: (message, ...args) => console.warn(`[room-client] ${message}`, ...args),
  error: (message, ...args) => console.error(`[room-client] ${message}`, ...args),
};

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** Joins one room through the SFU and follows its peers and tracks. */
export class RoomClient extends TypedEventEmitter<RoomClientEvents> {
  readonly roomId: string;
  readonly mode: RoomClientMode;
  readonly #options: RoomClientOptions;
  readonly #logger: RoomClientLogger;
  readonly #signalling: Signalling;

  #state: 'new' | 'joining' | 'joined' | 'closed' = 'new';
  #self?: PeerInfo;
  #recording: ActiveRecordingInfo | null = null;
  /** Undefined until known: an 'active-speaker' event that beats the join answer wins over it. */
  #activeSpeakerPeerId: string | null | undefined;
  readonly #peers = new Map<string, PeerInfo>();

  #device?: msc.Device;
  #recvTransport?: msc.Transport;
  #sendTransport?: msc.Transport;

  /** Remote producers we should be consuming, by producer id (the source of truth for "still wanted"). */
  readonly #remoteProducers = new Map<string, ProducerInfo>();
  /** Producer ids whose consume is in flight, so a producer is never consumed twice. */
  readonly #consuming = new Set<string>();
  readonly #consumers = new Map<string, ConsumerEntry>();
  readonly #consumerIdByProducer = new Map<string, string>();

  readonly #producers = new Map<LocalSource, msc.Producer>();
  /** What the user wants for mic/camera, applied to producers when they are created. */
  readonly #wanted: Record<DeviceSource, boolean> = { mic: true, camera: true };
  /**
   * Tail of the screen-share starts and stops, run one after the other: a stop
   * during a start stops what the start made, and a start after a stop is
   * sent once the server has dropped the previous share.
   */
  #screenQueue: Promise<unknown> = Promise.resolve();

  constructor(options: RoomClientOptions) {
    const logger = options.logger ?? defaultLogger;
    super((event, error) => logger.error(`listener for "${event}" threw`, error));
    this.#options = options;
    this.#logger = logger;
    this.roomId = options.roomId;
    this.mode = options.mode;
    this.#signalling =
      options.signalling ??
      new SignallingChannel({
        serverUrl: options.serverUrl,
        token: options.token,
        requestTimeoutMs: options.requestTimeoutMs,
        onListenerError: (event, error) => logger.error(`handler for "${event}" threw`, error),
      });
  }

  get closed(): boolean {
    return this.#state === 'closed';
  }

  get joined(): boolean {
    return this.#state === 'joined';
  }

  /** This client's own peer, once joined. */
  get self(): PeerInfo | undefined {
    return this.#self;
  }

  /** The other visible peers in the room, by peer id. */
  get peers(): ReadonlyMap<string, PeerInfo> {
    return this.#peers;
  }

  /** The room's recording in progress, as last announced by the server. */
  get recording(): ActiveRecordingInfo | null {
    return this.#recording;
  }

  /** The room's dominant speaker, from the join answer then 'active-speaker'; null once they left. */
  get activeSpeakerPeerId(): string | null {
    return this.#activeSpeakerPeerId ?? null;
  }

  /** Whether our screen share is being sent. */
  get screenSharing(): boolean {
    return this.#producers.has('screen');
  }

  /** The remote tracks currently playing, by consumer id. */
  get tracks(): RemoteTrack[] {
    return [...this.#consumers.values()]
      .filter((entry) => entry.announced)
      .map((entry) => this.#trackOf(entry));
  }

  /**
   * Connects, joins, loads the Device, creates the transports and consumes
   * every producer present; resolves once those tracks were emitted. On
   * failure the client is closed and the error rethrown.
   */
  async join(): Promise<JoinResult> {
    if (this.#state !== 'new') throw new InvalidStateError(`join() called when ${this.#state}`);
    this.#state = 'joining';
    try {
      this.#listen();
      await this.#signalling.connect();
      this.#assertOpen();
      const joined = await this.#signalling.request('join', { roomId: this.roomId });
      this.#assertOpen();
      this.#self = joined.self;
      this.#recording = joined.recording;
      this.#activeSpeakerPeerId ??= joined.activeSpeakerPeerId;
      this.#logger.info(`joined room ${this.roomId} as ${joined.self.role} ${joined.self.peerId}`);

      const device = await Device.factory(
        this.#options.handlerFactory ? { handlerFactory: this.#options.handlerFactory } : {},
      );
      await device.load({
        routerRtpCapabilities: joined.rtpCapabilities as msc.RtpCapabilities,
      });
      this.#assertOpen();
      this.#device = device;

      for (const peer of joined.peers) this.#addPeer(peer);
      // Producers announced by 'new-producer' while we were joining are kept.
      for (const producer of joined.producers)
        this.#remoteProducers.set(producer.producerId, producer);

      this.#recvTransport = await this.#createTransport('recv');
      if (this.mode === 'participant') this.#sendTransport = await this.#createTransport('send');
      this.#assertOpen();
      this.#state = 'joined';

      await Promise.all([...this.#remoteProducers.values()].map((p) => this.#consume(p)));
      return {
        self: joined.self,
        peers: [...this.#peers.values()],
        recording: joined.recording,
        activeSpeakerPeerId: this.activeSpeakerPeerId,
      };
    } catch (error) {
      this.close();
      throw error;
    }
  }

  /** Participant mode: sends the stream's first video track (VP8, 'camera') and audio track ('mic'). */
  async publish(stream: MediaStream): Promise<void> {
    if (this.mode !== 'participant') throw new InvalidStateError('a recorder does not publish');
    if (this.#state !== 'joined' || !this.#sendTransport || !this.#device) {
      throw new InvalidStateError('publish() before join() completed');
    }
    const device = this.#device;
    const transport = this.#sendTransport;
    const video = stream.getVideoTracks()[0];
    const audio = stream.getAudioTracks()[0];
    if (video && device.canProduce('video') && !this.#producers.has('camera')) {
      const vp8 = device.rtpCapabilities.codecs?.find(
        (c) => c.mimeType.toLowerCase() === 'video/vp8',
      );
      await this.#produce(transport, 'camera', {
        track: video,
        ...(vp8 ? { codec: vp8 } : {}),
        codecOptions: { videoGoogleStartBitrate: 1000 },
      });
    }
    if (audio && device.canProduce('audio') && !this.#producers.has('mic')) {
      await this.#produce(transport, 'mic', { track: audio, codecOptions: { opusDtx: true } });
    }
  }

  /**
   * Participant mode: sends a screen-capture track (getDisplayMedia's) as the
   * 'screen' video producer, VP8. The client owns the track from then on:
   * ending the share (stopScreenShare(), leave(), close()) stops it, so the
   * browser's sharing indicator goes away, and so does a share that cannot
   * start. Rejects with InvalidStateError in recorder mode, before join()
   * completed, or while already sharing.
   */
  shareScreen(track: MediaStreamTrack): Promise<void> {
    return this.#screenOp(async () => {
      try {
        await this.#shareScreen(track);
      } catch (error) {
        // A capture nobody receives must not keep the browser's "sharing" indicator on
        // (but the track of the share under way, passed again, is that share's).
        if (this.#producers.get('screen')?.track !== track) track.stop();
        throw error;
      }
    });
  }

  /** Stops our screen share: closes its producer and tells the server. Idempotent, never rejects. */
  stopScreenShare(): Promise<void> {
    return this.#screenOp(() => this.#unpublish('screen'));
  }

  /** Mutes or unmutes the microphone (pauses its producer here and on the server). */
  /**
   * Stops (or starts again) receiving one remote track: the server stops
   * forwarding it to this client, so nothing is decoded (a recorder's tile
   * that its layout does not show). Receiving again asks the sender for a
   * keyframe. A track that is not being received, or is gone, is left alone.
   */
  async setReceiving(producerId: string, on: boolean): Promise<void> {
    const consumerId = this.#consumerIdByProducer.get(producerId);
    const entry = consumerId === undefined ? undefined : this.#consumers.get(consumerId);
    if (!entry || entry.consumer.closed || entry.consumer.paused === !on) return;
    if (on) {
      entry.consumer.resume();
      await this.#signalling.request('resumeConsumer', { consumerId: entry.consumerId });
    } else {
      entry.consumer.pause();
      await this.#signalling.request('pauseConsumer', { consumerId: entry.consumerId });
    }
  }

  setMicEnabled(on: boolean): Promise<void> {
    return this.#setSourceEnabled('mic', on);
  }

  /** Turns the camera's producer off or on. */
  setCameraEnabled(on: boolean): Promise<void> {
    return this.#setSourceEnabled('camera', on);
  }

  /** Tells the server we leave (best effort, short), then closes. Idempotent. */
  async leave(): Promise<void> {
    if (this.closed) return;
    if (this.#state === 'joined') {
      try {
        await this.#signalling.request('leave', {});
      } catch (error) {
        this.#logger.warn('leave request failed; closing anyway', error);
      }
    }
    this.close();
  }

  /** Closes consumers, producers, transports and the connection. Idempotent, never throws, emits nothing. */
  close(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    for (const entry of this.#consumers.values()) entry.consumer.close();
    this.#consumers.clear();
    this.#consumerIdByProducer.clear();
    this.#remoteProducers.clear();
    for (const producer of this.#producers.values()) producer.close();
    this.#producers.clear();
    this.#sendTransport?.close();
    this.#recvTransport?.close();
    this.#signalling.close();
    this.#peers.clear();
    this.#logger.debug(`closed (room ${this.roomId})`);
  }

  #assertOpen(): void {
    if (this.#state === 'closed') throw new InvalidStateError('client closed while joining');
  }

  #listen(): void {
    const s = this.#signalling;
    s.on('peer-joined', (peer) => {
      if (peer.peerId === this.#self?.peerId) return;
      this.#addPeer(peer);
    });
    s.on('peer-left', ({ peerId }) => this.#removePeer(peerId));
    s.on('new-producer', (producer) => {
      if (producer.peerId === this.#self?.peerId) return;
      this.#remoteProducers.set(producer.producerId, producer);
      // Before the recv transport exists, join() consumes it with the others.
      if (this.#state === 'joined') void this.#consume(producer);
    });
    s.on('producer-closed', ({ producerId }) => this.#dropProducer(producerId));
    s.on('consumer-closed', ({ producerId }) => this.#dropProducer(producerId));
    s.on('producer-paused', ({ producerId }) => this.#setRemotePaused(producerId, true));
    s.on('producer-resumed', ({ producerId }) => this.#setRemotePaused(producerId, false));
    s.on('recording-started', (info) => {
      this.#recording = info;
      this.safeEmit('recording-started', info);
    });
    s.on('recording-stopped', (info) => {
      if (this.#recording?.recordingId === info.recordingId) this.#recording = null;
      this.safeEmit('recording-stopped', info);
    });
    s.on('recording-error', (info) => {
      if (this.#recording?.recordingId === info.recordingId) this.#recording = null;
      this.safeEmit('recording-error', info);
    });
    s.on('recording-ready', (info) => this.safeEmit('recording-ready', info));
    s.on('recording-layout', (info) => this.safeEmit('recording-layout', info));
    s.on('active-speaker', ({ peerId }) => {
      if (this.closed || this.#activeSpeakerPeerId === peerId) return;
      this.#activeSpeakerPeerId = peerId;
      this.safeEmit('active-speaker', { peerId });
    });
    s.on('room-closed', ({ reason }) => {
      this.#logger.warn(`room ${this.roomId} closed by the server: ${reason}`);
      this.close();
      this.safeEmit('room-closed', { reason });
    });
    s.on('disconnected', ({ reason }) => {
      if (this.closed) return;
      this.#logger.warn(`disconnected from room ${this.roomId}: ${reason}`);
      this.close();
      this.safeEmit('disconnected', { reason });
    });
  }

  #addPeer(peer: PeerInfo): void {
    if (this.#peers.has(peer.peerId)) return;
    this.#peers.set(peer.peerId, peer);
    this.safeEmit('peer-joined', peer);
  }

  #removePeer(peerId: string): void {
    for (const [producerId, producer] of this.#remoteProducers) {
      if (producer.peerId === peerId) this.#dropProducer(producerId);
    }
    // The server names the next speaker when there is one; until then, nobody.
    if (this.#activeSpeakerPeerId === peerId) this.#activeSpeakerPeerId = null;
    if (this.#peers.delete(peerId)) this.safeEmit('peer-left', { peerId });
  }

  async #createTransport(direction: 'send' | 'recv'): Promise<msc.Transport> {
    const device = this.#device!;
    const info: TransportInfo = await this.#signalling.request('createTransport', { direction });
    this.#assertOpen();
    const options: msc.TransportOptions = {
      id: info.id,
      iceParameters: info.iceParameters as msc.IceParameters,
      iceCandidates: info.iceCandidates as msc.IceCandidate[],
      dtlsParameters: info.dtlsParameters as msc.DtlsParameters,
    };
    const transport =
      direction === 'send'
        ? device.createSendTransport(options)
        : device.createRecvTransport(options);

    transport.on('connect', ({ dtlsParameters }, callback, errback) => {
      this.#signalling
        .request('connectTransport', { transportId: transport.id, dtlsParameters })
        .then(() => callback(), errback);
    });
    if (direction === 'send') {
      transport.on('produce', ({ kind, rtpParameters, appData }, callback, errback) => {
        this.#signalling
          .request('produce', {
            transportId: transport.id,
            kind,
            rtpParameters,
            source: appData.source as LocalSource,
          })
          .then(({ producerId }) => callback({ id: producerId }), errback);
      });
    }
    transport.on('connectionstatechange', (state) => {
      this.#logger.debug(`${direction} transport ${state}`);
      if (state === 'failed' && !this.closed) {
        this.safeEmit('error', new Error(`${direction} transport failed (ICE/DTLS)`));
      }
    });
    return transport;
  }

  /** shareScreen()'s work, inside the screen queue. */
  async #shareScreen(track: MediaStreamTrack): Promise<void> {
    if (this.mode !== 'participant') {
      throw new InvalidStateError('a recorder does not share a screen');
    }
    const transport = this.#sendTransport;
    const device = this.#device;
    if (this.#state !== 'joined' || !transport || !device) {
      throw new InvalidStateError('shareScreen() before join() completed');
    }
    if (this.#producers.has('screen')) throw new InvalidStateError('already sharing the screen');
    if (track.kind !== 'video') throw new TypeError('a screen share is a video track');
    // Slides and code: libwebrtc then keeps the resolution and drops frames under pressure.
    if ('contentHint' in track && !track.contentHint) track.contentHint = 'detail';
    const vp8 = device.rtpCapabilities.codecs?.find(
      (c) => c.mimeType.toLowerCase() === 'video/vp8',
    );
    await this.#produce(transport, 'screen', {
      track,
      stopTracks: true,
      ...(vp8 ? { codec: vp8 } : {}),
      codecOptions: { videoGoogleStartBitrate: 1000 },
    });
  }

  async #produce(
    transport: msc.Transport,
    source: LocalSource,
    options: msc.ProducerOptions,
  ): Promise<void> {
    // By default the UI keeps showing its preview: the producer must not stop the tracks.
    const producer = await transport.produce({
      stopTracks: false,
      ...options,
      appData: { source },
    });
    if (this.closed) {
      producer.close();
      return;
    }
    this.#producers.set(source, producer);
    producer.on('transportclose', () => {
      if (this.#producers.get(source) === producer) this.#producers.delete(source);
    });
    producer.on('trackended', () => this.#localTrackEnded(source, producer));
    // A track that ended while the producer was being made fires no 'ended' on it.
    if (producer.track?.readyState === 'ended') {
      this.#localTrackEnded(source, producer);
      return;
    }
    if (source !== 'screen' && !this.#wanted[source]) await this.#setSourceEnabled(source, false);
  }

  /** A local track ended by itself (device unplugged, the browser's "Stop sharing"). */
  #localTrackEnded(source: LocalSource, producer: msc.Producer): void {
    if (this.#producers.get(source) !== producer) return;
    this.#logger.warn(`local ${source} track ended`);
    const closed = this.#unpublish(source);
    if (source !== 'screen') return;
    // A share started right after waits until the server has dropped this one.
    void this.#screenOp(() => closed);
    this.safeEmit('screen-share-ended', { producerId: producer.id });
  }

  /**
   * Closes a local producer, then tells the server. The producer is gone
   * from this client before the first await; resolves once the server
   * answered, never rejects (a failure is logged: the server closes it with
   * the peer anyway).
   */
  async #unpublish(source: LocalSource): Promise<void> {
    const producer = this.#producers.get(source);
    if (!producer) return;
    this.#producers.delete(source);
    producer.close();
    if (this.closed) return;
    try {
      await this.#signalling.request('closeProducer', { producerId: producer.id });
    } catch (error) {
      this.#logger.warn(`closeProducer ${producer.id} failed`, error);
    }
  }

  /** Runs a screen-share start or stop after the previous one settled. */
  #screenOp<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#screenQueue.then(task, task);
    this.#screenQueue = result.catch(() => undefined);
    return result;
  }

  async #setSourceEnabled(source: DeviceSource, on: boolean): Promise<void> {
    if (this.mode !== 'participant') throw new InvalidStateError('a recorder has no mic or camera');
    this.#wanted[source] = on;
    const producer = this.#producers.get(source);
    if (!producer || producer.closed || producer.paused === !on) return;
    if (on) {
      producer.resume();
      await this.#signalling.request('resumeProducer', { producerId: producer.id });
    } else {
      producer.pause();
      await this.#signalling.request('pauseProducer', { producerId: producer.id });
    }
  }

  async #consume(producer: ProducerInfo): Promise<void> {
    const { producerId } = producer;
    if (this.#consuming.has(producerId) || this.#consumerIdByProducer.has(producerId)) return;
    const transport = this.#recvTransport;
    const device = this.#device;
    if (!transport || !device) return;
    this.#consuming.add(producerId);
    let entry: ConsumerEntry | undefined;
    try {
      const info: ConsumerInfo = await this.#signalling.request('consume', {
        transportId: transport.id,
        producerId,
        rtpCapabilities: device.rtpCapabilities,
      });
      if (!this.#wantsProducer(producerId)) return;
      const consumer = await transport.consume({
        id: info.consumerId,
        producerId,
        kind: info.kind,
        rtpParameters: info.rtpParameters as msc.RtpParameters,
        streamId: remoteStreamId(info.peerId, info.source),
      });
      entry = {
        consumer,
        peerId: info.peerId,
        producerId,
        consumerId: consumer.id,
        kind: info.kind,
        source: info.source,
        announced: false,
      };
      const created = entry;
      this.#consumers.set(consumer.id, created);
      this.#consumerIdByProducer.set(producerId, consumer.id);
      consumer.on('transportclose', () => this.#forgetConsumer(created));
      consumer.on('trackended', () => this.#dropProducer(producerId));
      if (!this.#wantsProducer(producerId)) {
        this.#closeConsumer(created);
        return;
      }
      // The server created it paused: resuming now makes it send a keyframe
      // to a receiver that is ready for it.
      await this.#signalling.request('resumeConsumer', { consumerId: consumer.id });
      if (!this.#wantsProducer(producerId) || consumer.closed) {
        this.#closeConsumer(created);
        return;
      }
      created.announced = true;
      this.safeEmit('track', this.#trackOf(created));
    } catch (error) {
      if (this.closed) return;
      if (entry) this.#closeConsumer(entry);
      const failure = toError(error);
      this.#logger.warn(
        `cannot consume producer ${producerId} of peer ${producer.peerId}`,
        failure,
      );
      this.safeEmit('error', new Error(`cannot receive a track: ${failure.message}`));
    } finally {
      this.#consuming.delete(producerId);
    }
  }

  #wantsProducer(producerId: string): boolean {
    return !this.closed && this.#remoteProducers.has(producerId);
  }

  #trackOf(entry: ConsumerEntry): RemoteTrack {
    return {
      peerId: entry.peerId,
      producerId: entry.producerId,
      consumerId: entry.consumerId,
      kind: entry.kind,
      source: entry.source,
      track: entry.consumer.track,
      paused: this.#remoteProducers.get(entry.producerId)?.paused ?? false,
    };
  }

  /** The producer is gone (closed, its consumer closed by the server, its peer left). */
  #dropProducer(producerId: string): void {
    this.#remoteProducers.delete(producerId);
    const consumerId = this.#consumerIdByProducer.get(producerId);
    const entry = consumerId ? this.#consumers.get(consumerId) : undefined;
    if (entry) this.#closeConsumer(entry);
  }

  #closeConsumer(entry: ConsumerEntry): void {
    entry.consumer.close();
    this.#forgetConsumer(entry);
  }

  #forgetConsumer(entry: ConsumerEntry): void {
    if (this.#consumers.get(entry.consumerId) !== entry) return;
    this.#consumers.delete(entry.consumerId);
    this.#consumerIdByProducer.delete(entry.producerId);
    if (entry.announced && !this.closed) {
      const { peerId, producerId, consumerId, kind, source } = entry;
      this.safeEmit('track-ended', { peerId, producerId, consumerId, kind, source });
    }
  }

  #setRemotePaused(producerId: string, paused: boolean): void {
    const producer = this.#remoteProducers.get(producerId);
    if (!producer || producer.paused === paused) return;
    producer.paused = paused;
    const consumerId = this.#consumerIdByProducer.get(producerId);
    const entry = consumerId ? this.#consumers.get(consumerId) : undefined;
    if (!entry?.announced) return; // 'track' will carry the current state
    const { peerId, kind, source } = entry;
    this.safeEmit(paused ? 'track-paused' : 'track-resumed', { peerId, producerId, kind, source });
  }
}
