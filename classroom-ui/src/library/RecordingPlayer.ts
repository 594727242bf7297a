/**
 * The recording's `<video>`, once the recording is ready; a line with the
 * status before. It plays the HLS stream when its renditions are ready
 * (hls.js on MSE, native HLS where the browser has it, e.g. Safari) and the
 * WebM otherwise, so that a recording plays the moment it is ready and
 * streams adaptively once HLS is made. Playback URLs are short-lived links
 * (the media token is in the query, HLS segments carry signatures), so the
 * element needs no header; an expired link shows up as a media error
 * mid-way, and the player fetches a new one and carries on from where it was.
 */
import Hls from 'hls.js';
import type { RecordingJson } from '#protocol/rest/recordings';
import type { HlsProgressEvent } from '#protocol/delivery';
import { h } from '../dom';
import { statusLabel } from '../labels';
import { playbackUrl } from '../recordingsApi';

// A URL this close to its expiry is renewed before playing from it.
const EXPIRY_MARGIN_MS = 10_000;
// More failures than this in the window stop the automatic retries (a broken file, not a stale URL).
const MAX_RETRIES = 3;
const RETRY_WINDOW_MS = 60_000;

const waitingText: Record<string, string> = {
  pending: 'The recording is starting.',
  recording:
    'The recording is still running: it can be played once it has been stopped and processed.',
  stopped: 'The recording has stopped and is waiting to be processed.',
  processing: 'The recording is being processed: it can be played in a moment.',
};

/** What the video plays: the HLS stream (through hls.js or natively) or the WebM. */
export type PlaybackMode = 'hls.js' | 'native-hls' | 'webm';

type PlayerRecording = Pick<RecordingJson, 'status' | 'error' | 'hls' | 'integrity'>;

export class RecordingPlayer {
  readonly element: HTMLElement;
  readonly #token: string;
  readonly #recordingId: string;
  readonly #message: HTMLElement;
  readonly #streaming: HTMLElement;
  #video: HTMLVideoElement | null = null;
  #hls: Hls | null = null;
  #mode: PlaybackMode | null = null;
  #hlsReady = false;
  #expiresAt = 0;
  #renewing: Promise<void> | null = null;
  #failures: number[] = [];
  #closed = false;

  constructor({ token, recordingId }: { token: string; recordingId: string }) {
    this.#token = token;
    this.#recordingId = recordingId;
    this.#message = h('div', {
      class: 'player-message',
      role: 'status',
      'data-testid': 'recording-player-message',
    });
    this.#streaming = h('div', {
      class: 'player-streaming',
      'data-testid': 'recording-hls-status',
      hidden: true,
    });
    this.element = h(
      'div',
      { class: 'player', 'data-testid': 'recording-player-frame' },
      this.#message,
      this.#streaming,
    );
  }

  /** Follows the recording; a video already playing keeps its source until it is reloaded. */
  update(recording: PlayerRecording): void {
    if (this.#closed) return;
    this.element.dataset.status = recording.status;
    this.#showStreaming(recording.hls);
    if (recording.status === 'ready' && recording.integrity !== 'corrupted') {
      this.#hlsReady = recording.hls?.status === 'ready';
      this.#message.hidden = true;
      if (!this.#video) this.#createVideo();
      // HLS became ready while the WebM was loaded but not started: switch now.
      else if (this.#hlsReady && this.#mode === 'webm' && this.#video.paused)
        void this.#renew(true);
      return;
    }
    this.#removeVideo();
    this.#message.hidden = false;
    this.#message.textContent =
      recording.integrity === 'corrupted'
        ? 'This recording failed its integrity check and cannot be played.'
        : recording.status === 'failed'
          ? `The recording failed${recording.error ? `: ${recording.error}` : '.'}`
          : (waitingText[recording.status] ?? `The recording is ${statusLabel(recording.status)}.`);
  }

  /** A progress push for this recording's HLS (owners and admins get them). */
  progress(event: HlsProgressEvent): void {
    if (event.recordingId !== this.#recordingId || event.status === 'ready') return;
    this.#showStreaming({ status: event.status, progress: event.progress });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#removeVideo();
  }

  #showStreaming(hls: Pick<NonNullable<RecordingJson['hls']>, 'status' | 'progress'> | null): void {
    this.#streaming.dataset.hls = hls?.status ?? 'none';
    if (!hls || hls.status === 'ready') {
      this.#streaming.hidden = true;
      return;
    }
    this.#streaming.hidden = false;
    this.#streaming.textContent =
      hls.status === 'failed'
        ? 'Streaming could not be prepared; the original file plays instead.'
        : hls.status === 'processing'
          ? `Preparing streaming: ${Math.round(hls.progress * 100)} %`
          : 'Streaming will be prepared shortly; the original file plays meanwhile.';
  }

  #createVideo(): void {
    const video = h('video', {
      class: 'player-video',
      controls: true,
      preload: 'metadata',
      playsinline: true,
      'data-testid': 'recording-player',
    });
    video.addEventListener('error', () => this.#onMediaError());
    video.addEventListener('play', () => {
      if (Date.now() > this.#expiresAt - EXPIRY_MARGIN_MS) void this.#renew(true);
    });
    this.#video = video;
    this.element.prepend(video);
    void this.#renew(false);
  }

  #detachHls(): void {
    this.#hls?.destroy();
    this.#hls = null;
  }

  #removeVideo(): void {
    const video = this.#video;
    this.#detachHls();
    if (!video) return;
    this.#video = null;
    this.#mode = null;
    video.pause();
    video.removeAttribute('src');
    video.load();
    video.remove();
  }

  #onMediaError(): void {
    const now = Date.now();
    this.#failures = this.#failures.filter((at) => now - at < RETRY_WINDOW_MS);
    this.#failures.push(now);
    if (this.#failures.length > MAX_RETRIES) {
      this.#showRetry('The video cannot be played right now.');
      return;
    }
    void this.#renew(true);
  }

  /** Fetches new links; with `resume`, restores the position and play state on the new source. */
  #renew(resume: boolean): Promise<void> {
    this.#renewing ??= this.#load(resume).finally(() => {
      this.#renewing = null;
    });
    return this.#renewing;
  }

  async #load(resume: boolean): Promise<void> {
    const video = this.#video;
    if (!video) return;
    const position = video.currentTime;
    const playing = resume && !video.paused && !video.ended;
    let urls: { webm: string; hls: string | null };
    try {
      const playback = await playbackUrl(this.#token, this.#recordingId);
      urls = { webm: playback.url, hls: this.#hlsReady ? playback.hlsUrl : null };
      this.#expiresAt = new Date(playback.expiresAt).getTime();
    } catch (error) {
      if (this.#video !== video) return;
      this.#showRetry(
        `Cannot get a playback link: ${error instanceof Error ? error.message : String(error)}`,
      );
      return;
    }
    if (this.#video !== video || this.#closed) return;
    this.#message.hidden = true;
    const restore = () => {
      if (resume && position > 0) video.currentTime = position;
      if (playing) void video.play().catch(() => {});
    };
    video.addEventListener('loadedmetadata', restore, { once: true });
    this.#detachHls();
    if (urls.hls && Hls.isSupported()) {
      this.#setMode('hls.js');
      const hls = new Hls({ enableWorker: true });
      hls.on(Hls.Events.ERROR, (_event, data) => {
        if (data.fatal && this.#hls === hls) this.#onMediaError();
      });
      hls.loadSource(urls.hls);
      hls.attachMedia(video);
      this.#hls = hls;
      return;
    }
    if (urls.hls && video.canPlayType('application/vnd.apple.mpegurl')) {
      this.#setMode('native-hls');
      video.src = urls.hls;
      return;
    }
    this.#setMode('webm');
    video.src = urls.webm;
  }

  #setMode(mode: PlaybackMode): void {
    this.#mode = mode;
    // Readable by tests and support: what the player is actually playing.
    this.element.dataset.playback = mode;
  }

  #showRetry(text: string): void {
    const retry = h(
      'button',
      {
        class: 'btn btn-secondary btn-sm',
        type: 'button',
        'data-testid': 'recording-player-retry',
      },
      'Try again',
    );
    retry.addEventListener('click', () => {
      this.#failures = [];
      this.#message.hidden = true;
      void this.#renew(true);
    });
    this.#message.replaceChildren(h('span', {}, text), retry);
    this.#message.hidden = false;
  }
}
