/**
 * Mixes every remote audio track into one track for the recording:
 * source → per-track gain → bus gain → compressor → MediaStreamDestination,
 * in one 48 kHz AudioContext (Opus's native rate: no resampling).
 *
 * Each remote track also plays in a muted <audio> element: Chromium only
 * pulls a remote WebRTC track's audio into WebAudio while a media element
 * renders it, otherwise the mix is silent. Muted, so the page plays nothing.
 *
 * A few simultaneous voices summed at unity clip; the per-track gain leaves
 * headroom and the compressor catches the peaks.
 *
 * Each track also has a slow leveller: its loudness (RMS, smoothed over about
 * a second, measured only while it is above a noise gate) is brought towards
 * a common target within −12…+18 dB, so that a quiet speaker next to a loud
 * one stays audible instead of 30 dB under it. Silence keeps the gain it had
 * (noise is never pumped up), and changes glide over half a second.
 */

interface MixerInput {
  track: MediaStreamTrack;
  element: HTMLAudioElement;
  source: MediaStreamAudioSourceNode;
  gain: GainNode;
  analyser: AnalyserNode;
  /** Smoothed loudness (dBFS RMS) while above the gate; null until first heard. */
  levelDb: number | null;
  onEnded: () => void;
}

export interface AudioMixerOptions {
  onError?: (message: string) => void;
}

const SAMPLE_RATE = 48_000;
const TRACK_GAIN = 0.7;
/** The leveller's target loudness per speaker (dBFS RMS, before the track gain). */
const LEVEL_TARGET_DB = -26;
const LEVEL_MIN_GAIN_DB = -12;
const LEVEL_MAX_GAIN_DB = 18;
/** Below this a track is silent (or noise): its gain is left as it is. */
const LEVEL_GATE_DB = -55;
const LEVEL_INTERVAL_MS = 100;
/** Weight of each new measurement in the smoothed level (about a second at 100 ms). */
const LEVEL_SMOOTHING = 0.1;
/** Gain changes glide with this time constant (s). */
const LEVEL_GLIDE_S = 0.5;

/** One AudioContext mixing remote tracks into `track`. */
export class AudioMixer {
  readonly #context: AudioContext;
  readonly #bus: GainNode;
  readonly #compressor: DynamicsCompressorNode;
  readonly #destination: MediaStreamAudioDestinationNode;
  readonly #inputs = new Map<string, MixerInput>();
  readonly #onError: (message: string) => void;
  readonly #samples = new Float32Array(1024);
  #levelTimer: ReturnType<typeof setInterval> | undefined;
  #closed = false;

  constructor({ onError = () => {} }: AudioMixerOptions = {}) {
    this.#onError = onError;
    this.#context = new AudioContext({ sampleRate: SAMPLE_RATE, latencyHint: 'playback' });
    this.#bus = new GainNode(this.#context, { gain: 1 });
    this.#compressor = new DynamicsCompressorNode(this.#context, {
      threshold: -14,
      knee: 10,
      ratio: 8,
      attack: 0.003,
      release: 0.25,
    });
    this.#destination = new MediaStreamAudioDestinationNode(this.#context, { channelCount: 2 });
    this.#bus.connect(this.#compressor).connect(this.#destination);
  }

  /** The mixed track to record (silence while nothing is mixed). */
  get track(): MediaStreamTrack {
    const track = this.#destination.stream.getAudioTracks()[0];
    if (!track) throw new Error('audio destination has no track');
    return track;
  }

  get trackCount(): number {
    return this.#inputs.size;
  }

  get contextState(): AudioContextState {
    return this.#context.state;
  }

  /**
   * Resumes the context. Without a user gesture Chromium keeps `resume()`
   * pending forever unless launched with `--autoplay-policy=no-user-gesture-required`,
   * so this gives up after `timeoutMs` with an error that says so.
   */
  async resume(timeoutMs = 3000): Promise<void> {
    if (this.#context.state === 'running') return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              'the AudioContext does not start (autoplay policy): launch Chromium with --autoplay-policy=no-user-gesture-required',
            ),
          ),
        timeoutMs,
      );
    });
    try {
      await Promise.race([this.#context.resume(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Adds a remote track under `id`; it leaves the mix when it ends or on `removeTrack(id)`. */
  addTrack(id: string, track: MediaStreamTrack): void {
    if (this.#closed) return;
    this.removeTrack(id);
    const stream = new MediaStream([track]);
    const element = new Audio();
    element.muted = true;
    element.srcObject = stream;
    element.play().catch((error: unknown) => {
      this.#onError(`audio ${id}: cannot play the muted element: ${String(error)}`);
    });
    const source = new MediaStreamAudioSourceNode(this.#context, { mediaStream: stream });
    const gain = new GainNode(this.#context, { gain: TRACK_GAIN });
    const analyser = new AnalyserNode(this.#context, { fftSize: this.#samples.length });
    source.connect(gain).connect(this.#bus);
    source.connect(analyser);
    const onEnded = () => this.removeTrack(id);
    track.addEventListener('ended', onEnded);
    this.#inputs.set(id, { track, element, source, gain, analyser, levelDb: null, onEnded });
    this.#levelTimer ??= setInterval(() => this.#level(), LEVEL_INTERVAL_MS);
  }

  /** One leveller step for every track (see the module comment). */
  #level(): void {
    const now = this.#context.currentTime;
    for (const input of this.#inputs.values()) {
      input.analyser.getFloatTimeDomainData(this.#samples);
      let sum = 0;
      for (const sample of this.#samples) sum += sample * sample;
      const rmsDb = 10 * Math.log10(sum / this.#samples.length + 1e-12);
      if (rmsDb < LEVEL_GATE_DB) continue;
      input.levelDb =
        input.levelDb === null ? rmsDb : input.levelDb + LEVEL_SMOOTHING * (rmsDb - input.levelDb);
      const gainDb = Math.min(
        LEVEL_MAX_GAIN_DB,
        Math.max(LEVEL_MIN_GAIN_DB, LEVEL_TARGET_DB - input.levelDb),
      );
      input.gain.gain.setTargetAtTime(TRACK_GAIN * 10 ** (gainDb / 20), now, LEVEL_GLIDE_S);
    }
  }

  /** Takes a track out of the mix. Idempotent. */
  removeTrack(id: string): void {
    const input = this.#inputs.get(id);
    if (!input) return;
    this.#inputs.delete(id);
    input.track.removeEventListener('ended', input.onEnded);
    input.source.disconnect();
    input.gain.disconnect();
    input.analyser.disconnect();
    input.element.pause();
    input.element.srcObject = null;
  }

  /** Removes every input and closes the context. Idempotent, never throws. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#levelTimer);
    for (const id of [...this.#inputs.keys()]) this.removeTrack(id);
    this.#context.close().catch(() => {});
  }
}
