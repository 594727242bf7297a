/**
 * RoomClient against mediasoup-client's FakeHandler and a scripted
 * signalling channel: the consume/resume flow, producers and peers coming
 * and going, the recorder mode, and cleanup. No browser, no server.
 */
import { describe, expect, it } from 'vitest';
import { FakeHandler, testFakeParameters, type types as msc } from 'mediasoup-client';
import { RoomClient, type RoomClientEvents } from '../../src/RoomClient';
import { TypedEventEmitter } from '../../src/TypedEventEmitter';
import { SignallingError } from '../../src/errors';
import type { Signalling, SignallingEvents } from '../../src/SignallingChannel';
import type {
  PeerInfo,
  ProducerInfo,
  RequestName,
  RequestPayload,
  RequestResults,
} from '#protocol/signalling';

type Handler = (payload: unknown) => unknown;

/** A channel whose answers the test scripts; it records every request. */
class ScriptedSignalling extends TypedEventEmitter<SignallingEvents> implements Signalling {
  readonly requests: Array<{ name: RequestName; payload: unknown }> = [];
  /** Every producer the scripted server knows, present at join or announced later. */
  readonly producers = new Map<string, ProducerInfo>();
  readonly #handlers = new Map<RequestName, Handler>();
  readonly #holds = new Map<RequestName, Promise<void>>();
  closed = false;

  answer<N extends RequestName>(
    name: N,
    handler: (payload: RequestPayload<N>) => RequestResults[N] | Promise<RequestResults[N]>,
  ): this {
    this.#handlers.set(name, handler as Handler);
    return this;
  }

  /** Requests `name` wait for `until` before being answered. */
  hold(name: RequestName, until: Promise<void>): this {
    this.#holds.set(name, until);
    return this;
  }

  /** The server tells the client about a new producer. */
  announce(p: ProducerInfo): void {
    this.producers.set(p.producerId, p);
    this.safeEmit('new-producer', p);
  }

  connect(): Promise<void> {
    return Promise.resolve();
  }

  async request<N extends RequestName>(
    name: N,
    payload: RequestPayload<N>,
  ): Promise<RequestResults[N]> {
    this.requests.push({ name, payload });
    await this.#holds.get(name);
    const handler = this.#handlers.get(name);
    if (!handler) return {} as RequestResults[N];
    return (await handler(payload)) as RequestResults[N];
  }

  named(name: RequestName): unknown[] {
    return this.requests.filter((r) => r.name === name).map((r) => r.payload);
  }

  close(): void {
    this.closed = true;
  }
}

const self: PeerInfo = { peerId: 'me', userId: 'u-me', displayName: 'Me', role: 'student' };
const ada: PeerInfo = { peerId: 'p-ada', userId: 'u-ada', displayName: 'Ada', role: 'instructor' };
const bob: PeerInfo = { peerId: 'p-bob', userId: 'u-bob', displayName: 'Bob', role: 'student' };

function producer(
  peer: PeerInfo,
  kind: 'audio' | 'video',
  id: string,
  paused = false,
  source: ProducerInfo['source'] = kind === 'audio' ? 'mic' : 'camera',
): ProducerInfo {
  return { producerId: id, peerId: peer.peerId, kind, source, paused };
}

/** A server that knows these peers and producers and answers consume for any of them. */
function scriptedServer(
  peers: PeerInfo[],
  producers: ProducerInfo[],
  { activeSpeakerPeerId = null }: { activeSpeakerPeerId?: string | null } = {},
): ScriptedSignalling {
  let consumerCount = 0;
  const producedBySource = new Map<string, number>();
  const signalling = new ScriptedSignalling();
  for (const p of producers) signalling.producers.set(p.producerId, p);
  return signalling
    .answer('join', () => ({
      self,
      rtpCapabilities: testFakeParameters.generateRouterRtpCapabilities(),
      peers,
      producers,
      recording: null,
      activeSpeakerPeerId,
    }))
    .answer('createTransport', () => {
      const t = testFakeParameters.generateTransportRemoteParameters();
      return {
        id: t.id,
        iceParameters: t.iceParameters,
        iceCandidates: t.iceCandidates,
        dtlsParameters: t.dtlsParameters,
      };
    })
    .answer('consume', ({ producerId }) => {
      const p = signalling.producers.get(producerId);
      if (!p) throw new SignallingError('not_found', 'no such producer', 'consume');
      consumerCount += 1;
      const c = testFakeParameters.generateConsumerRemoteParameters({
        id: `c-${consumerCount}`,
        codecMimeType: p.kind === 'audio' ? 'audio/opus' : 'video/VP8',
      });
      return {
        consumerId: c.id,
        producerId,
        peerId: p.peerId,
        kind: p.kind,
        source: p.source,
        rtpParameters: c.rtpParameters,
        producerPaused: p.paused,
      };
    })
    .answer('produce', ({ source }) => {
      const count = (producedBySource.get(source) ?? 0) + 1;
      producedBySource.set(source, count);
      // The first producer of a source keeps a readable id; later ones (a share again) get a number.
      return { producerId: count === 1 ? `mine-${source}` : `mine-${source}-${count}` };
    });
}

function client(
  signalling: ScriptedSignalling,
  mode: 'participant' | 'recorder' = 'participant',
  handlerFactory: msc.HandlerFactory = FakeHandler.createFactory(testFakeParameters),
) {
  return new RoomClient({
    serverUrl: 'http://127.0.0.1:1',
    token: 't',
    roomId: 'room-1',
    mode,
    signalling,
    handlerFactory,
    logger: { debug() {}, info() {}, warn() {}, error() {} },
  });
}

/** FakeHandler, recording the options of every track it is asked to receive (the streamId among them). */
function recordingHandlerFactory() {
  const received: msc.HandlerReceiveOptions[] = [];
  const base = FakeHandler.createFactory(testFakeParameters);
  const factory: msc.HandlerFactory = {
    ...base,
    factory: (options) => {
      const handler = base.factory(options);
      const receive = handler.receive.bind(handler);
      handler.receive = (list) => {
        received.push(...list);
        return receive(list);
      };
      return handler;
    },
  };
  return { factory, received };
}

function record<K extends keyof RoomClientEvents>(c: RoomClient, ...names: K[]) {
  const log: Array<{ event: K; payload: RoomClientEvents[K] }> = [];
  for (const event of names) c.on(event, (payload) => log.push({ event, payload }));
  return log;
}

function next<K extends keyof RoomClientEvents>(
  c: RoomClient,
  event: K,
): Promise<RoomClientEvents[K]> {
  return new Promise((resolve) => c.once(event, resolve));
}

/** A stand-in for a browser MediaStreamTrack, enough for mediasoup-client's Producer. */
class FakeTrack extends EventTarget {
  readonly id = Math.random().toString(36).slice(2);
  enabled = true;
  contentHint = '';
  readyState: 'live' | 'ended' = 'live';
  constructor(readonly kind: 'audio' | 'video') {
    super();
  }
  stop(): void {
    this.readyState = 'ended';
  }
}

function fakeStream(): MediaStream {
  const video = new FakeTrack('video');
  const audio = new FakeTrack('audio');
  return {
    getVideoTracks: () => [video],
    getAudioTracks: () => [audio],
  } as unknown as MediaStream;
}

describe('RoomClient', () => {
  it('join() announces the peers present, consumes each producer, resumes each consumer, then emits its track', async () => {
    const signalling = scriptedServer(
      [ada],
      [producer(ada, 'audio', 'a1'), producer(ada, 'video', 'v1', true)],
    );
    const c = client(signalling);
    const log = record(c, 'peer-joined', 'track');

    const result = await c.join();

    expect(result.self).toEqual(self);
    expect(result.peers).toEqual([ada]);
    expect(log[0]).toEqual({ event: 'peer-joined', payload: ada });
    const tracks = log
      .filter((e) => e.event === 'track')
      .map((e) => e.payload as RoomClientEvents['track']);
    expect(tracks.map((t) => [t.producerId, t.kind, t.source, t.paused]).sort()).toEqual([
      ['a1', 'audio', 'mic', false],
      ['v1', 'video', 'camera', true],
    ]);
    expect(signalling.named('resumeConsumer')).toHaveLength(2);
    expect(signalling.named('createTransport')).toEqual([
      { direction: 'recv' },
      { direction: 'send' },
    ]);
    expect(c.peers.get(ada.peerId)).toEqual(ada);
    c.close();
  });

  it('a producer announced later is consumed; producer-closed ends its track and forgets its consumer', async () => {
    const signalling = scriptedServer([ada], []);
    const c = client(signalling);
    await c.join();

    const track = next(c, 'track');
    signalling.announce(producer(ada, 'video', 'v-late'));
    expect((await track).producerId).toBe('v-late');
    expect(c.tracks).toHaveLength(1);

    const ended = next(c, 'track-ended');
    signalling.safeEmit('producer-closed', { producerId: 'v-late', peerId: ada.peerId });
    expect(await ended).toMatchObject({ producerId: 'v-late', peerId: ada.peerId, kind: 'video' });
    expect(c.tracks).toHaveLength(0);
    c.close();
  });

  it('a producer closed while its consume is in flight is never announced and not resumed', async () => {
    let release!: () => void;
    const signalling = scriptedServer([ada], []).hold(
      'consume',
      new Promise<void>((resolve) => (release = resolve)),
    );
    const c = client(signalling);
    await c.join();
    const log = record(c, 'track', 'track-ended');

    signalling.announce(producer(ada, 'audio', 'a-gone'));
    signalling.safeEmit('producer-closed', { producerId: 'a-gone', peerId: ada.peerId });
    // Consumers are created in order: once the next one is announced, the first is settled.
    const nextTrack = next(c, 'track');
    signalling.announce(producer(ada, 'video', 'v-next'));
    release();
    await nextTrack;

    expect(log.map((e) => [e.event, e.payload.producerId])).toEqual([['track', 'v-next']]);
    expect(signalling.named('resumeConsumer')).toHaveLength(1);
    expect(c.tracks.map((t) => t.producerId)).toEqual(['v-next']);
    c.close();
  });

  it('peer-left ends that peer’s tracks before announcing the departure, and leaves the others alone', async () => {
    const signalling = scriptedServer(
      [ada, bob],
      [producer(ada, 'audio', 'a1'), producer(ada, 'video', 'v1'), producer(bob, 'video', 'v2')],
    );
    const c = client(signalling);
    await c.join();
    const log = record(c, 'track-ended', 'peer-left');

    signalling.safeEmit('peer-left', { peerId: ada.peerId });

    expect(log.map((e) => e.event)).toEqual(['track-ended', 'track-ended', 'peer-left']);
    expect(c.peers.has(ada.peerId)).toBe(false);
    expect(c.tracks.map((t) => t.producerId)).toEqual(['v2']);
    c.close();
  });

  it('producer-paused and producer-resumed reach the track’s listeners', async () => {
    const signalling = scriptedServer([ada], [producer(ada, 'video', 'v1')]);
    const c = client(signalling);
    await c.join();
    const log = record(c, 'track-paused', 'track-resumed');

    signalling.safeEmit('producer-paused', { producerId: 'v1', peerId: ada.peerId });
    signalling.safeEmit('producer-paused', { producerId: 'v1', peerId: ada.peerId });
    signalling.safeEmit('producer-resumed', { producerId: 'v1', peerId: ada.peerId });

    expect(log).toEqual([
      {
        event: 'track-paused',
        payload: { peerId: ada.peerId, producerId: 'v1', kind: 'video', source: 'camera' },
      },
      {
        event: 'track-resumed',
        payload: { peerId: ada.peerId, producerId: 'v1', kind: 'video', source: 'camera' },
      },
    ]);
    expect(c.tracks[0]?.paused).toBe(false);
    c.close();
  });

  it('publish() sends the camera as VP8 and the mic; muting pauses the producer on the server', async () => {
    const signalling = scriptedServer([], []);
    const c = client(signalling);
    await c.join();
    await c.setCameraEnabled(false); // before publish: applied once the producer exists

    await c.publish(fakeStream());

    const produced = signalling.named('produce') as Array<RequestPayload<'produce'>>;
    expect(produced.map((p) => [p.kind, p.source])).toEqual([
      ['video', 'camera'],
      ['audio', 'mic'],
    ]);
    expect(String(produced[0]?.rtpParameters.codecs[0]?.mimeType).toLowerCase()).toBe('video/vp8');
    expect(signalling.named('pauseProducer')).toEqual([{ producerId: 'mine-camera' }]);

    await c.setMicEnabled(false);
    await c.setMicEnabled(true);
    expect(signalling.named('pauseProducer')).toContainEqual({ producerId: 'mine-mic' });
    expect(signalling.named('resumeProducer')).toEqual([{ producerId: 'mine-mic' }]);
    c.close();
  });

  it('in recorder mode it only receives: no send transport, publish and mute refused', async () => {
    const signalling = scriptedServer([ada], [producer(ada, 'video', 'v1')]);
    const c = client(signalling, 'recorder');
    const track = next(c, 'track');
    await c.join();
    await track;

    expect(signalling.named('createTransport')).toEqual([{ direction: 'recv' }]);
    await expect(c.publish(fakeStream())).rejects.toThrow(/recorder/);
    await expect(c.setMicEnabled(false)).rejects.toThrow(/recorder/);
    expect(signalling.named('produce')).toHaveLength(0);
    c.close();
  });

  it('follows the room’s recording state from the join result and the recording events', async () => {
    const signalling = scriptedServer([], []);
    const c = client(signalling);
    await c.join();
    const started = {
      recordingId: 'r1',
      title: 'T',
      startedBy: 'u',
      timestamp: 'now',
      layout: 'auto' as const,
    };

    signalling.safeEmit('recording-started', started);
    expect(c.recording).toEqual(started);
    signalling.safeEmit('recording-stopped', {
      recordingId: 'r1',
      duration: 3,
      fileSize: 9,
      timestamp: 'later',
    });
    expect(c.recording).toBeNull();
    c.close();
  });

  it('a lost connection closes the client and emits disconnected once; close() is idempotent', async () => {
    const signalling = scriptedServer([ada], [producer(ada, 'video', 'v1')]);
    const c = client(signalling);
    await c.join();
    const log = record(c, 'disconnected', 'track-ended');

    signalling.safeEmit('disconnected', { reason: 'transport close' });
    signalling.safeEmit('disconnected', { reason: 'again' });
    c.close();
    await c.leave();

    expect(log).toEqual([{ event: 'disconnected', payload: { reason: 'transport close' } }]);
    expect(c.closed).toBe(true);
    expect(signalling.closed).toBe(true);
    expect(c.tracks).toHaveLength(0);
    expect(c.peers.size).toBe(0);
  });

  it('a refused join closes the client and rejects with the server’s error', async () => {
    const signalling = scriptedServer([], []).answer('join', () => {
      throw new SignallingError('forbidden', 'not allowed here', 'join');
    });
    const c = client(signalling);

    await expect(c.join()).rejects.toMatchObject({ code: 'forbidden' });
    expect(c.closed).toBe(true);
    expect(signalling.closed).toBe(true);
    await expect(c.join()).rejects.toThrow(/join\(\) called when closed/);
  });

  it('shareScreen() sends the track as a VP8 screen producer; a second share is refused; stopScreenShare() closes it here and on the server, once', async () => {
    const signalling = scriptedServer([], []);
    const c = client(signalling);
    await c.join();
    const track = new FakeTrack('video');

    await c.shareScreen(track as unknown as MediaStreamTrack);

    expect(c.screenSharing).toBe(true);
    const produced = signalling.named('produce') as Array<RequestPayload<'produce'>>;
    expect(produced.map((p) => [p.kind, p.source])).toEqual([['video', 'screen']]);
    expect(String(produced[0]?.rtpParameters.codecs[0]?.mimeType).toLowerCase()).toBe('video/vp8');
    expect(track.contentHint).toBe('detail');
    const refused = new FakeTrack('video');
    await expect(c.shareScreen(refused as unknown as MediaStreamTrack)).rejects.toMatchObject({
      name: 'InvalidStateError',
      message: /already sharing/,
    });
    // A refused capture is ended; the share under way keeps its own, even when passed again.
    expect(refused.readyState).toBe('ended');
    await expect(c.shareScreen(track as unknown as MediaStreamTrack)).rejects.toThrow(
      /already sharing/,
    );
    expect(track.readyState).toBe('live');
    expect(c.screenSharing).toBe(true);
    expect(signalling.named('produce')).toHaveLength(1);

    const log = record(c, 'screen-share-ended');
    await c.stopScreenShare();
    await c.stopScreenShare();

    expect(c.screenSharing).toBe(false);
    expect(signalling.named('closeProducer')).toEqual([{ producerId: 'mine-screen' }]);
    // The client owns the track once shared: stopping the share ends the capture.
    expect(track.readyState).toBe('ended');
    // Only a share that ended by itself is announced: the caller knows about its own stop.
    expect(log).toEqual([]);
    c.close();
  });

  it('shareScreen() before join, in recorder mode, with an audio track or refused by the server fails and ends the capture', async () => {
    const early = client(scriptedServer([], []));
    const earlyTrack = new FakeTrack('video');
    await expect(
      early.shareScreen(earlyTrack as unknown as MediaStreamTrack),
    ).rejects.toMatchObject({ name: 'InvalidStateError' });
    expect(earlyTrack.readyState).toBe('ended');
    early.close();

    const recorderSignalling = scriptedServer([], []);
    const recorder = client(recorderSignalling, 'recorder');
    await recorder.join();
    await expect(
      recorder.shareScreen(new FakeTrack('video') as unknown as MediaStreamTrack),
    ).rejects.toThrow(/recorder/);
    expect(recorderSignalling.named('produce')).toHaveLength(0);
    recorder.close();

    const signalling = scriptedServer([], []);
    const c = client(signalling);
    await c.join();
    await expect(
      c.shareScreen(new FakeTrack('audio') as unknown as MediaStreamTrack),
    ).rejects.toThrow(/video/);
    expect(c.screenSharing).toBe(false);
    expect(signalling.named('produce')).toHaveLength(0);

    signalling.answer('produce', () => {
      throw new SignallingError('conflict', 'this peer already has a screen producer', 'produce');
    });
    const conflicted = new FakeTrack('video');
    await expect(c.shareScreen(conflicted as unknown as MediaStreamTrack)).rejects.toMatchObject({
      code: 'conflict',
    });
    expect(conflicted.readyState).toBe('ended');
    expect(c.screenSharing).toBe(false);
    c.close();
  });

  it('a screen track that ends by itself (the browser’s Stop sharing) closes the producer, tells the server and emits screen-share-ended; sharing again works', async () => {
    const signalling = scriptedServer([], []);
    const c = client(signalling);
    await c.join();
    const track = new FakeTrack('video');
    await c.shareScreen(track as unknown as MediaStreamTrack);
    const ended = next(c, 'screen-share-ended');

    track.stop();
    track.dispatchEvent(new Event('ended'));

    expect(await ended).toEqual({ producerId: 'mine-screen' });
    expect(c.screenSharing).toBe(false);
    expect(signalling.named('closeProducer')).toEqual([{ producerId: 'mine-screen' }]);
    await c.stopScreenShare(); // nothing left to stop
    expect(signalling.named('closeProducer')).toHaveLength(1);

    await c.shareScreen(new FakeTrack('video') as unknown as MediaStreamTrack);
    expect(c.screenSharing).toBe(true);
    expect(signalling.named('produce')).toHaveLength(2);
    c.close();
  });

  it('a stop asked while the share is starting stops what the start made', async () => {
    let release!: () => void;
    const signalling = scriptedServer([], []).hold(
      'produce',
      new Promise<void>((resolve) => (release = resolve)),
    );
    const c = client(signalling);
    await c.join();

    const sharing = c.shareScreen(new FakeTrack('video') as unknown as MediaStreamTrack);
    const stopping = c.stopScreenShare();
    release();
    await Promise.all([sharing, stopping]);

    expect(c.screenSharing).toBe(false);
    expect(signalling.named('closeProducer')).toEqual([{ producerId: 'mine-screen' }]);
    c.close();
  });

  it('a remote screen share arrives as a track with source screen, in its own stream apart from the peer’s camera and mic', async () => {
    const signalling = scriptedServer(
      [ada],
      [
        producer(ada, 'audio', 'a1'),
        producer(ada, 'video', 'v1'),
        producer(ada, 'video', 's1', false, 'screen'),
      ],
    );
    const handler = recordingHandlerFactory();
    const c = client(signalling, 'participant', handler.factory);
    const log = record(c, 'track', 'track-ended');
    await c.join();

    const tracks = log.map((e) => e.payload as RoomClientEvents['track']);
    expect(tracks.map((t) => [t.producerId, t.kind, t.source]).sort()).toEqual([
      ['a1', 'audio', 'mic'],
      ['s1', 'video', 'screen'],
      ['v1', 'video', 'camera'],
    ]);
    const streamOf = new Map(
      tracks.map((t) => [
        t.source,
        handler.received.find((r) => r.trackId === t.consumerId)?.streamId,
      ]),
    );
    expect(Object.fromEntries(streamOf)).toEqual({
      mic: `${ada.peerId}-stream`,
      camera: `${ada.peerId}-stream`,
      screen: `${ada.peerId}-screen`,
    });

    signalling.safeEmit('producer-closed', { producerId: 's1', peerId: ada.peerId });
    expect(log.at(-1)).toMatchObject({
      event: 'track-ended',
      payload: { producerId: 's1', source: 'screen' },
    });
    c.close();
  });

  it('setReceiving() pauses a track here and on the server, resumes it, and ignores repeats and unknown tracks', async () => {
    const signalling = scriptedServer([ada], [producer(ada, 'video', 'v1')]);
    const c = client(signalling, 'recorder');
    await c.join();
    const consumerId = c.tracks[0]!.consumerId;
    const resumedAtJoin = signalling.named('resumeConsumer').length;

    await c.setReceiving('v1', false);
    await c.setReceiving('v1', false);
    expect(signalling.named('pauseConsumer')).toEqual([{ consumerId }]);
    await c.setReceiving('v1', true);
    expect(signalling.named('resumeConsumer')).toHaveLength(resumedAtJoin + 1);
    await c.setReceiving('nobody', false);
    expect(signalling.named('pauseConsumer')).toHaveLength(1);
    c.close();
  });

  it('follows the dominant speaker: from the join answer, then active-speaker events (repeats dropped); nobody once they left', async () => {
    const signalling = scriptedServer([ada, bob], [], { activeSpeakerPeerId: ada.peerId });
    const c = client(signalling);
    const log = record(c, 'active-speaker');

    const joined = await c.join();

    expect(joined.activeSpeakerPeerId).toBe(ada.peerId);
    expect(c.activeSpeakerPeerId).toBe(ada.peerId);
    signalling.safeEmit('active-speaker', { peerId: ada.peerId });
    signalling.safeEmit('active-speaker', { peerId: bob.peerId });
    signalling.safeEmit('active-speaker', { peerId: self.peerId });
    expect(log.map((e) => e.payload)).toEqual([{ peerId: bob.peerId }, { peerId: self.peerId }]);
    expect(c.activeSpeakerPeerId).toBe(self.peerId);

    signalling.safeEmit('active-speaker', { peerId: bob.peerId });
    signalling.safeEmit('peer-left', { peerId: bob.peerId });
    expect(c.activeSpeakerPeerId).toBeNull();
    c.close();
  });

  it('an active-speaker event that beats the join answer wins over it', async () => {
    const signalling = scriptedServer([ada, bob], []);
    signalling.answer('join', () => {
      // The server's event, sent while the answer was on its way.
      signalling.safeEmit('active-speaker', { peerId: bob.peerId });
      return {
        self,
        rtpCapabilities: testFakeParameters.generateRouterRtpCapabilities(),
        peers: [ada, bob],
        producers: [],
        recording: null,
        activeSpeakerPeerId: ada.peerId,
      };
    });
    const c = client(signalling);

    const joined = await c.join();

    expect(joined.activeSpeakerPeerId).toBe(bob.peerId);
    expect(c.activeSpeakerPeerId).toBe(bob.peerId);
    c.close();
  });

  it('a listener that throws does not stop the others', async () => {
    const signalling = scriptedServer([ada], []);
    const errors: unknown[] = [];
    const c = new RoomClient({
      serverUrl: 'http://127.0.0.1:1',
      token: 't',
      roomId: 'room-1',
      mode: 'participant',
      signalling,
      handlerFactory: FakeHandler.createFactory(testFakeParameters),
      logger: { debug() {}, info() {}, warn() {}, error: (_m, e) => errors.push(e) },
    });
    const seen: string[] = [];
    c.on('peer-joined', () => {
      throw new Error('bad listener');
    });
    c.on('peer-joined', (p) => seen.push(p.peerId));
    await c.join();
    expect(seen).toEqual([ada.peerId]);
    expect(errors).toHaveLength(1);
    c.close();
  });
});
