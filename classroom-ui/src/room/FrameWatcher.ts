/**
 * Whether a <video> decodes frames right now ("flowing") or not ("waiting"):
 * frames are watched with requestVideoFrameCallback, and `timeupdate` as a
 * fallback, both requiring videoWidth > 0 and time moving. Shared by the
 * participant and screen tiles, whose `data-media` Playwright waits on.
 */

export type MediaFlow = 'flowing' | 'waiting';

/** With no new frame for this long, the video goes back to "waiting". */
const STALL_MS = 1500;

/** Watches one video element until closed; reports each change of flow. */
export class FrameWatcher {
  readonly #video: HTMLVideoElement;
  readonly #onChange: (flow: MediaFlow) => void;
  #flow: MediaFlow = 'waiting';
  #enabled = false;
  #lastFrameAt = 0;
  /** Last time seen per clock: rVFC's mediaTime and the element's currentTime are different clocks. */
  readonly #lastTime = { frame: -1, element: -1 };
  readonly #stallTimer: ReturnType<typeof setInterval>;
  #closed = false;

  constructor(video: HTMLVideoElement, onChange: (flow: MediaFlow) => void) {
    this.#video = video;
    this.#onChange = onChange;
    if ('requestVideoFrameCallback' in video) {
      const onFrame = (_now: number, metadata: VideoFrameCallbackMetadata) => {
        if (this.#closed) return;
        this.#frame('frame', metadata.mediaTime);
        video.requestVideoFrameCallback(onFrame);
      };
      video.requestVideoFrameCallback(onFrame);
    }
    video.addEventListener('timeupdate', () => this.#frame('element', video.currentTime));
    // A new srcObject restarts media time from zero.
    video.addEventListener('emptied', () => {
      this.#lastTime.frame = -1;
      this.#lastTime.element = -1;
    });
    this.#stallTimer = setInterval(() => {
      if (performance.now() - this.#lastFrameAt > STALL_MS) this.#set('waiting');
    }, 500);
  }

  get flow(): MediaFlow {
    return this.#flow;
  }

  /**
   * Frames count only while enabled: a track is playing and its sender has
   * not paused it. Disabling says "waiting" at once.
   */
  setEnabled(on: boolean): void {
    this.#enabled = on;
    if (!on) this.#set('waiting');
  }

  /** Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#stallTimer);
  }

  #frame(clock: 'frame' | 'element', time: number): void {
    if (this.#closed || !this.#enabled) return;
    if (this.#video.videoWidth > 0 && time > this.#lastTime[clock]) {
      this.#lastTime[clock] = time;
      this.#lastFrameAt = performance.now();
      this.#set('flowing');
    }
  }

  #set(flow: MediaFlow): void {
    if (this.#closed || this.#flow === flow) return;
    this.#flow = flow;
    this.#onChange(flow);
  }
}
