/**
 * One participant (or one hidden recorder) in a Room: its identity and the
 * mediasoup transports, producers and consumers it owns. Knows nothing about
 * Socket.IO: it reaches its client only through the `notify` sink it is
 * given.
 */
import type { types as ms } from 'mediasoup';
import type { Logger } from '../logger';
import { InvalidStateError, NotFoundError } from '../errors';
import { EnhancedEventEmitter } from '../utils/EnhancedEventEmitter';
import type {
  MediaSource,
  PeerInfo,
  PeerRole,
  ServerEventName,
  ServerEvents,
} from '#protocol/signalling';

/** Delivers one protocol event to the peer's client. */
export type Notify = <E extends ServerEventName>(event: E, payload: ServerEvents[E]) => void;

/** PeerInfo as the server sees it: with the flag that keeps recorders out of every list. */
export type RoomPeerInfo = PeerInfo & { hidden: boolean; joinedAt: Date };

export type TransportDirection = 'send' | 'recv';

export interface TransportAppData extends ms.AppData {
  peerId: string;
  direction: TransportDirection;
  connected: boolean;
}

export interface ProducerAppData extends ms.AppData {
  peerId: string;
  source: MediaSource;
}

export interface ConsumerAppData extends ms.AppData {
  /** The peer that owns the consumed producer. */
  producerPeerId: string;
  source: MediaSource;
}

/** A browser's WebRtcTransport, or a PlainTransport fed by an RTP sender (synthetic participants). */
export type PeerTransport = ms.Transport<TransportAppData>;
export type PeerProducer = ms.Producer<ProducerAppData>;
export type PeerConsumer = ms.Consumer<ConsumerAppData>;

export interface PeerOptions {
  id: string;
  userId: string | null;
  displayName: string;
  role: PeerRole;
  hidden: boolean;
  notify: Notify;
  logger: Logger;
}

export interface PeerEvents {
  /** Closed, by itself (`'left'`) or because its room closed (`'room-closed'`). */
  close: [cause: 'left' | 'room-closed'];
  '@close': [];
  listenerError: [event: string, error: unknown];
}

/** A peer of a room; `close()` releases all of its media. */
export class Peer extends EnhancedEventEmitter<PeerEvents> {
  readonly id: string;
  readonly userId: string | null;
  readonly displayName: string;
  readonly role: PeerRole;
  readonly hidden: boolean;
  readonly joinedAt = new Date();
  readonly #notify: Notify;
  readonly #logger: Logger;
  readonly #transports = new Map<string, PeerTransport>();
  readonly #producers = new Map<string, PeerProducer>();
  readonly #consumers = new Map<string, PeerConsumer>();
  #closed = false;

  constructor({ id, userId, displayName, role, hidden, notify, logger }: PeerOptions) {
    super();
    this.id = id;
    this.userId = userId;
    this.displayName = displayName;
    this.role = role;
    this.hidden = hidden;
    this.#notify = notify;
    this.#logger = logger;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** What other peers are told about this one (never sent for hidden peers). */
  get info(): PeerInfo {
    return { peerId: this.id, userId: this.userId, displayName: this.displayName, role: this.role };
  }

  get roomInfo(): RoomPeerInfo {
    return { ...this.info, hidden: this.hidden, joinedAt: this.joinedAt };
  }

  get transports(): ReadonlyMap<string, PeerTransport> {
    return this.#transports;
  }

  get producers(): ReadonlyMap<string, PeerProducer> {
    return this.#producers;
  }

  get consumers(): ReadonlyMap<string, PeerConsumer> {
    return this.#consumers;
  }

  /** Sends an event to this peer's client; a closed peer or a failing sink drops it. */
  notify<E extends ServerEventName>(event: E, payload: ServerEvents[E]): void {
    if (this.#closed) return;
    try {
      this.#notify(event, payload);
    } catch (error) {
      this.#logger.warn({ err: error, event }, 'could not notify peer');
    }
  }

  addTransport(transport: PeerTransport): void {
    this.#adopt(transport);
    this.#transports.set(transport.id, transport);
    transport.observer.once('close', () => this.#transports.delete(transport.id));
  }

  addProducer(producer: PeerProducer): void {
    this.#adopt(producer);
    this.#producers.set(producer.id, producer);
    producer.observer.once('close', () => this.#producers.delete(producer.id));
  }

  addConsumer(consumer: PeerConsumer): void {
    this.#adopt(consumer);
    this.#consumers.set(consumer.id, consumer);
    consumer.observer.once('close', () => this.#consumers.delete(consumer.id));
  }

  getTransport(transportId: string): PeerTransport {
    const transport = this.#transports.get(transportId);
    if (!transport) throw new NotFoundError(`transport ${transportId} not found`);
    return transport;
  }

  getProducer(producerId: string): PeerProducer {
    const producer = this.#producers.get(producerId);
    if (!producer) throw new NotFoundError(`producer ${producerId} not found`);
    return producer;
  }

  getConsumer(consumerId: string): PeerConsumer {
    const consumer = this.#consumers.get(consumerId);
    if (!consumer) throw new NotFoundError(`consumer ${consumerId} not found`);
    return consumer;
  }

  /** Idempotent: closes all media and tells the room. */
  close(): void {
    if (this.#closed) return;
    this.#release();
    this.safeEmit('@close');
    this.safeEmit('close', 'left');
  }

  /** Called by the room while it closes: releases media without notifying the room back. */
  roomClosed(): void {
    if (this.#closed) return;
    this.#release();
    this.safeEmit('close', 'room-closed');
  }

  /** An object created for a peer that closed meanwhile must not outlive it. */
  #adopt(media: { close(): void }): void {
    if (this.#closed) {
      media.close();
      throw new InvalidStateError('peer has left the room');
    }
  }

  #release(): void {
    this.#closed = true;
    // Closing a transport closes its producers and consumers too.
    for (const transport of this.#transports.values()) transport.close();
    for (const producer of this.#producers.values()) producer.close();
    for (const consumer of this.#consumers.values()) consumer.close();
    this.#transports.clear();
    this.#producers.clear();
    this.#consumers.clear();
    this.#logger.debug('peer closed');
  }
}
