/**
 * A classroom on the SFU: one mediasoup Router and the peers in it. Runs the
 * media requests of its peers and tells the other peers what changed through
 * their `notify` sinks, the dominant speaker included. Closes when its last
 * peer leaves or its worker dies.
 */
import { randomUUID } from 'node:crypto';
import type { types as ms } from 'mediasoup';
import type { Logger } from '../logger';
import {
  BadRequestError,
  ConflictError,
  ForbiddenError,
  InvalidStateError,
  NotFoundError,
} from '../errors';
import { EnhancedEventEmitter } from '../utils/EnhancedEventEmitter';
import { KeyedQueue } from '../utils/KeyedQueue';
import {
  mediaSourceKind,
  type ConsumerInfo,
  type MediaSource,
  type PeerInfo,
  type ProducerInfo,
  type ServerEventName,
  type ServerEvents,
  type TransportInfo,
} from '#protocol/signalling';
import { ActiveSpeaker } from './ActiveSpeaker';
import { webRtcTransportOptions, type WebRtcTransportSettings } from './mediasoupConfig';
import {
  Peer,
  type ConsumerAppData,
  type PeerOptions,
  type PeerProducer,
  type ProducerAppData,
  type TransportAppData,
  type TransportDirection,
} from './Peer';

/** Why a room closed under its peers; sent to them as `room-closed`. */
export const RoomCloseReason = {
  workerDied: 'media-worker-died',
  serverShutdown: 'server-shutdown',
} as const;

export interface RoomOptions {
  id: string;
  router: ms.Router;
  /** Created on `router` (see `Room.create`); the room owns and closes it. */
  activeSpeaker: ActiveSpeaker;
  transportSettings: WebRtcTransportSettings;
  logger: Logger;
}

export interface RoomEvents {
  peerJoined: [peer: Peer];
  peerLeft: [peer: Peer, leftAt: Date];
  /** `reason` is set when the room closed under its peers (not when the last one left). */
  close: [reason: string | undefined];
  '@close': [];
  listenerError: [event: string, error: unknown];
}

export type JoinOptions = Omit<PeerOptions, 'id' | 'logger'>;

/**
 * Runs a mediasoup call whose arguments come from a client. Its validation
 * errors (TypeError, UnsupportedError) and the worker's refusals (e.g. "ssrc
 * already exists") are the client's bad request; only InvalidStateError (a
 * closed transport or channel) keeps its meaning. Refusals are logged, in
 * case one is ours after all.
 */
async function withClientParams<T>(logger: Logger, call: () => Promise<T> | T): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof Error) || error.name === 'InvalidStateError') throw error;
    if (error.name !== 'TypeError' && error.name !== 'UnsupportedError') {
      logger.warn({ err: error }, 'mediasoup refused client parameters');
    }
    throw new BadRequestError(error.message);
  }
}

/** One room: its Router, its peers, their media. */
export class Room extends EnhancedEventEmitter<RoomEvents> {
  readonly id: string;
  readonly #router: ms.Router;
  readonly #transportOptions: ms.WebRtcTransportOptions;
  readonly #listenIp: ms.TransportListenIp;
  readonly #logger: Logger;
  readonly #peers = new Map<string, Peer>();
  readonly #activeSpeaker: ActiveSpeaker;
  /** Produce requests per (peer, source), one at a time, so two cannot both pass the one-per-source check. */
  readonly #produceQueue = new KeyedQueue();
  #closed = false;

  /**
   * Opens a room on a new router: creates its ActiveSpeakerObserver first,
   * since mediasoup creates one only asynchronously. Rejects (closing what
   * it made) if the router closed meanwhile.
   */
  static async create(options: Omit<RoomOptions, 'activeSpeaker'>): Promise<Room> {
    const { router, id, logger } = options;
    const activeSpeaker = await ActiveSpeaker.create({
      router,
      logger: logger.child({ roomId: id, module: 'active-speaker' }),
    });
    // The router's 'workerclose' may have fired while we waited: nobody would close the room then.
    if (router.closed) {
      activeSpeaker.close();
      throw new InvalidStateError('router closed while the room opened');
    }
    return new Room({ ...options, activeSpeaker });
  }

  constructor({ id, router, activeSpeaker, transportSettings, logger }: RoomOptions) {
    super();
    this.id = id;
    this.#router = router;
    this.#activeSpeaker = activeSpeaker;
    this.#transportOptions = webRtcTransportOptions(transportSettings);
    const { listenIp, announcedIp } = transportSettings;
    this.#listenIp = announcedIp ? { ip: listenIp, announcedIp } : { ip: listenIp };
    this.#logger = logger.child({ roomId: id });
    activeSpeaker.on('change', (peerId) => this.broadcast('active-speaker', { peerId }));
    // mediasoup closes the routers of a dead worker and says so on each.
    router.once('workerclose', () => this.close(RoomCloseReason.workerDied));
  }

  get closed(): boolean {
    return this.#closed;
  }

  get router(): ms.Router {
    return this.#router;
  }

  get rtpCapabilities(): ms.RtpCapabilities {
    return this.#router.rtpCapabilities;
  }

  /** The dominant speaker's peer id, as last told in `active-speaker`; null if none (yet). */
  get activeSpeakerPeerId(): string | null {
    return this.#activeSpeaker.peerId;
  }

  /** Every peer, hidden ones included. */
  get peers(): ReadonlyMap<string, Peer> {
    return this.#peers;
  }

  /** Participants only: what anyone outside the server may see or count. */
  listPeers(): PeerInfo[] {
    return [...this.#peers.values()].filter((p) => !p.hidden).map((p) => p.info);
  }

  /** Producers of visible peers, optionally without one peer's own. */
  listProducers(exceptPeerId?: string): ProducerInfo[] {
    const list: ProducerInfo[] = [];
    for (const peer of this.#peers.values()) {
      if (peer.hidden || peer.id === exceptPeerId) continue;
      for (const producer of peer.producers.values()) list.push(producerInfo(producer));
    }
    return list;
  }

  /** Adds a peer; announces it to the others unless it is hidden. */
  join(options: JoinOptions): Peer {
    if (this.#closed) throw new InvalidStateError('room is closed');
    const id = randomUUID();
    const peer = new Peer({ ...options, id, logger: this.#logger.child({ peerId: id }) });
    this.#peers.set(id, peer);
    peer.once('@close', () => this.#onPeerLeft(peer));
    if (!peer.hidden) this.broadcast('peer-joined', peer.info, id);
    this.#logger.info({ peerId: id, role: peer.role, hidden: peer.hidden }, 'peer joined');
    this.safeEmit('peerJoined', peer);
    return peer;
  }

  /** Sends an event to every peer (hidden ones included), optionally except one. */
  broadcast<E extends ServerEventName>(
    event: E,
    payload: ServerEvents[E],
    exceptPeerId?: string,
  ): number {
    if (this.#closed) return 0;
    let sent = 0;
    for (const peer of this.#peers.values()) {
      if (peer.id === exceptPeerId) continue;
      peer.notify(event, payload);
      sent += 1;
    }
    return sent;
  }

  async createTransport(peer: Peer, direction: TransportDirection): Promise<TransportInfo> {
    if (direction === 'send' && peer.hidden)
      throw new ForbiddenError('a recorder cannot send media');
    this.#assertMember(peer);
    const transport = await this.#router.createWebRtcTransport<TransportAppData>({
      ...this.#transportOptions,
      appData: { peerId: peer.id, direction, connected: false },
    });
    peer.addTransport(transport);
    return {
      id: transport.id,
      iceParameters: transport.iceParameters,
      iceCandidates: transport.iceCandidates,
      dtlsParameters: transport.dtlsParameters,
    };
  }

  async connectTransport(peer: Peer, transportId: string, dtlsParameters: unknown): Promise<void> {
    this.#assertMember(peer);
    const transport = peer.getTransport(transportId);
    if (transport.appData.connected) throw new InvalidStateError('transport already connected');
    transport.appData.connected = true;
    try {
      await withClientParams(this.#logger, () =>
        transport.connect({ dtlsParameters: dtlsParameters as ms.DtlsParameters }),
      );
    } catch (error) {
      transport.appData.connected = false;
      throw error;
    }
  }

  async produce(
    peer: Peer,
    request: {
      transportId: string;
      kind: ms.MediaKind;
      rtpParameters: unknown;
      source: MediaSource;
    },
  ): Promise<ProducerInfo> {
    if (peer.hidden) throw new ForbiddenError('a recorder cannot produce');
    this.#assertMember(peer);
    const transport = peer.getTransport(request.transportId);
    if (transport.appData.direction !== 'send') throw new BadRequestError('not a send transport');
    return this.#produceOnce(peer, request, async () => {
      const producer = await withClientParams(this.#logger, () =>
        transport.produce<ProducerAppData>({
          kind: request.kind,
          rtpParameters: request.rtpParameters as ms.RtpParameters,
          appData: { peerId: peer.id, source: request.source },
        }),
      );
      return this.#announceProducer(peer, producer);
    });
  }

  /**
   * Produces from an external RTP sender (e.g. ffmpeg) on a new comedia
   * PlainTransport with RTCP on its own port; the peer owns both and the
   * producer is announced like a browser's. The sender must use the given
   * payload type and SSRC.
   */
  async createPlainProducer(
    peer: Peer,
    request: { kind: ms.MediaKind; rtpParameters: ms.RtpParameters; source: MediaSource },
  ): Promise<{ transport: ms.PlainTransport<TransportAppData>; producer: ProducerInfo }> {
    if (peer.hidden) throw new ForbiddenError('a recorder cannot produce');
    this.#assertMember(peer);
    return this.#produceOnce(peer, request, async () => {
      const transport = await this.#router.createPlainTransport<TransportAppData>({
        listenIp: this.#listenIp,
        rtcpMux: false,
        comedia: true,
        // comedia learns the remote address from the first packets: never connect() it.
        appData: { peerId: peer.id, direction: 'send', connected: true },
      });
      peer.addTransport(transport);
      const producer = await transport.produce<ProducerAppData>({
        kind: request.kind,
        rtpParameters: request.rtpParameters,
        appData: { peerId: peer.id, source: request.source },
      });
      return { transport, producer: this.#announceProducer(peer, producer) };
    });
  }

  /**
   * Runs a produce for one (peer, source) after the previous one settled,
   * once the source's kind and the peer's one-producer-per-source rule allow it.
   * A producer closed (screen share stopped, camera track ended) frees its source.
   */
  #produceOnce<T>(
    peer: Peer,
    { kind, source }: { kind: ms.MediaKind; source: MediaSource },
    produce: () => Promise<T>,
  ): Promise<T> {
    const expected = mediaSourceKind[source];
    if (kind !== expected) {
      throw new BadRequestError(`a ${source} producer must be ${expected}, not ${kind}`);
    }
    return this.#produceQueue.run(`${peer.id}/${source}`, () => {
      this.#assertMember(peer);
      for (const producer of peer.producers.values()) {
        if (producer.appData.source === source) {
          throw new ConflictError(
            `this peer already has a ${source} producer (${producer.id}): close it first`,
          );
        }
      }
      return produce();
    });
  }

  #announceProducer(peer: Peer, producer: PeerProducer): ProducerInfo {
    peer.addProducer(producer);
    this.#activeSpeaker.add(producer);
    producer.observer.once('close', () => {
      // A dead router takes every producer with it; the room-closed event says it all.
      if (this.#router.closed) return;
      this.broadcast('producer-closed', { producerId: producer.id, peerId: peer.id });
    });
    const info = producerInfo(producer);
    this.broadcast('new-producer', info, peer.id);
    return info;
  }

  async consume(
    peer: Peer,
    request: { transportId: string; producerId: string; rtpCapabilities: unknown },
  ): Promise<ConsumerInfo> {
    this.#assertMember(peer);
    const transport = peer.getTransport(request.transportId);
    if (transport.appData.direction !== 'recv')
      throw new BadRequestError('not a receive transport');
    const { producer, owner } = this.#findProducer(request.producerId);
    const rtpCapabilities = request.rtpCapabilities as ms.RtpCapabilities;
    const producerId = producer.id;
    const can = await withClientParams(this.#logger, () =>
      this.#router.canConsume({ producerId, rtpCapabilities }),
    );
    if (!can) throw new BadRequestError('rtpCapabilities cannot receive this producer');
    // Paused until the client has its track ready; resumeConsumer then asks for a keyframe.
    const consumer = await withClientParams(this.#logger, () =>
      transport.consume<ConsumerAppData>({
        producerId,
        rtpCapabilities,
        paused: true,
        appData: { producerPeerId: owner.id, source: producer.appData.source },
      }),
    );
    peer.addConsumer(consumer);
    consumer.on('producerclose', () =>
      peer.notify('consumer-closed', { consumerId: consumer.id, producerId }),
    );
    return {
      consumerId: consumer.id,
      producerId,
      peerId: owner.id,
      kind: consumer.kind,
      source: producer.appData.source,
      rtpParameters: consumer.rtpParameters,
      producerPaused: consumer.producerPaused,
    };
  }

  async resumeConsumer(peer: Peer, consumerId: string): Promise<void> {
    this.#assertMember(peer);
    const consumer = peer.getConsumer(consumerId);
    await consumer.resume();
    if (consumer.kind === 'video') {
      // Without a fresh keyframe a late joiner sees nothing until the next periodic one.
      await consumer.requestKeyFrame().catch((error: unknown) => {
        this.#logger.warn({ err: error, peerId: peer.id, consumerId }, 'keyframe request failed');
      });
    }
  }

  /** Stops one consumer's media to this peer (resumeConsumer starts it again). */
  async pauseConsumer(peer: Peer, consumerId: string): Promise<void> {
    this.#assertMember(peer);
    await peer.getConsumer(consumerId).pause();
  }

  async pauseProducer(peer: Peer, producerId: string): Promise<void> {
    this.#assertMember(peer);
    const producer = peer.getProducer(producerId);
    await producer.pause();
    this.broadcast('producer-paused', { producerId, peerId: peer.id }, peer.id);
  }

  async resumeProducer(peer: Peer, producerId: string): Promise<void> {
    this.#assertMember(peer);
    const producer = peer.getProducer(producerId);
    await producer.resume();
    this.broadcast('producer-resumed', { producerId, peerId: peer.id }, peer.id);
  }

  closeProducer(peer: Peer, producerId: string): void {
    this.#assertMember(peer);
    peer.getProducer(producerId).close();
  }

  /**
   * Idempotent. With a reason, the peers are told (`room-closed`) before
   * their media is released; without one (last peer left) nobody is left to tell.
   */
  close(reason?: string): void {
    if (this.#closed) return;
    if (reason) this.broadcast('room-closed', { reason });
    this.#closed = true;
    const leftAt = new Date();
    for (const peer of this.#peers.values()) {
      peer.roomClosed();
      this.safeEmit('peerLeft', peer, leftAt);
    }
    this.#peers.clear();
    this.#activeSpeaker.close();
    this.#router.close();
    this.#logger.info({ reason }, 'room closed');
    // The owner forgets the room first, so public 'close' listeners see a consistent manager.
    this.safeEmit('@close');
    this.safeEmit('close', reason);
  }

  #onPeerLeft(peer: Peer): void {
    this.#peers.delete(peer.id);
    if (!peer.hidden) this.broadcast('peer-left', { peerId: peer.id });
    this.#logger.info({ peerId: peer.id, hidden: peer.hidden }, 'peer left');
    this.safeEmit('peerLeft', peer, new Date());
    if (this.#peers.size === 0) this.close();
  }

  #assertMember(peer: Peer): void {
    if (this.#closed || peer.closed || this.#peers.get(peer.id) !== peer) {
      throw new InvalidStateError('not in this room');
    }
  }

  #findProducer(producerId: string): { producer: PeerProducer; owner: Peer } {
    for (const owner of this.#peers.values()) {
      const producer = owner.producers.get(producerId);
      if (producer) return { producer, owner };
    }
    throw new NotFoundError(`producer ${producerId} not found`);
  }
}

function producerInfo(producer: PeerProducer): ProducerInfo {
  return {
    producerId: producer.id,
    peerId: producer.appData.peerId,
    kind: producer.kind,
    source: producer.appData.source,
    paused: producer.paused,
  };
}
