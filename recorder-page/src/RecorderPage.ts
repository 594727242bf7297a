/**
 * The recorder page's life: join the room as the hidden recorder, follow its
 * participants into the compositor (pictures) and the mixer (sound), record
 * canvas + mix with MediaRecorder, upload each slice in order, and stop on
 * the bot's request. Implements the contract's {@link RecorderPageApi}.
 */
import {
  RoomClient,
  type RemoteTrack,
  type RemoteTrackRef,
  type TrackStateEvent,
} from '../../room-client/src/RoomClient';
import { AudioMixer } from './AudioMixer';
import {
  emptyCompositorStats,
  trackGeneratorConstructor,
  trackProcessorConstructor,
  type Compositor,
} from './Compositor';
import type { FirstFrameInfo, SceneSpec } from './CompositorEngine';
import { arrangeScene } from './sceneLayout';
import type {
  RecorderPageApi,
  RecorderParams,
  RecorderSignal,
  RecorderState,
  RecorderStats,
  RecorderStopResult,
} from '#protocol/recorderPage';
import type { RecordingLayout } from '#protocol/layout';
import { MainThreadCompositor } from './MainThreadCompositor';
import { SpeakerSelector } from './SpeakerSelector';
import { SliceRecorder, webmMimeType } from './SliceRecorder';
import { SliceUploader } from './SliceUploader';
import { TileBook } from './TileBook';
import { WorkerCompositor } from './WorkerCompositor';

export interface RecorderPageOptions {
  canvas: HTMLCanvasElement;
  /** URL of the compositor worker bundle. */
  workerUrl: URL;
  /** Writes a signal for the bot (a console line). */
  signal: (signal: RecorderSignal) => void;
  /** Shows the visible error element. */
  showError: (message: string) => void;
  log: (message: string) => void;
}

const STATS_LOG_MS = 10_000;
/** The first slice leaves after this many ms of media (a few frames), the rest every `sliceMs`. */
const FIRST_SLICE_MS = 100;

/** One recording, from join to the last uploaded slice (`begin()` is the entry's: main.ts). */
export class RecorderPage implements Omit<RecorderPageApi, 'begin'> {
  readonly #options: RecorderPageOptions;
  readonly #tiles = new TileBook();
  #state: RecorderState = 'loading';
  #lastError: string | null = null;
  #room: RoomClient | undefined;
  #compositor: Compositor | undefined;
  #mixer: AudioMixer | undefined;
  #recorder: SliceRecorder | undefined;
  #uploader: SliceUploader<Blob> | undefined;
  #stopping: Promise<RecorderStopResult> | undefined;
  #shownTiles: unknown = null;
  #layout: RecordingLayout = 'auto';
  #size = { width: 0, height: 0 };
  /** Videos whose consumer this page paused (their tiles are not shown). */
  readonly #notReceiving = new Set<string>();
  #recordingId: string | undefined;
  /** The room's dominant speaker, held steady for the layout. */
  readonly #speakers = new SpeakerSelector({ onChange: () => this.#pushScene(true) });
  #statsTimer: ReturnType<typeof setInterval> | undefined;

  constructor(options: RecorderPageOptions) {
    this.#options = options;
  }

  get state(): RecorderState {
    return this.#state;
  }

  stats(): RecorderStats {
    const compositor = this.#compositor?.stats() ?? emptyCompositorStats;
    const upload = this.#uploader?.stats();
    return {
      state: this.#state,
      tiles: this.#tiles.tiles().length,
      framesDrawn: compositor.framesDrawn,
      framesPerSecond: compositor.framesPerSecond,
      droppedFrames: compositor.droppedFrames,
      drawMsAvg: compositor.drawMsAvg,
      slicesSent: upload?.slicesSent ?? 0,
      bytesSent: upload?.bytesSent ?? 0,
      lastSliceSeq: upload?.lastSeq ?? -1,
      pendingSlices: upload?.pending ?? 0,
      audioTracks: this.#mixer?.trackCount ?? 0,
      uptimeMs: Math.round(performance.now()),
      lastError: this.#lastError,
      layout: this.#layout,
      drawnLayout: compositor.layout,
      activeSpeakerPeerId: this.#speakers.current,
      hiddenTiles: compositor.hiddenTiles,
    };
  }

  #newMixer(): AudioMixer {
    return new AudioMixer({ onError: (message) => this.#warn(message) });
  }

  /**
   * On a warm page, before any recording: sets up what needs no parameters
   * (the audio graph: creating and resuming an AudioContext costs tens of
   * milliseconds of the main thread), so that a start only joins and records.
   */
  warmUp(): void {
    if (this.#mixer) return;
    this.#mixer = this.#newMixer();
    void this.#mixer.resume().catch(() => undefined);
  }

  /** Joins and starts recording; failures end in the `error` state, never a rejection. */
  async run(params: RecorderParams): Promise<void> {
    try {
      await this.#run(params);
    } catch (error) {
      this.fail(`cannot start recording: ${describe(error)}`);
    }
  }

  /** A fatal failure: state `error`, the visible element, an `error` signal. */
  fail(message: string): void {
    this.#lastError = message;
    this.#options.log(`fatal: ${message}`);
    if (this.#state !== 'ended') this.#state = 'error';
    this.#options.showError(message);
    this.#options.signal({ type: 'error', message, fatal: true });
  }

  /** See {@link RecorderPageApi.setLayout}. */
  setLayout(layout: RecordingLayout): void {
    if (layout === this.#layout) return;
    this.#options.log(`layout: ${layout}`);
    this.#layout = layout;
    this.#pushScene(true);
  }

  /** See {@link RecorderPageApi.stop}. */
  stop(): Promise<RecorderStopResult> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #run(params: RecorderParams): Promise<void> {
    const { canvas, workerUrl, log } = this.#options;
    const mimeType = webmMimeType(params.videoCodec);
    if (typeof MediaRecorder === 'undefined' || !MediaRecorder.isTypeSupported(mimeType)) {
      throw new Error(`this browser cannot record ${mimeType}`);
    }

    this.#state = 'joining';
    this.#layout = params.layout;
    this.#size = { width: params.width, height: params.height };
    this.#recordingId = params.recordingId;
    const room = new RoomClient({
      serverUrl: params.server,
      token: params.token,
      roomId: params.roomId,
      mode: 'recorder',
    });
    this.#room = room;
    this.#follow(room);
    // Joining (the network) runs while the compositor and the mixer are set up (local work).
    const joining = room.join();
    const onError = (message: string, fatal: boolean) =>
      fatal ? this.fail(message) : this.#warn(message);
    const onFirstFrame = ({ tiles, videoTiles }: FirstFrameInfo) =>
      this.#options.signal({ type: 'first-frame', tiles, videoTiles });
    const TrackProcessor = trackProcessorConstructor();
    const common = {
      canvas,
      width: params.width,
      height: params.height,
      fps: params.fps,
      onFirstFrame,
      onError,
    };
    this.#compositor =
      TrackProcessor && 'transferControlToOffscreen' in canvas
        ? new WorkerCompositor({
            ...common,
            workerUrl,
            TrackProcessor,
            TrackGenerator: trackGeneratorConstructor(),
          })
        : new MainThreadCompositor(common);
    log(`compositor: ${this.#compositor.mode}, ${params.width}x${params.height}@${params.fps}`);
    this.#mixer ??= this.#newMixer();

    await joining;
    if (this.#stopping) return;
    log(`joined room ${params.roomId}: ${this.#tiles.participantCount} participant(s)`);
    if (room.activeSpeakerPeerId !== null) this.#speakers.dominant(room.activeSpeakerPeerId);

    await this.#mixer.resume();
    const stream = new MediaStream([this.#compositor.videoTrack, this.#mixer.track]);

    let recorderStartedAt = performance.now();
    const uploader = new SliceUploader<Blob>({
      server: params.server,
      recordingId: params.recordingId,
      token: params.token,
      // The bytes, not the Blob: Chromium's browser process keeps every
      // Blob uploaded as a fetch body (measured: its memory grew by the
      // recording's bitrate, 20 MB a minute, until it spilled 700 MB at
      // once; garbage collection did not help), an ArrayBuffer it does not.
      fetch: async (url, init) =>
        fetch(url, {
          ...init,
          body: init.body instanceof Blob ? await init.body.arrayBuffer() : init.body,
        }),
      // Uploads begin after the recorder started (below), so the time is always set.
      elapsedMs: () => performance.now() - recorderStartedAt,
      onUploaded: (seq, bytes) => {
        if (seq === 0) this.#options.signal({ type: 'first-slice', bytes });
      },
      onRetry: (seq, reason, attempt) =>
        this.#warn(`slice ${seq}: upload attempt ${attempt} failed (${reason}); retrying`, false),
      onFatal: (error) => {
        this.fail(error.message);
        // Nothing more can reach the server: stop producing slices.
        this.#recorder?.stop().catch(() => {});
      },
    });
    this.#uploader = uploader;
    this.#recorder = new SliceRecorder({
      stream,
      videoCodec: params.videoCodec,
      videoBitsPerSecond: params.videoBitrate,
      audioBitsPerSecond: params.audioBitrate,
      sliceMs: params.sliceMs,
      firstSliceMs: FIRST_SLICE_MS,
      onSlice: (slice) => {
        if (!uploader.closed && !uploader.fatalError) uploader.enqueue(slice);
      },
      onError: (message) => this.fail(message),
    });

    // Same task: the compositor's first tick, and so `first-frame`, comes after `ready`.
    this.#compositor.start();
    this.#recorder.start();
    recorderStartedAt = performance.now();
    this.#updateState();
    this.#options.signal({ type: 'ready', mimeType: this.#recorder.mimeType });
    log(`recording ${mimeType} in ${params.sliceMs} ms slices`);
    // A periodic line for the bot's logs: how the recording went, after the fact.
    this.#statsTimer = setInterval(
      () => log(`stats ${JSON.stringify(this.stats())}`),
      STATS_LOG_MS,
    );
  }

  #follow(room: RoomClient): void {
    room.on('peer-joined', (peer) => {
      if (this.#tiles.addPeer(peer)) this.#pushScene();
    });
    room.on('peer-left', ({ peerId }) => {
      this.#speakers.remove(peerId);
      if (this.#tiles.removePeer(peerId)) this.#pushScene();
    });
    room.on('active-speaker', ({ peerId }) => this.#speakers.dominant(peerId));
    room.on('recording-layout', ({ recordingId, layout }) => {
      if (recordingId === this.#recordingId) this.setLayout(layout);
    });
    room.on('track', (track: RemoteTrack) => this.#addTrack(track));
    room.on('track-ended', (ref: RemoteTrackRef) => {
      if (ref.kind === 'audio') {
        this.#mixer?.removeTrack(ref.producerId);
        if (this.#tiles.setMicMuted(ref.peerId, true)) this.#pushScene();
        return;
      }
      this.#compositor?.removeVideo(ref.producerId);
      this.#notReceiving.delete(ref.producerId);
      if (this.#tiles.removeVideo(ref.producerId)) this.#pushScene();
    });
    const onPause = (paused: boolean) => (event: TrackStateEvent) => {
      const changed =
        event.kind === 'video'
          ? this.#tiles.setPaused(event.producerId, paused)
          : this.#tiles.setMicMuted(event.peerId, paused);
      if (changed) this.#pushScene();
    };
    room.on('track-paused', onPause(true));
    room.on('track-resumed', onPause(false));
    room.on('room-closed', ({ reason }) => this.fail(`the room was closed: ${reason}`));
    room.on('disconnected', ({ reason }) => {
      if (!this.#stopping) this.fail(`disconnected from the room: ${reason}`);
    });
    room.on('error', (error) => this.#warn(error.message));
  }

  #addTrack({ peerId, producerId, kind, source, track, paused }: RemoteTrack): void {
    if (kind === 'audio') {
      this.#mixer?.addTrack(producerId, track);
      if (this.#tiles.setMicMuted(peerId, paused)) this.#pushScene();
      return;
    }
    this.#compositor?.addVideo(producerId, track);
    this.#tiles.addVideo({ peerId, videoId: producerId, source, paused });
    this.#pushScene();
  }

  /** Gives the compositor the scene: when the tiles changed, or always with `force` (layout, speaker). */
  #pushScene(force = false): void {
    const tiles = this.#tiles.tiles();
    if (tiles === this.#shownTiles && !force) return;
    this.#shownTiles = tiles;
    const scene = { tiles, layout: this.#layout, activeSpeakerPeerId: this.#speakers.current };
    this.#compositor?.setScene(scene);
    this.#receiveShownOnly(scene);
    this.#updateState();
  }

  /**
   * Receives only the videos the layout shows: a tile left out (a speaker
   * strip's overflow) has its consumer paused on the server, so it costs no
   * decoding; it is received again (from a keyframe) once shown.
   */
  #receiveShownOnly({ tiles, layout, activeSpeakerPeerId }: SceneSpec): void {
    const room = this.#room;
    const { width, height } = this.#size;
    if (!room || width === 0) return;
    const { hidden } = arrangeScene({
      layout,
      tiles: tiles.map(({ id, peerId, kind }) => ({ id, peerId, kind })),
      activeSpeakerPeerId,
      width,
      height,
    });
    const hiddenIds = new Set(hidden);
    for (const tile of tiles) {
      if (tile.videoId === null) continue;
      const receive = !hiddenIds.has(tile.id);
      if (receive === !this.#notReceiving.has(tile.videoId)) continue;
      if (receive) this.#notReceiving.delete(tile.videoId);
      else this.#notReceiving.add(tile.videoId);
      room.setReceiving(tile.videoId, receive).catch((error: unknown) => {
        this.#warn(
          `cannot ${receive ? 'resume' : 'pause'} video ${tile.videoId}: ${describe(error)}`,
        );
      });
    }
  }

  #updateState(): void {
    if (this.#state !== 'waiting' && this.#state !== 'recording' && this.#state !== 'joining') {
      return;
    }
    if (this.#recorder?.state !== 'recording') return;
    this.#state = this.#tiles.participantCount > 0 ? 'recording' : 'waiting';
  }

  #warn(message: string, remember = true): void {
    if (remember) this.#lastError = message;
    this.#options.log(`warning: ${message}`);
    this.#options.signal({ type: 'error', message, fatal: false });
  }

  async #stop(): Promise<RecorderStopResult> {
    const failed = this.#state === 'error';
    if (!failed) this.#state = 'stopping';
    clearInterval(this.#statsTimer);
    this.#speakers.close();
    this.#options.log(`stopping: flushing the last slice; stats ${JSON.stringify(this.stats())}`);
    try {
      await this.#recorder?.stop();
      this.#compositor?.close();
      this.#mixer?.close();
      const leaving = this.#room?.leave();
      const upload = this.#uploader ? await this.#uploader.drain() : { lastSeq: -1, bytesSent: 0 };
      await leaving;
      const result = { lastSeq: upload.lastSeq, bytesSent: upload.bytesSent };
      this.#state = 'ended';
      this.#options.signal({ type: 'ended', ...result });
      this.#options.log(`ended: ${result.lastSeq + 1} slices, ${result.bytesSent} bytes`);
      return result;
    } catch (error) {
      const message = `stop failed: ${describe(error)}`;
      if (this.#lastError !== message) this.fail(message);
      throw new Error(message);
    } finally {
      this.#compositor?.close();
      this.#mixer?.close();
      this.#room?.close();
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
