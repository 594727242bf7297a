/**
 * Who speaks in a room: one mediasoup ActiveSpeakerObserver on the room's
 * router, fed with every mic producer (browsers' and synthetic
 * participants' alike). It remembers the dominant speaker for joiners and
 * emits each change. It forgets the speaker when that mic closes, so a joiner
 * is never named a peer that is gone; mediasoup itself then picks the next
 * one from the mics left.
 */
import type { types as ms } from 'mediasoup';
import type { Logger } from '../logger';
import { EnhancedEventEmitter } from '../utils/EnhancedEventEmitter';
import type { PeerProducer } from './Peer';

/**
 * How often mediasoup re-decides, in ms: a tile ring that moves at most ~3
 * times a second follows a conversation without flickering on every breath.
 */
export const ACTIVE_SPEAKER_INTERVAL_MS = 300;

export interface ActiveSpeakerOptions {
  router: ms.Router;
  logger: Logger;
  interval?: number;
}

export interface ActiveSpeakerEvents {
  /** A new dominant speaker: never the same peer twice in a row. */
  change: [peerId: string];
  listenerError: [event: string, error: unknown];
}

/** The dominant speaker of one router; closed with its room (or with the router). */
export class ActiveSpeaker extends EnhancedEventEmitter<ActiveSpeakerEvents> {
  readonly #observer: ms.ActiveSpeakerObserver;
  readonly #logger: Logger;
  /** Observed mic producers → the peer that owns each. */
  readonly #peerByProducer = new Map<string, string>();
  #producerId: string | null = null;
  #peerId: string | null = null;
  #closed = false;

  /** Creates the observer on the router (mediasoup answers asynchronously). */
  static async create({
    router,
    logger,
    interval = ACTIVE_SPEAKER_INTERVAL_MS,
  }: ActiveSpeakerOptions): Promise<ActiveSpeaker> {
    const observer = await router.createActiveSpeakerObserver({ interval });
    return new ActiveSpeaker(observer, logger);
  }

  constructor(observer: ms.ActiveSpeakerObserver, logger: Logger) {
    super();
    this.#observer = observer;
    this.#logger = logger;
    observer.on('dominantspeaker', ({ producer }) => this.#onDominant(producer.id));
  }

  get closed(): boolean {
    return this.#closed || this.#observer.closed;
  }

  /** The current dominant speaker's peer id, or null before anyone spoke or once their mic closed. */
  get peerId(): string | null {
    return this.#peerId;
  }

  /** Observes a mic producer until it closes; any other producer is ignored. */
  add(producer: PeerProducer): void {
    if (this.closed || producer.closed) return;
    if (producer.kind !== 'audio' || producer.appData.source !== 'mic') return;
    const producerId = producer.id;
    this.#peerByProducer.set(producerId, producer.appData.peerId);
    // mediasoup drops a closed producer from its observers by itself; this only keeps our map true.
    producer.observer.once('close', () => {
      this.#peerByProducer.delete(producerId);
      if (this.#producerId === producerId) {
        this.#producerId = null;
        this.#peerId = null;
      }
    });
    this.#observer.addProducer({ producerId }).catch((error: unknown) => {
      // A producer closed meanwhile, or the router with it, is no failure.
      if (this.closed || producer.closed) return;
      this.#logger.warn({ err: error, producerId }, 'could not observe a mic for active speaker');
    });
  }

  /** Idempotent; never throws. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#peerByProducer.clear();
    this.#producerId = null;
    this.#peerId = null;
    this.#observer.close();
  }

  #onDominant(producerId: string): void {
    const peerId = this.#peerByProducer.get(producerId);
    // A producer that closed since the worker decided: the next event names someone present.
    if (this.#closed || peerId === undefined) return;
    this.#producerId = producerId;
    if (peerId === this.#peerId) return;
    this.#peerId = peerId;
    this.#logger.debug({ peerId }, 'dominant speaker');
    this.safeEmit('change', peerId);
  }
}
