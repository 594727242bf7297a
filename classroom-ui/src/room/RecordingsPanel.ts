/**
 * The room's recordings, for instructors and admins: status, length, size,
 * a link to each one's page, and a download once ready. Refreshed on the room's recording events, after
 * Record/Stop, and every few seconds while one of them is still changing.
 */
import { ApiError } from '../api';
import { downloadButton } from '../components/downloadButton';
import { h, replaceChildren } from '../dom';
import { formatBytes, formatDateTime, formatDuration } from '../format';
import { icon } from '../icons';
import { statusLabel } from '../labels';
import { finalStatuses, listRecordings, type RecordingSummary } from '../recordingsApi';

const POLL_WHILE_CHANGING_MS = 3000;

export class RecordingsPanel {
  readonly element: HTMLElement;
  readonly #token: string;
  readonly #roomId: string;
  readonly #list: HTMLElement;
  readonly #message: HTMLElement;
  readonly #count: HTMLElement;
  #inFlight: Promise<void> | null = null;
  #again = false;
  #pollTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor({ token, roomId }: { token: string; roomId: string }) {
    this.#token = token;
    this.#roomId = roomId;
    this.#list = h('ul', { class: 'recordings', 'data-testid': 'recordings-list' });
    this.#message = h('p', { class: 'panel-empty' }, 'Loading…');
    this.#count = h('span', { class: 'panel-count' });
    this.element = h(
      'section',
      { class: 'panel', 'aria-label': 'Recordings' },
      h(
        'div',
        { class: 'panel-header' },
        h('h2', { class: 'panel-title' }, 'Recordings ', this.#count),
        h(
          'button',
          {
            class: 'btn btn-ghost btn-icon btn-sm',
            type: 'button',
            title: 'Refresh',
            'aria-label': 'Refresh recordings',
            onclick: () => void this.refresh(),
          },
          icon('refresh'),
        ),
      ),
      this.#message,
      this.#list,
    );
  }

  /** Reloads the list; calls made while one is running are folded into one more run. */
  refresh(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (this.#inFlight) {
      this.#again = true;
      return this.#inFlight;
    }
    this.#inFlight = this.#load().finally(() => {
      this.#inFlight = null;
      if (this.#again) {
        this.#again = false;
        void this.refresh();
      }
    });
    return this.#inFlight;
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#pollTimer);
  }

  async #load(): Promise<void> {
    clearTimeout(this.#pollTimer);
    let items: RecordingSummary[];
    let total: number;
    try {
      ({ items, total } = await listRecordings(this.#token, this.#roomId));
    } catch (error) {
      if (this.#closed) return;
      this.#message.hidden = false;
      this.#message.textContent =
        error instanceof ApiError && error.status === 404
          ? 'Recordings are not available on this server yet.'
          : `Could not load recordings: ${error instanceof Error ? error.message : String(error)}`;
      return;
    }
    if (this.#closed) return;
    this.#count.textContent = total > 0 ? String(total) : '';
    this.#message.hidden = items.length > 0;
    this.#message.textContent = 'No recordings of this room yet.';
    replaceChildren(this.#list, ...items.map((item) => this.#item(item)));
    if (items.some((item) => !finalStatuses.has(item.status))) {
      this.#pollTimer = setTimeout(() => void this.refresh(), POLL_WHILE_CHANGING_MS);
    }
  }

  #item(recording: RecordingSummary): HTMLElement {
    const download = downloadButton(this.#token, recording, { small: true });
    return h(
      'li',
      {
        class: 'recording',
        'data-testid': 'recording-item',
        'data-recording-id': recording.id,
        'data-status': recording.status,
      },
      h(
        'div',
        { class: 'recording-main' },
        h(
          'a',
          {
            class: 'recording-title',
            href: `/recordings/${encodeURIComponent(recording.id)}`,
            // A new tab, so that the call goes on; `opener` lets the tab copy the session
            // (sessionStorage), which a `noopener` tab would not have.
            target: '_blank',
            rel: 'opener',
            title: recording.title,
            'data-testid': 'recording-link',
          },
          recording.title,
        ),
        h(
          'span',
          { class: 'recording-meta' },
          `${formatDateTime(recording.createdAt)} · ${formatDuration(recording.durationSeconds)} · ${formatBytes(recording.fileSize)}`,
        ),
      ),
      h(
        'div',
        { class: 'recording-side' },
        h(
          'span',
          { class: `status status-${recording.status}`, 'data-testid': 'recording-status' },
          statusLabel(recording.status),
        ),
        download,
      ),
    );
  }
}
