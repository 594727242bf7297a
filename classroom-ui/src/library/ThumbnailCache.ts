/**
 * Recording thumbnails as blob: URLs. The endpoint needs the Bearer header,
 * so an `<img src>` cannot load it; each is fetched once per page and kept,
 * since the library list is redrawn on every live update.
 */
import { h } from '../dom';
import { recordingThumbnail } from '../recordingsApi';

export class ThumbnailCache {
  readonly #token: string;
  readonly #urls = new Map<string, Promise<string | null>>();
  readonly #abort = new AbortController();

  constructor(token: string) {
    this.#token = token;
  }

  /** A 16:9 frame showing the thumbnail once loaded, or a placeholder (none, not yet, failed). */
  element(recording: { id: string; hasThumbnail: boolean; title: string }): HTMLElement {
    const frame = h('div', {
      class: 'thumb is-placeholder',
      'data-testid': 'library-thumbnail',
      'data-has-thumbnail': String(recording.hasThumbnail),
      'aria-hidden': 'true',
    });
    if (!recording.hasThumbnail) return frame;
    void this.#url(recording.id).then((url) => {
      if (!url) return;
      frame.classList.remove('is-placeholder');
      frame.appendChild(h('img', { class: 'thumb-image', src: url, alt: '' }));
    });
    return frame;
  }

  /** Frees every URL and stops fetches in flight. */
  close(): void {
    this.#abort.abort();
    for (const url of this.#urls.values()) {
      void url.then((value) => value && URL.revokeObjectURL(value));
    }
    this.#urls.clear();
  }

  #url(recordingId: string): Promise<string | null> {
    let url = this.#urls.get(recordingId);
    if (!url) {
      url = recordingThumbnail(this.#token, recordingId, this.#abort.signal).then(
        (blob) => URL.createObjectURL(blob),
        (error: unknown) => {
          // Not fatal: the placeholder stays. Forget it so that a later redraw retries.
          this.#urls.delete(recordingId);
          if (!this.#abort.signal.aborted) {
            console.warn(`thumbnail of recording ${recordingId} failed`, error);
          }
          return null;
        },
      );
      this.#urls.set(recordingId, url);
    }
    return url;
  }
}
