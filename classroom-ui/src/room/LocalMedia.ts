/**
 * The local camera and microphone: one getUserMedia stream, shown in the
 * self view and published when joined. Turning a device off here disables
 * its track (the preview goes dark); the RoomClient pauses the producer.
 */
import { h } from '../dom';
import { initials } from '../format';

/** Modest capture: the recorder composites every camera into one picture. */
const constraints: MediaStreamConstraints = {
  audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
  video: { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 30, max: 30 } },
};

export class LocalMedia {
  readonly element: HTMLElement;
  readonly #video: HTMLVideoElement;
  #stream: MediaStream | null = null;
  #mic = true;
  #camera = true;

  constructor(displayName: string) {
    this.#video = h('video', {
      class: 'tile-video mirrored',
      autoplay: true,
      playsinline: true,
      muted: true,
    });
    this.#video.muted = true;
    this.element = h(
      'article',
      {
        class: 'tile tile-self',
        'data-testid': 'local-preview',
        'data-camera': 'off',
        'data-speaking': 'false',
      },
      this.#video,
      h(
        'div',
        { class: 'tile-placeholder', 'aria-hidden': 'true' },
        h('span', { class: 'avatar avatar-lg' }, initials(displayName)),
      ),
      h('div', { class: 'tile-label' }, h('span', { class: 'tile-name' }, 'You')),
    );
  }

  get stream(): MediaStream | null {
    return this.#stream;
  }

  get micOn(): boolean {
    return this.#mic;
  }

  get cameraOn(): boolean {
    return this.#camera;
  }

  /** Asks for camera and mic (falling back to either one); rejects if neither is available. */
  async start(): Promise<void> {
    if (this.#stream) return;
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia(constraints);
    } catch (first) {
      stream = await navigator.mediaDevices
        .getUserMedia({ audio: constraints.audio })
        .catch(() => navigator.mediaDevices.getUserMedia({ video: constraints.video }))
        .catch(() => {
          throw first;
        });
    }
    this.#stream = stream;
    this.#video.srcObject = stream;
    this.#video.play().catch(() => {});
    this.setMic(this.#mic);
    this.setCamera(this.#camera);
  }

  setMic(on: boolean): void {
    this.#mic = on;
    for (const track of this.#stream?.getAudioTracks() ?? []) track.enabled = on;
  }

  setCamera(on: boolean): void {
    this.#camera = on;
    for (const track of this.#stream?.getVideoTracks() ?? []) track.enabled = on;
    const live = on && (this.#stream?.getVideoTracks().length ?? 0) > 0;
    this.element.dataset.camera = live ? 'on' : 'off';
  }

  /** Marks the local user as the room's dominant speaker (the ring) or not. */
  setSpeaking(on: boolean): void {
    this.element.dataset.speaking = String(on);
  }

  stop(): void {
    for (const track of this.#stream?.getTracks() ?? []) track.stop();
    this.#stream = null;
    this.#video.srcObject = null;
    this.element.dataset.camera = 'off';
  }
}
