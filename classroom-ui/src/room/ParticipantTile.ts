/**
 * One remote participant in the grid: video, audio, name, mic/camera state.
 * `data-media` says whether its video decodes frames right now ("flowing")
 * or not ("waiting"): frames are watched with requestVideoFrameCallback, and
 * `timeupdate` as a fallback, both requiring videoWidth > 0 and time moving.
 */
import type { PeerInfo } from '#protocol/signalling';
import { h } from '../dom';
import { initials } from '../format';
import { icon } from '../icons';

/** With no new frame for this long, the tile goes back to "waiting". */
const STALL_MS = 1500;

export class ParticipantTile {
  readonly element: HTMLElement;
  readonly peerId: string;
  readonly #video: HTMLVideoElement;
  readonly #audio: HTMLAudioElement;
  readonly #micBadge: HTMLElement;
  readonly #tracks: { audio?: MediaStreamTrack; video?: MediaStreamTrack } = {};
  readonly #paused = { audio: false, video: false };
  #lastFrameAt = 0;
  /** Last time seen per clock: rVFC's mediaTime and the element's currentTime are different clocks. */
  readonly #lastTime = { frame: -1, element: -1 };
  #stallTimer: ReturnType<typeof setInterval> | undefined;
  #closed = false;

  constructor(peer: PeerInfo) {
    this.peerId = peer.peerId;
    this.#video = h('video', {
      class: 'tile-video',
      autoplay: true,
      playsinline: true,
      muted: true,
    });
    this.#video.muted = true;
    this.#audio = h('audio', { autoplay: true });
    this.#micBadge = h('span', { class: 'tile-mic', title: 'Microphone off' }, icon('micOff'));
    this.element = h(
      'article',
      {
        class: 'tile',
        'data-testid': 'participant-tile',
        'data-peer-id': peer.peerId,
        'data-peer-name': peer.displayName,
        'data-role': peer.role,
        'data-media': 'waiting',
        'data-camera': 'off',
        'data-mic': 'off',
      },
      this.#video,
      this.#audio,
      h(
        'div',
        { class: 'tile-placeholder', 'aria-hidden': 'true' },
        h('span', { class: 'avatar avatar-lg' }, initials(peer.displayName)),
      ),
      h(
        'div',
        { class: 'tile-label' },
        this.#micBadge,
        h('span', { class: 'tile-name' }, peer.displayName),
        peer.role === 'instructor' || peer.role === 'admin'
          ? h('span', { class: 'tile-role' }, peer.role === 'admin' ? 'Admin' : 'Instructor')
          : null,
      ),
    );
    this.#watchFrames();
  }

  setTrack(kind: 'audio' | 'video', track: MediaStreamTrack, paused: boolean): void {
    if (this.#closed) return;
    this.#tracks[kind] = track;
    this.#paused[kind] = paused;
    const element = kind === 'video' ? this.#video : this.#audio;
    element.srcObject = new MediaStream([track]);
    // Autoplay may be refused until the user interacts; Join was a click, so it rarely is.
    element.play().catch(() => {});
    this.#renderState();
  }

  removeTrack(kind: 'audio' | 'video', track?: MediaStreamTrack): void {
    if (track && this.#tracks[kind] !== track) return;
    delete this.#tracks[kind];
    const element = kind === 'video' ? this.#video : this.#audio;
    element.srcObject = null;
    this.#renderState();
  }

  setPaused(kind: 'audio' | 'video', paused: boolean): void {
    this.#paused[kind] = paused;
    this.#renderState();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#stallTimer);
    this.#video.srcObject = null;
    this.#audio.srcObject = null;
    this.element.remove();
  }

  #renderState(): void {
    const cameraOn = Boolean(this.#tracks.video) && !this.#paused.video;
    const micOn = Boolean(this.#tracks.audio) && !this.#paused.audio;
    this.element.dataset.camera = cameraOn ? 'on' : 'off';
    this.element.dataset.mic = micOn ? 'on' : 'off';
    this.#micBadge.hidden = micOn;
    if (!cameraOn) this.#setMedia('waiting');
  }

  #setMedia(state: 'flowing' | 'waiting'): void {
    if (this.element.dataset.media !== state) this.element.dataset.media = state;
  }

  #frame(clock: 'frame' | 'element', time: number): void {
    if (this.#closed) return;
    const video = this.#video;
    if (video.videoWidth > 0 && time > this.#lastTime[clock] && this.#tracks.video) {
      this.#lastTime[clock] = time;
      this.#lastFrameAt = performance.now();
      if (!this.#paused.video) this.#setMedia('flowing');
    }
  }

  #watchFrames(): void {
    const video = this.#video;
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
      if (performance.now() - this.#lastFrameAt > STALL_MS) this.#setMedia('waiting');
    }, 500);
  }
}
