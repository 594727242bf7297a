/**
 * ActiveSpeaker against a stand-in ActiveSpeakerObserver: which producers it
 * observes, how it maps the worker's choice to a peer, and what it forgets.
 * The real observer runs in the synthetic active-speaker integration test.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { types as ms } from 'mediasoup';
import { createLogger } from '#server/logger';
import { ActiveSpeaker } from '#server/media/ActiveSpeaker';
import type { PeerProducer } from '#server/media/Peer';
import type { MediaSource } from '#protocol/signalling';

const logger = createLogger('silent', { pretty: false });

class FakeObserver extends EventEmitter {
  readonly added: string[] = [];
  closed = false;

  addProducer({ producerId }: { producerId: string }): Promise<void> {
    this.added.push(producerId);
    return Promise.resolve();
  }

  close(): void {
    this.closed = true;
  }

  /** What mediasoup emits when its worker names a new dominant producer. */
  dominant(producerId: string): void {
    this.emit('dominantspeaker', { producer: { id: producerId } });
  }
}

function fakeProducer(id: string, peerId: string, source: MediaSource) {
  const observer = new EventEmitter();
  const producer = {
    id,
    kind: source === 'mic' ? 'audio' : 'video',
    closed: false,
    appData: { peerId, source },
    observer,
    close() {
      producer.closed = true;
      observer.emit('close');
    },
  };
  return producer;
}

function speakerOn(observer: FakeObserver) {
  const speaker = new ActiveSpeaker(observer as unknown as ms.ActiveSpeakerObserver, logger);
  const changes: string[] = [];
  speaker.on('change', (peerId) => changes.push(peerId));
  return { speaker, changes };
}

const asPeerProducer = (p: ReturnType<typeof fakeProducer>) => p as unknown as PeerProducer;

describe('ActiveSpeaker', () => {
  it('observes mics only: cameras and screen shares are never added', () => {
    const observer = new FakeObserver();
    const { speaker } = speakerOn(observer);
    speaker.add(asPeerProducer(fakeProducer('mic-a', 'a', 'mic')));
    speaker.add(asPeerProducer(fakeProducer('cam-a', 'a', 'camera')));
    speaker.add(asPeerProducer(fakeProducer('screen-a', 'a', 'screen')));
    expect(observer.added).toEqual(['mic-a']);
  });

  it('names the peer of the dominant mic, once per change', () => {
    const observer = new FakeObserver();
    const { speaker, changes } = speakerOn(observer);
    speaker.add(asPeerProducer(fakeProducer('mic-a', 'a', 'mic')));
    speaker.add(asPeerProducer(fakeProducer('mic-b', 'b', 'mic')));
    expect(speaker.peerId).toBeNull();

    observer.dominant('mic-a');
    observer.dominant('mic-a');
    observer.dominant('mic-b');
    observer.dominant('unknown-producer');

    expect(changes).toEqual(['a', 'b']);
    expect(speaker.peerId).toBe('b');
  });

  it('forgets the speaker when their mic closes, so a joiner is never named a peer that left', () => {
    const observer = new FakeObserver();
    const { speaker, changes } = speakerOn(observer);
    const micA = fakeProducer('mic-a', 'a', 'mic');
    speaker.add(asPeerProducer(micA));
    speaker.add(asPeerProducer(fakeProducer('mic-b', 'b', 'mic')));
    observer.dominant('mic-a');

    micA.close();
    expect(speaker.peerId).toBeNull();
    // The worker's choice made before it heard of the close names nobody.
    observer.dominant('mic-a');
    expect(speaker.peerId).toBeNull();
    observer.dominant('mic-b');
    expect(changes).toEqual(['a', 'b']);
  });

  it('close() is idempotent, closes the observer and ignores what comes after', () => {
    const observer = new FakeObserver();
    const { speaker, changes } = speakerOn(observer);
    speaker.add(asPeerProducer(fakeProducer('mic-a', 'a', 'mic')));

    speaker.close();
    speaker.close();
    speaker.add(asPeerProducer(fakeProducer('mic-b', 'b', 'mic')));
    observer.dominant('mic-a');

    expect(observer.closed).toBe(true);
    expect(speaker.closed).toBe(true);
    expect(observer.added).toEqual(['mic-a']);
    expect(changes).toEqual([]);
    expect(speaker.peerId).toBeNull();
  });
});
