/**
 * One remote participant in the grid: video, audio, name, mic/camera state,
 * and whether they are the room's active speaker (`data-speaking`).
 * `data-media` says whether its video decodes frames right now ("flowing")
 * or not ("waiting"), as its FrameWatcher sees it.
 */
import type { PeerInfo } from '#protocol/signalling';
import { h } from '../dom';
import { initials } from '../format';
import { icon } from '../icons';
import { FrameWatcher } from './FrameWatcher';

/** A remote participant's camera/mic tile. */
export class ParticipantTile {
  readonly element: HTMLElement;
  readonly peerId: string;
  readonly #video: HTMLVideoElement;
  readonly #audio: HTMLAudioElement;
  readonly #micBadge: HTMLElement;
  readonly #tracks: { audio?: MediaStreamTrack; video?: MediaStreamTrack } = {};
  readonly #paused = { audio: false, video: false };
  readonly #frames: FrameWatcher;
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
        'data-speaking': 'false',
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
    this.#frames = new FrameWatcher(this.#video, (flow) => {
      this.element.dataset.media = flow;
    });
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

  /** Marks this participant as the room's dominant speaker (the ring) or not. */
  setSpeaking(on: boolean): void {
    this.element.dataset.speaking = String(on);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#frames.close();
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
    this.#frames.setEnabled(cameraOn);
  }
}
