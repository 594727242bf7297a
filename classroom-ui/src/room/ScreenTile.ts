/**
 * A screen share in the call: a remote participant's (`screen-tile`, in the
 * grid) or our own preview (`local-screen-preview`, by the self view). The
 * video is letterboxed, never cropped (a slide's edges matter), and
 * `data-media` says whether it decodes frames, as for participant tiles.
 */
import { h } from '../dom';
import { icon } from '../icons';
import { FrameWatcher } from './FrameWatcher';

export interface ScreenTileOptions {
  testId: 'screen-tile' | 'local-screen-preview';
  /** Whose screen: "Ada (screen)". */
  label: string;
  peerId?: string;
}

/** One screen share's video. */
export class ScreenTile {
  readonly element: HTMLElement;
  readonly #video: HTMLVideoElement;
  readonly #frames: FrameWatcher;
  #track: MediaStreamTrack | null = null;
  #closed = false;

  constructor({ testId, label, peerId }: ScreenTileOptions) {
    this.#video = h('video', {
      class: 'tile-video',
      autoplay: true,
      playsinline: true,
      muted: true,
    });
    this.#video.muted = true;
    this.element = h(
      'article',
      {
        class: 'tile tile-screen',
        'data-testid': testId,
        'data-peer-id': peerId,
        'data-media': 'waiting',
      },
      this.#video,
      h(
        'div',
        { class: 'tile-label' },
        icon('screen', 'icon tile-label-icon'),
        h('span', { class: 'tile-name' }, label),
      ),
    );
    this.#frames = new FrameWatcher(this.#video, (flow) => {
      this.element.dataset.media = flow;
    });
  }

  setTrack(track: MediaStreamTrack, paused = false): void {
    if (this.#closed) return;
    this.#track = track;
    this.#video.srcObject = new MediaStream([track]);
    this.#video.play().catch(() => {});
    this.#frames.setEnabled(!paused);
  }

  setPaused(paused: boolean): void {
    this.#frames.setEnabled(Boolean(this.#track) && !paused);
  }

  /** Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#frames.close();
    this.#video.srcObject = null;
    this.#track = null;
    this.element.remove();
  }
}
