/**
 * `/admin/recorders`: the running recorder bots, polled every second, each
 * with its live stats, what it draws right now (a JPEG fetched with the
 * Bearer header) and its recent console lines. The role check here is only
 * for the page; the API enforces it.
 */
import { ApiError } from '../api';
import { createHeader } from '../components/header';
import { refuseUnlessAdmin } from '../components/notice';
import { appRoot, h, replaceChildren } from '../dom';
import { formatBytes, formatDateTime, formatDuration } from '../format';
import { listRecorderBots, recorderPreview, type RecorderBotStats } from '../recordingsApi';
import type { Session } from '../session';

const POLL_MS = 1000;
// Twice a second, so the view shows at least one new frame per second.
const PREVIEW_MS = 500;

export function renderAdminRecordersPage(session: Session): void {
  const root = appRoot();
  const header = createHeader(session.user, 'Recorder bots');
  const replace = (...children: Node[]) => replaceChildren(root, ...children);
  if (refuseUnlessAdmin(session.user, header.element, 'The recorder bots view', replace)) return;
  const view = new RecorderBotsView(session.token);
  replaceChildren(root, header.element, view.element);
  view.start();
  window.addEventListener('pagehide', () => view.stop());
}

class RecorderBotsView {
  readonly element: HTMLElement;
  readonly #token: string;
  readonly #list: HTMLElement;
  readonly #empty: HTMLElement;
  readonly #updated: HTMLElement;
  readonly #cards = new Map<string, BotCard>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #abort = new AbortController();
  #stopped = false;

  constructor(token: string) {
    this.#token = token;
    this.#list = h('div', { class: 'bots', 'data-testid': 'recorder-list' });
    this.#empty = h(
      'div',
      { class: 'card empty-card', 'data-testid': 'recorder-empty' },
      h('p', { class: 'stage-empty-title' }, 'No recorder bot is running'),
      h('p', { class: 'stage-empty-text' }, 'Bots appear here while a room is being recorded.'),
    );
    this.#updated = h('span', { class: 'page-meta' });
    this.element = h(
      'main',
      { class: 'page' },
      h(
        'div',
        { class: 'page-heading' },
        h('h1', { class: 'page-title' }, 'Recorder bots'),
        this.#updated,
      ),
      this.#empty,
      this.#list,
    );
  }

  start(): void {
    void this.#poll();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#abort.abort();
    for (const card of this.#cards.values()) card.close();
    this.#cards.clear();
  }

  /** One poll at a time: the next is scheduled when this one is done. */
  async #poll(): Promise<void> {
    if (this.#stopped) return;
    try {
      const bots = await listRecorderBots(this.#token, this.#abort.signal);
      this.#update(bots);
      this.#updated.textContent = `Updated ${new Date().toLocaleTimeString()}`;
    } catch (error) {
      if (this.#stopped) return;
      this.#update([]);
      this.#updated.textContent =
        error instanceof ApiError && error.status === 404
          ? 'The recorder API is not available on this server.'
          : `Cannot load the bots: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (!this.#stopped) this.#timer = setTimeout(() => void this.#poll(), POLL_MS);
  }

  #update(bots: RecorderBotStats[]): void {
    const seen = new Set<string>();
    for (const bot of bots) {
      seen.add(bot.recordingId);
      let card = this.#cards.get(bot.recordingId);
      if (!card) {
        card = new BotCard(this.#token, bot.recordingId);
        this.#cards.set(bot.recordingId, card);
        this.#list.appendChild(card.element);
      }
      card.update(bot);
    }
    for (const [id, card] of this.#cards) {
      if (seen.has(id)) continue;
      card.close();
      this.#cards.delete(id);
    }
    this.#empty.hidden = this.#cards.size > 0;
  }
}

/** One bot: stats table, live preview, console. Updated in place to keep scroll and selection. */
class BotCard {
  readonly element: HTMLElement;
  readonly #token: string;
  readonly #recordingId: string;
  readonly #title: HTMLElement;
  readonly #state: HTMLElement;
  readonly #stats: HTMLElement;
  readonly #image: HTMLImageElement;
  readonly #console: HTMLElement;
  readonly #error: HTMLElement;
  readonly #abort = new AbortController();
  #imageUrl: string | null = null;
  #previewTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(token: string, recordingId: string) {
    this.#token = token;
    this.#recordingId = recordingId;
    this.#title = h('h2', { class: 'bot-title' });
    this.#state = h('span', { class: 'status' });
    this.#stats = h('dl', { class: 'bot-stats' });
    this.#image = h('img', {
      class: 'bot-preview-image',
      alt: 'What the recorder is drawing',
      'data-testid': 'recorder-preview',
    });
    this.#console = h('pre', { class: 'bot-console', 'data-testid': 'recorder-console' });
    this.#error = h('p', { class: 'form-error', hidden: true });
    this.element = h(
      'article',
      { class: 'card bot', 'data-testid': 'recorder-card', 'data-recording-id': recordingId },
      h('div', { class: 'bot-header' }, this.#title, this.#state),
      h(
        'div',
        { class: 'bot-body' },
        h('div', { class: 'bot-preview' }, this.#image),
        h('div', { class: 'bot-details' }, this.#stats, this.#error),
      ),
      h('h3', { class: 'bot-subtitle' }, 'Console'),
      this.#console,
    );
    void this.#refreshPreview();
  }

  update(bot: RecorderBotStats): void {
    this.#title.textContent = bot.title || bot.recordingId;
    this.#state.textContent = bot.state;
    this.#state.className = `status status-${bot.state}`;
    const rows: Array<[string, string]> = [
      ['Room', bot.roomId],
      ['Recording', bot.recordingId],
      ['Started', formatDateTime(bot.startedAt)],
      ['Uptime', formatDuration(bot.uptimeSeconds)],
      [
        'Worker',
        bot.workerId ? `${bot.workerId} on ${bot.workerHost ?? '?'}` : 'waiting for a worker',
      ],
      ['Browser pid', bot.pid === null ? '–' : String(bot.pid)],
      ['Tiles', String(bot.tiles)],
      ['Frames / s', bot.framesPerSecond.toFixed(1)],
      ['Slices received', String(bot.slicesReceived)],
      ['Bytes received', formatBytes(bot.bytesReceived)],
    ];
    replaceChildren(
      this.#stats,
      ...rows.flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]),
    );
    this.#error.hidden = !bot.lastError;
    this.#error.textContent = bot.lastError ? `Last error: ${bot.lastError}` : '';

    const text = bot.consoleLines.join('\n');
    if (this.#console.textContent !== text) {
      const atBottom =
        this.#console.scrollTop + this.#console.clientHeight >= this.#console.scrollHeight - 4;
      this.#console.textContent = text;
      if (atBottom) this.#console.scrollTop = this.#console.scrollHeight;
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#previewTimer);
    this.#abort.abort();
    if (this.#imageUrl) URL.revokeObjectURL(this.#imageUrl);
    this.element.remove();
  }

  /** Fetches the next frame; the next fetch starts when this one is done (twice a second). */
  async #refreshPreview(): Promise<void> {
    if (this.#closed) return;
    const started = performance.now();
    try {
      const blob = await recorderPreview(this.#token, this.#recordingId, this.#abort.signal);
      if (this.#closed) return;
      const url = URL.createObjectURL(blob);
      const previous = this.#imageUrl;
      this.#imageUrl = url;
      this.#image.src = url;
      this.#image.classList.remove('is-missing');
      if (previous) URL.revokeObjectURL(previous);
    } catch {
      if (this.#closed) return;
      this.#image.classList.add('is-missing');
    }
    const delay = Math.max(0, PREVIEW_MS - (performance.now() - started));
    this.#previewTimer = setTimeout(() => void this.#refreshPreview(), delay);
  }
}
