/**
 * The recording's `<video>`: a short-lived playback URL (the media token is
 * in its query, so the element needs no header) once the recording is
 * ready, a line with the status before. The server checks the token on
 * every Range request, so an expired URL shows up as a media error mid-way:
 * the player fetches a new URL and carries on from where it was.
 */
import type { RecordingJson } from '#protocol/rest/recordings';
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

export class RecordingPlayer {
  readonly element: HTMLElement;
  readonly #token: string;
  readonly #recordingId: string;
  readonly #message: HTMLElement;
  #video: HTMLVideoElement | null = null;
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
    this.element = h('div', { class: 'player' }, this.#message);
  }

  /** Follows the recording's status; a video already playing is left alone. */
  update(recording: Pick<RecordingJson, 'status' | 'error'>): void {
    if (this.#closed) return;
    this.element.dataset.status = recording.status;
    if (recording.status === 'ready') {
      this.#message.hidden = true;
      if (!this.#video) this.#createVideo();
      return;
    }
    this.#removeVideo();
    this.#message.hidden = false;
    this.#message.textContent =
      recording.status === 'failed'
        ? `The recording failed${recording.error ? `: ${recording.error}` : '.'}`
        : (waitingText[recording.status] ?? `The recording is ${statusLabel(recording.status)}.`);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#removeVideo();
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

  #removeVideo(): void {
    const video = this.#video;
    if (!video) return;
    this.#video = null;
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

  /** Fetches a new URL; with `resume`, restores the position and play state on the new source. */
  #renew(resume: boolean): Promise<void> {
    this.#renewing ??= this.#fetchUrl(resume).finally(() => {
      this.#renewing = null;
    });
    return this.#renewing;
  }

  async #fetchUrl(resume: boolean): Promise<void> {
    const video = this.#video;
    if (!video) return;
    const position = video.currentTime;
    const playing = resume && !video.paused && !video.ended;
    let url: string;
    try {
      const playback = await playbackUrl(this.#token, this.#recordingId);
      url = playback.url;
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
    if (resume && position > 0) {
      video.addEventListener(
        'loadedmetadata',
        () => {
          video.currentTime = position;
          if (playing) void video.play().catch(() => {});
        },
        { once: true },
      );
    } else if (playing) {
      video.addEventListener('loadedmetadata', () => void video.play().catch(() => {}), {
        once: true,
      });
    }
    video.src = url;
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
