/**
 * `/recordings`: every recording the caller may view, filtered by text,
 * room, status and day, a page at a time. The filters live in the query
 * string (a reload or a shared link keeps them). While the live connection
 * is up the current page is reloaded when one of its recordings changes,
 * bursts folded into one request; there is no polling.
 */
import type { RecordingJson, RecordingStatusName } from '#protocol/rest/recordings';
import type { RoomJson } from '#protocol/rest/rooms';
import { createHeader } from '../components/header';
import { createPager } from '../components/pager';
import { showError } from '../components/toast';
import { appRoot, h, replaceChildren } from '../dom';
import { formatBytes, formatDateTime, formatDuration, localDayRange } from '../format';
import { accessLabels, recordingStatuses, statusLabel } from '../labels';
import { RecordingUpdates } from '../library/RecordingUpdates';
import { ThumbnailCache } from '../library/ThumbnailCache';
import { listLibrary, type LibraryQuery } from '../recordingsApi';
import { ROOM_ID_PATTERN } from '../roomId';
import { listRooms } from '../roomsApi';
import type { Session } from '../session';

const PAGE_SIZE = 20;
const SEARCH_DEBOUNCE_MS = 300;
// Stop, processing and ready arrive within a second or two: one reload for the lot.
const LIVE_COALESCE_MS = 250;

interface Filters {
  q: string;
  roomId: string;
  status: RecordingStatusName | '';
  from: string;
  to: string;
  offset: number;
}

export function renderLibraryPage(session: Session): void {
  const page = new LibraryPage(session);
  replaceChildren(appRoot(), createHeader(session.user).element, page.element);
  page.start();
  window.addEventListener('pagehide', () => page.close());
}

function filtersFromUrl(): Filters {
  const params = new URLSearchParams(location.search);
  const status = params.get('status') ?? '';
  const roomId = params.get('roomId') ?? '';
  const offset = Number(params.get('offset') ?? 0);
  return {
    q: params.get('q') ?? '',
    roomId: ROOM_ID_PATTERN.test(roomId) ? roomId : '',
    status: (recordingStatuses as string[]).includes(status) ? (status as RecordingStatusName) : '',
    from: localDayRange(params.get('from') ?? '') ? (params.get('from') ?? '') : '',
    to: localDayRange(params.get('to') ?? '') ? (params.get('to') ?? '') : '',
    offset: Number.isInteger(offset) && offset > 0 ? offset : 0,
  };
}

class LibraryPage {
  readonly element: HTMLElement;
  readonly #token: string;
  readonly #thumbs: ThumbnailCache;
  readonly #live: RecordingUpdates;
  readonly #search: HTMLInputElement;
  readonly #room: HTMLSelectElement;
  readonly #status: HTMLSelectElement;
  readonly #from: HTMLInputElement;
  readonly #to: HTMLInputElement;
  readonly #list: HTMLElement;
  readonly #empty: HTMLElement;
  readonly #error: HTMLElement;
  readonly #liveBadge: HTMLElement;
  readonly #pager = createPager('library', (offset) => this.#apply({ offset }, 0));
  /** Rooms for the room filter: the caller's, plus any seen on a recording. */
  readonly #rooms = new Map<string, string | null>();
  #filters: Filters;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #abort: AbortController | null = null;
  #closed = false;

  constructor(session: Session) {
    this.#token = session.token;
    this.#thumbs = new ThumbnailCache(session.token);
    this.#live = new RecordingUpdates({ token: session.token });
    this.#filters = filtersFromUrl();
    const f = this.#filters;

    this.#search = h('input', {
      class: 'input',
      type: 'search',
      placeholder: 'Title or description',
      value: f.q,
      'data-testid': 'library-search',
    });
    this.#room = h(
      'select',
      { class: 'input', 'data-testid': 'library-room-filter' },
      h('option', { value: '' }, 'All rooms'),
    );
    this.#status = h(
      'select',
      { class: 'input', 'data-testid': 'library-status-filter' },
      h('option', { value: '' }, 'Any status'),
      ...recordingStatuses.map((status) => h('option', { value: status }, statusLabel(status))),
    );
    this.#status.value = f.status;
    this.#from = h('input', {
      class: 'input',
      type: 'date',
      value: f.from,
      'data-testid': 'library-from',
    });
    this.#to = h('input', {
      class: 'input',
      type: 'date',
      value: f.to,
      'data-testid': 'library-to',
    });
    if (f.roomId) this.#rooms.set(f.roomId, null);
    this.#renderRoomOptions();

    this.#search.addEventListener('input', () =>
      this.#apply({ q: this.#search.value.trim(), offset: 0 }, SEARCH_DEBOUNCE_MS),
    );
    this.#room.addEventListener('change', () =>
      this.#apply({ roomId: this.#room.value, offset: 0 }, 0),
    );
    this.#status.addEventListener('change', () =>
      this.#apply({ status: this.#status.value as Filters['status'], offset: 0 }, 0),
    );
    // `change` fires once a whole date is entered (not on each typed digit).
    this.#from.addEventListener('change', () =>
      this.#apply({ from: this.#from.value, offset: 0 }, 0),
    );
    this.#to.addEventListener('change', () => this.#apply({ to: this.#to.value, offset: 0 }, 0));

    const field = (label: string, control: HTMLElement, wide = false) =>
      h(
        'label',
        { class: wide ? 'field filter filter-wide' : 'field filter' },
        h('span', { class: 'field-label' }, label),
        control,
      );

    this.#list = h('ul', { class: 'library-list', 'data-testid': 'library-list' });
    this.#empty = h(
      'div',
      { class: 'card empty-card', 'data-testid': 'library-empty', hidden: true },
      h('p', { class: 'stage-empty-title' }, 'No recordings match'),
      h(
        'p',
        { class: 'stage-empty-text' },
        'Recordings you made, of your rooms, or shared with you appear here.',
      ),
    );
    this.#error = h('p', { class: 'form-error', role: 'alert', hidden: true });
    this.#liveBadge = h('span', { class: 'live-badge', 'data-testid': 'library-live' });

    this.element = h(
      'main',
      {
        class: 'page',
        'data-testid': 'library',
        'data-state': 'loading',
        'data-live': 'disconnected',
      },
      h(
        'div',
        { class: 'page-heading' },
        h('h1', { class: 'page-title' }, 'Recordings'),
        this.#liveBadge,
      ),
      h(
        'form',
        {
          class: 'card filters',
          role: 'search',
          onsubmit: (event: Event) => event.preventDefault(),
        },
        field('Search', this.#search, true),
        field('Room', this.#room),
        field('Status', this.#status),
        field('From', this.#from),
        field('To', this.#to),
      ),
      this.#error,
      this.#empty,
      this.#list,
      this.#pager.element,
    );
    this.#renderLive();
  }

  start(): void {
    this.#live.on('state', () => {
      this.#renderLive();
      // Reload on (re)connect: what changed while offline was not announced.
      if (this.#live.state === 'connected') this.#schedule(LIVE_COALESCE_MS);
    });
    this.#live.on('updated', () => this.#schedule(LIVE_COALESCE_MS));
    void this.#loadRooms();
    void this.#load();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#abort?.abort();
    this.#live.close();
    this.#thumbs.close();
  }

  /** Changes the filters and reloads after `delayMs` (the search box waits for a pause in typing). */
  #apply(change: Partial<Filters>, delayMs: number): void {
    this.#filters = { ...this.#filters, ...change };
    this.#writeUrl();
    this.#schedule(delayMs);
  }

  /** One reload after `delayMs`; calls in between fold into it, and one in flight is dropped. */
  #schedule(delayMs: number): void {
    if (this.#closed) return;
    // Said at once, so that whoever waits for `ready` waits for these filters.
    this.element.dataset.state = 'loading';
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#load(), delayMs);
  }

  async #load(): Promise<void> {
    this.#abort?.abort();
    const abort = new AbortController();
    this.#abort = abort;
    this.element.dataset.state = 'loading';
    try {
      const page = await listLibrary(this.#token, this.#query(), abort.signal);
      if (abort.signal.aborted) return;
      // Past the end (the last item of the last page went away): show the new last page.
      if (page.items.length === 0 && page.total > 0 && this.#filters.offset > 0) {
        const last = Math.floor((page.total - 1) / PAGE_SIZE) * PAGE_SIZE;
        this.#apply({ offset: last }, 0);
        return;
      }
      this.#render(page.items, page.total);
      this.element.dataset.state = 'ready';
    } catch (error) {
      if (abort.signal.aborted || this.#closed) return;
      this.element.dataset.state = 'error';
      this.#error.textContent = `Could not load the recordings: ${error instanceof Error ? error.message : String(error)}`;
      this.#error.hidden = false;
      showError('Could not load the recordings', error);
    }
  }

  #query(): LibraryQuery {
    const f = this.#filters;
    return {
      q: f.q || undefined,
      roomId: f.roomId || undefined,
      status: f.status || undefined,
      from: localDayRange(f.from)?.start,
      to: localDayRange(f.to)?.end,
      limit: PAGE_SIZE,
      offset: f.offset,
    };
  }

  #render(items: RecordingJson[], total: number): void {
    this.#error.hidden = true;
    let newRooms = false;
    for (const item of items) {
      const known = this.#rooms.get(item.roomId);
      if (known || (known === null && !item.roomTitle)) continue;
      newRooms = true;
      this.#rooms.set(item.roomId, item.roomTitle);
    }
    if (newRooms) this.#renderRoomOptions();
    replaceChildren(this.#list, ...items.map((item) => this.#item(item)));
    this.#empty.hidden = items.length > 0;
    this.#pager.update({ total, limit: PAGE_SIZE, offset: this.#filters.offset });
    this.#pager.element.hidden = total <= PAGE_SIZE && this.#filters.offset === 0;
  }

  #item(recording: RecordingJson): HTMLElement {
    const href = `/recordings/${encodeURIComponent(recording.id)}`;
    const room = recording.roomTitle
      ? `${recording.roomTitle} (${recording.roomId})`
      : recording.roomId;
    return h(
      'li',
      {
        class: 'card library-item',
        'data-testid': 'library-item',
        'data-recording-id': recording.id,
        'data-status': recording.status,
        'data-access': recording.access,
      },
      h('a', { class: 'library-thumb', href, tabindex: -1 }, this.#thumbs.element(recording)),
      h(
        'div',
        { class: 'library-main' },
        h(
          'a',
          {
            class: 'library-title',
            href,
            'data-testid': 'library-item-title',
            title: recording.title,
          },
          recording.title,
        ),
        h('span', { class: 'library-room', 'data-testid': 'library-item-room' }, room),
        h(
          'span',
          { class: 'library-meta' },
          h('span', {}, formatDateTime(recording.createdAt)),
          h(
            'span',
            { 'data-testid': 'library-item-duration' },
            formatDuration(recording.durationSeconds),
          ),
          h('span', { 'data-testid': 'library-item-size' }, formatBytes(recording.fileSize)),
        ),
      ),
      h(
        'div',
        { class: 'library-side' },
        h(
          'span',
          { class: `status status-${recording.status}`, 'data-testid': 'library-item-status' },
          statusLabel(recording.status),
        ),
        h(
          'span',
          { class: `access access-${recording.access}`, 'data-testid': 'library-item-access' },
          accessLabels[recording.access],
        ),
      ),
    );
  }

  async #loadRooms(): Promise<void> {
    let rooms: RoomJson[];
    try {
      ({ items: rooms } = await listRooms(this.#token));
    } catch (error) {
      // The filter still offers the rooms seen on recordings.
      console.warn('library: could not list the rooms', error);
      return;
    }
    if (this.#closed) return;
    for (const room of rooms) this.#rooms.set(room.roomId, room.title);
    this.#renderRoomOptions();
  }

  #renderRoomOptions(): void {
    const rooms = [...this.#rooms].sort(([a, titleA], [b, titleB]) =>
      (titleA ?? a).localeCompare(titleB ?? b),
    );
    replaceChildren(
      this.#room,
      h('option', { value: '' }, 'All rooms'),
      ...rooms.map(([roomId, title]) =>
        h('option', { value: roomId }, title ? `${title} (${roomId})` : roomId),
      ),
    );
    this.#room.value = this.#filters.roomId;
  }

  #renderLive(): void {
    const state = this.#live.state;
    this.element.dataset.live = state;
    this.#liveBadge.dataset.state = state;
    this.#liveBadge.textContent = state === 'connected' ? 'Live' : 'Offline';
    this.#liveBadge.title =
      state === 'connected'
        ? 'Changes appear as they happen'
        : 'Not connected: reload the page to see changes';
  }

  #writeUrl(): void {
    const f = this.#filters;
    const params = new URLSearchParams();
    if (f.q) params.set('q', f.q);
    if (f.roomId) params.set('roomId', f.roomId);
    if (f.status) params.set('status', f.status);
    if (f.from) params.set('from', f.from);
    if (f.to) params.set('to', f.to);
    if (f.offset) params.set('offset', String(f.offset));
    const query = params.toString();
    history.replaceState(null, '', query ? `/recordings?${query}` : '/recordings');
  }
}
