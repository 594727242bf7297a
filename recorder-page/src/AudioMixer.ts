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
 */

interface MixerInput {
  track: MediaStreamTrack;
  element: HTMLAudioElement;
  source: MediaStreamAudioSourceNode;
  gain: GainNode;
  onEnded: () => void;
}

export interface AudioMixerOptions {
  onError?: (message: string) => void;
}

const SAMPLE_RATE = 48_000;
const TRACK_GAIN = 0.7;

/** One AudioContext mixing remote tracks into `track`. */
export class AudioMixer {
  readonly #context: AudioContext;
  readonly #bus: GainNode;
  readonly #compressor: DynamicsCompressorNode;
  readonly #destination: MediaStreamAudioDestinationNode;
  readonly #inputs = new Map<string, MixerInput>();
  readonly #onError: (message: string) => void;
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
    source.connect(gain).connect(this.#bus);
    const onEnded = () => this.removeTrack(id);
    track.addEventListener('ended', onEnded);
    this.#inputs.set(id, { track, element, source, gain, onEnded });
  }

  /** Takes a track out of the mix. Idempotent. */
  removeTrack(id: string): void {
    const input = this.#inputs.get(id);
    if (!input) return;
    this.#inputs.delete(id);
    input.track.removeEventListener('ended', input.onEnded);
    input.source.disconnect();
    input.gain.disconnect();
    input.element.pause();
    input.element.srcObject = null;
  }

  /** Removes every input and closes the context. Idempotent, never throws. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const id of [...this.#inputs.keys()]) this.removeTrack(id);
    this.#context.close().catch(() => {});
  }
}
