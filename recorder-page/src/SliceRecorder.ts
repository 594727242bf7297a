/**
 * MediaRecorder producing WebM slices every `sliceMs`, each handed to
 * `onSlice` in order (empty ones included: the uploader numbers them all).
 * `stop()` resolves after the final slice was handed over.
 */
import type { RecorderVideoCodec } from '#protocol/recorderPage';

/** Chromium's MediaRecorder options beyond the DOM lib's. */
interface ChromiumMediaRecorderOptions extends MediaRecorderOptions {
  /** Milliseconds between keyframes (Chromium): seekable, HLS-friendly files. */
  videoKeyFrameIntervalDuration?: number;
}

export interface SliceRecorderOptions {
  stream: MediaStream;
  videoCodec: RecorderVideoCodec;
  videoBitsPerSecond: number;
  audioBitsPerSecond: number;
  sliceMs: number;
  /**
   * Cut the first slice this soon after start (the rest follow every
   * `sliceMs`): it makes the recording's start durable, and observable as
   * started, within a fraction of a slice.
   */
  firstSliceMs?: number;
  keyFrameIntervalMs?: number;
  onSlice: (slice: Blob) => void;
  onError: (message: string) => void;
}

/**
 * The mime type for a codec pair: always Chromium's WebM muxer (Matroska
 * with a `webm` doctype, H.264 included), so that slices, finalization and
 * recovery are one path whatever the codec.
 */
export function webmMimeType(videoCodec: RecorderVideoCodec): string {
  return `video/webm;codecs=${videoCodec},opus`;
}

/** Wraps one MediaRecorder for one recording. */
export class SliceRecorder {
  readonly mimeType: string;
  readonly #recorder: MediaRecorder;
  readonly #sliceMs: number;
  readonly #firstSliceMs: number | undefined;
  #hadData = false;
  #stopped: Promise<void> | undefined;

  /** Throws when the browser cannot record this codec pair. */
  constructor({
    stream,
    videoCodec,
    videoBitsPerSecond,
    audioBitsPerSecond,
    sliceMs,
    firstSliceMs,
    keyFrameIntervalMs = 2000,
    onSlice,
    onError,
  }: SliceRecorderOptions) {
    this.mimeType = webmMimeType(videoCodec);
    if (!MediaRecorder.isTypeSupported(this.mimeType)) {
      throw new Error(`MediaRecorder cannot record ${this.mimeType} in this browser`);
    }
    const options: ChromiumMediaRecorderOptions = {
      mimeType: this.mimeType,
      videoBitsPerSecond,
      audioBitsPerSecond,
      videoKeyFrameIntervalDuration: keyFrameIntervalMs,
    };
    this.#recorder = new MediaRecorder(stream, options);
    this.#sliceMs = sliceMs;
    this.#firstSliceMs = firstSliceMs;
    this.#recorder.addEventListener('dataavailable', (event) => {
      if (event.data.size > 0) this.#hadData = true;
      onSlice(event.data);
    });
    this.#recorder.addEventListener('error', (event) => {
      const error = (event as Event & { error?: unknown }).error;
      onError(`MediaRecorder: ${error instanceof Error ? error.message : 'failed'}`);
    });
  }

  get state(): RecordingState {
    return this.#recorder.state;
  }

  start(): void {
    this.#recorder.start(this.#sliceMs);
    const first = this.#firstSliceMs;
    if (first === undefined || first >= this.#sliceMs) return;
    // Until a slice carries bytes (the encoder may not have produced any yet), ask again.
    let asked = 0;
    const ask = () => {
      if (this.#recorder.state !== 'recording' || this.#hadData) return;
      asked += first;
      if (asked >= this.#sliceMs) return;
      this.#recorder.requestData();
      setTimeout(ask, first);
    };
    setTimeout(ask, first);
  }

  /** Flushes the pending data and stops; resolves after the last slice. Idempotent. */
  stop(): Promise<void> {
    this.#stopped ??= new Promise<void>((resolve) => {
      if (this.#recorder.state === 'inactive') {
        resolve();
        return;
      }
      // 'stop' fires after the final 'dataavailable'.
      this.#recorder.addEventListener('stop', () => resolve(), { once: true });
      this.#recorder.requestData();
      this.#recorder.stop();
    });
    return this.#stopped;
  }
}
