/**
 * `/recordings/:id`: one recording: its player, details and participants,
 * and what the caller's access level allows (download; share; edit, delete
 * and the audit trail for managers). A recording the caller may not see is
 * answered 404 like a missing one, and shown the same way. Live updates
 * reload it; a deleted one turns into the not-found card.
 */
import type { AuditPageJson } from '#protocol/rest/audit';
import type { RecordingDetailJson } from '#protocol/rest/recordings';
import { ApiError } from '../api';
import { createHeader } from '../components/header';
import { downloadButton } from '../components/downloadButton';
import { noticeCard } from '../components/notice';
import { createPager } from '../components/pager';
import { showError, showToast } from '../components/toast';
import { appRoot, h, replaceChildren } from '../dom';
import { formatBytes, formatDateTime, formatDuration } from '../format';
import { icon } from '../icons';
import { accessLabels, includesAccess, statusLabel } from '../labels';
import { auditTable } from '../library/auditTable';
import { RecordingEditor } from '../library/RecordingEditor';
import { RecordingPlayer } from '../library/RecordingPlayer';
import { RecordingUpdates } from '../library/RecordingUpdates';
import { SharePanel } from '../library/SharePanel';
import {
  getRecording,
  recordingAudit,
  reprocessRecording,
  verifyRecording,
} from '../recordingsApi';
import type { Session } from '../session';

const LIVE_COALESCE_MS = 250;
const AUDIT_PAGE_SIZE = 50;

type Tab = 'details' | 'audit';

export function renderRecordingPage(session: Session, recordingId: string): void {
  const page = new RecordingPage(session, recordingId);
  replaceChildren(appRoot(), createHeader(session.user).element, page.element);
  page.start();
  window.addEventListener('pagehide', () => page.close());
}

class RecordingPage {
  readonly element: HTMLElement;
  readonly #session: Session;
  readonly #recordingId: string;
  readonly #live: RecordingUpdates;
  readonly #player: RecordingPlayer;
  readonly #editor: RecordingEditor;
  readonly #root: HTMLElement;
  readonly #title: HTMLElement;
  readonly #badges: HTMLElement;
  readonly #actions: HTMLElement;
  /** Where the share panel goes once opened (between the heading and the tabs). */
  readonly #shareSlot = h('div', { class: 'share-slot' });
  readonly #tabs: HTMLElement;
  readonly #detailsTab: HTMLButtonElement;
  readonly #auditTab: HTMLButtonElement;
  readonly #detailsPanel: HTMLElement;
  readonly #auditPanel: HTMLElement;
  readonly #auditBody: HTMLElement;
  readonly #auditPager = createPager('recording-audit', (offset) => void this.#loadAudit(offset));
  readonly #info: HTMLElement;
  readonly #description: HTMLElement;
  readonly #participants: HTMLElement;
  #share: SharePanel | null = null;
  #recording: RecordingDetailJson | null = null;
  #tab: Tab = 'details';
  #auditOffset = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #abort: AbortController | null = null;
  #closed = false;

  constructor(session: Session, recordingId: string) {
    this.#session = session;
    this.#recordingId = recordingId;
    this.#live = new RecordingUpdates({ token: session.token });
    this.#player = new RecordingPlayer({ token: session.token, recordingId });
    this.#editor = new RecordingEditor({
      token: session.token,
      recordingId,
      onSaved: () => this.#schedule(0),
    });

    this.#title = h('h1', {
      class: 'page-title detail-title',
      'data-testid': 'recording-title-text',
    });
    this.#badges = h('div', { class: 'detail-badges' });
    this.#actions = h('div', { class: 'detail-actions' });
    this.#detailsTab = h(
      'button',
      { class: 'tab', type: 'button', role: 'tab', 'data-testid': 'details-tab' },
      'Details',
    );
    this.#auditTab = h(
      'button',
      { class: 'tab', type: 'button', role: 'tab', 'data-testid': 'audit-tab' },
      'Audit trail',
    );
    this.#detailsTab.addEventListener('click', () => this.#selectTab('details'));
    this.#auditTab.addEventListener('click', () => this.#selectTab('audit'));
    this.#tabs = h('div', { class: 'tabs', role: 'tablist' }, this.#detailsTab, this.#auditTab);

    this.#info = h('dl', { class: 'detail-info' });
    this.#description = h('p', {
      class: 'detail-description',
      'data-testid': 'recording-description-text',
    });
    this.#participants = h('ul', {
      class: 'participants',
      'data-testid': 'recording-participants',
    });
    this.#detailsPanel = h(
      'div',
      { class: 'detail-body', role: 'tabpanel' },
      h('div', { class: 'detail-player' }, this.#player.element),
      h(
        'aside',
        { class: 'card detail-side' },
        this.#description,
        this.#info,
        h('h2', { class: 'detail-subtitle' }, 'Participants'),
        this.#participants,
      ),
    );
    this.#auditBody = h('div', { class: 'card audit-card' });
    this.#auditPanel = h(
      'div',
      { role: 'tabpanel', hidden: true },
      this.#auditBody,
      this.#auditPager.element,
    );

    this.#root = h(
      'section',
      { class: 'detail', 'data-testid': 'recording-detail', 'data-recording-id': recordingId },
      h(
        'a',
        { class: 'back-link', href: '/recordings', 'data-testid': 'back-to-library' },
        '← All recordings',
      ),
      h(
        'div',
        { class: 'detail-heading' },
        h('div', { class: 'detail-heading-text' }, this.#title, this.#badges),
        this.#actions,
      ),
      this.#shareSlot,
      this.#tabs,
      this.#detailsPanel,
      this.#auditPanel,
      this.#editor.editDialog,
      this.#editor.deleteDialog,
    );
    this.element = h(
      'main',
      { class: 'page', 'data-testid': 'recording-page', 'data-state': 'loading' },
      h('p', { class: 'page-meta' }, 'Loading…'),
    );
    this.#selectTab('details');
  }

  start(): void {
    this.#live.on('state', ({ state, resumed }) => {
      this.#root.dataset.live = state;
      // Only after a reconnection: each read of a recording is an audited view.
      if (resumed) this.#schedule(LIVE_COALESCE_MS);
    });
    this.#live.on('hls-progress', (event) => this.#player.progress(event));
    this.#live.on('updated', (update) => {
      if (update.recordingId !== this.#recordingId) return;
      if (update.deleted) this.#showNotFound();
      else this.#schedule(LIVE_COALESCE_MS);
    });
    this.#root.dataset.live = this.#live.state;
    void this.#load();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#abort?.abort();
    this.#live.close();
    this.#player.close();
  }

  #schedule(delayMs: number): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#load(), delayMs);
  }

  async #load(): Promise<void> {
    this.#abort?.abort();
    const abort = new AbortController();
    this.#abort = abort;
    let recording: RecordingDetailJson;
    try {
      recording = await getRecording(this.#session.token, this.#recordingId, abort.signal);
    } catch (error) {
      if (abort.signal.aborted || this.#closed) return;
      if (error instanceof ApiError && error.status === 404) {
        this.#showNotFound();
        return;
      }
      showError('Could not load the recording', error);
      if (!this.#recording) {
        this.element.dataset.state = 'error';
        replaceChildren(
          this.element,
          noticeCard({
            testId: 'recording-error',
            title: 'The recording cannot be loaded',
            text: error instanceof Error ? error.message : String(error),
            link: { href: location.pathname, label: 'Try again' },
          }),
        );
      }
      return;
    }
    if (this.#closed) return;
    this.#recording = recording;
    this.#render(recording);
    if (this.#tab === 'audit') void this.#loadAudit(this.#auditOffset);
  }

  #showNotFound(): void {
    this.#recording = null;
    clearTimeout(this.#timer);
    this.#abort?.abort();
    this.#player.close();
    this.#live.close();
    this.element.dataset.state = 'not-found';
    this.element.classList.add('page-center');
    replaceChildren(
      this.element,
      noticeCard({
        testId: 'recording-not-found',
        title: 'Recording not found',
        text: 'This recording does not exist, was deleted, or has not been shared with you.',
        link: { href: '/recordings', label: 'Back to the recordings' },
      }),
    );
  }

  #render(recording: RecordingDetailJson): void {
    if (!this.#root.isConnected) replaceChildren(this.element, this.#root);
    this.element.dataset.state = 'ready';
    document.title = `${recording.title} · Classroom`;
    const root = this.#root;
    root.dataset.status = recording.status;
    root.dataset.access = recording.access;
    this.#title.textContent = recording.title;
    replaceChildren(
      this.#badges,
      h(
        'span',
        { class: `status status-${recording.status}`, 'data-testid': 'recording-status' },
        statusLabel(recording.status),
      ),
      h(
        'span',
        { class: `access access-${recording.access}`, 'data-testid': 'recording-access' },
        accessLabels[recording.access],
      ),
    );
    this.#renderActions(recording);
    this.#player.update(recording);

    const manage = recording.access === 'manage';
    this.#tabs.hidden = !manage;
    if (!manage && this.#tab === 'audit') this.#selectTab('details');

    this.#description.textContent = recording.description ?? '';
    this.#description.classList.toggle('is-empty', !recording.description);
    if (!recording.description) this.#description.textContent = 'No description.';
    const room = recording.roomTitle
      ? `${recording.roomTitle} (${recording.roomId})`
      : recording.roomId;
    const rows: Array<[string, Node | string, string]> = [
      [
        'Room',
        h('a', { href: `/recordings?roomId=${encodeURIComponent(recording.roomId)}` }, room),
        'recording-room',
      ],
      ['Recorded', formatDateTime(recording.startedAt ?? recording.createdAt), 'recording-date'],
      ['Duration', formatDuration(recording.durationSeconds), 'recording-duration'],
      ['Size', formatBytes(recording.fileSize), 'recording-size'],
    ];
    if (recording.hls) {
      rows.push([
        'Streaming',
        recording.hls.status === 'ready'
          ? `HLS: ${recording.hls.renditions.map((r) => `${r.height}p`).join(', ')}`
          : recording.hls.status === 'failed'
            ? `HLS failed${recording.hls.error ? ` (${recording.hls.error})` : ''}`
            : `HLS ${recording.hls.status}`,
        'recording-hls',
      ]);
    }
    if (recording.status === 'ready') {
      rows.push(
        [
          'Stored',
          recording.storage === 's3' ? 'Object storage' : 'Server disk',
          'recording-storage',
        ],
        [
          'Integrity',
          recording.integrity === 'corrupted'
            ? 'Corrupted: the file no longer matches its checksum'
            : recording.integrity === 'ok'
              ? `Verified${recording.verifiedAt ? ` ${formatDateTime(recording.verifiedAt)}` : ''}`
              : 'Not checked yet',
          'recording-integrity',
        ],
      );
    }
    if (recording.resolutionWidth && recording.resolutionHeight) {
      rows.push([
        'Video',
        `${recording.resolutionWidth}×${recording.resolutionHeight}${recording.fps ? ` at ${recording.fps} fps` : ''}`,
        'recording-video',
      ]);
    }
    replaceChildren(
      this.#info,
      ...rows.flatMap(([term, value, testId]) => [
        h('dt', {}, term),
        h('dd', { 'data-testid': testId }, value),
      ]),
    );
    replaceChildren(
      this.#participants,
      ...(recording.participants.length === 0
        ? [h('li', { class: 'panel-empty' }, 'Nobody was recorded.')]
        : recording.participants.map((p) =>
            h(
              'li',
              {
                class: 'participant',
                'data-testid': 'recording-participant',
                'data-user-id': p.userId ?? '',
              },
              h('span', { class: 'participant-name' }, p.fullName),
              h('span', { class: 'participant-role' }, p.role),
            ),
          )),
    );
    if (this.#share) {
      this.#share.setAccess(recording.access);
      if (this.#share.isOpen) void this.#share.refresh();
    }
  }

  #renderActions(recording: RecordingDetailJson): void {
    const buttons: HTMLElement[] = [];
    if (includesAccess(recording.access, 'download')) {
      const download = downloadButton(this.#session.token, recording);
      buttons.push(download);
    }
    if (includesAccess(recording.access, 'share')) {
      buttons.push(
        h(
          'button',
          {
            class: 'btn btn-secondary',
            type: 'button',
            'data-testid': 'share-open',
            onclick: () => this.#sharePanel(recording).open(),
          },
          icon('users'),
          'Share',
        ),
      );
    }
    if (recording.access === 'manage') {
      buttons.push(
        h(
          'button',
          {
            class: 'btn btn-secondary',
            type: 'button',
            'data-testid': 'edit-open',
            onclick: () => this.#recording && this.#editor.openEdit(this.#recording),
          },
          'Edit',
        ),
        h(
          'button',
          {
            class: 'btn btn-ghost btn-danger-text',
            type: 'button',
            'data-testid': 'delete-open',
            onclick: () => this.#recording && this.#editor.openDelete(this.#recording),
          },
          'Delete',
        ),
      );
    }
    if (this.#session.user.role === 'admin' && recording.status === 'ready') {
      buttons.push(
        h(
          'button',
          {
            class: 'btn btn-ghost',
            type: 'button',
            'data-testid': 'verify-recording',
            onclick: () => void this.#adminAction('verify'),
          },
          'Verify',
        ),
        h(
          'button',
          {
            class: 'btn btn-ghost',
            type: 'button',
            'data-testid': 'reprocess-recording',
            onclick: () => void this.#adminAction('reprocess'),
          },
          'Reprocess',
        ),
      );
    }
    replaceChildren(this.#actions, ...buttons);
  }

  async #adminAction(action: 'verify' | 'reprocess'): Promise<void> {
    try {
      if (action === 'verify') {
        const result = await verifyRecording(this.#session.token, this.#recordingId);
        showToast(
          result.integrity === 'ok'
            ? 'The file matches its checksum.'
            : `The file is corrupted: ${result.reason ?? 'checksum mismatch'}`,
          result.integrity === 'ok' ? 'success' : 'error',
        );
      } else {
        await reprocessRecording(this.#session.token, this.#recordingId);
        showToast('Streaming is being prepared again.', 'info');
      }
    } catch (error) {
      showError(action === 'verify' ? 'Could not verify' : 'Could not reprocess', error);
    }
    this.#schedule(0);
  }

  #sharePanel(recording: RecordingDetailJson): SharePanel {
    if (!this.#share) {
      this.#share = new SharePanel({
        token: this.#session.token,
        recordingId: this.#recordingId,
        userId: this.#session.user.id,
        access: recording.access,
      });
      this.#shareSlot.appendChild(this.#share.element);
    }
    return this.#share;
  }

  #selectTab(tab: Tab): void {
    this.#tab = tab;
    this.#detailsTab.setAttribute('aria-selected', String(tab === 'details'));
    this.#auditTab.setAttribute('aria-selected', String(tab === 'audit'));
    this.#detailsPanel.hidden = tab !== 'details';
    this.#auditPanel.hidden = tab !== 'audit';
    if (tab === 'audit') void this.#loadAudit(this.#auditOffset);
  }

  async #loadAudit(offset: number): Promise<void> {
    this.#auditOffset = offset;
    let page: AuditPageJson;
    try {
      page = await recordingAudit(this.#session.token, this.#recordingId, {
        limit: AUDIT_PAGE_SIZE,
        offset,
      });
    } catch (error) {
      showError('Could not load the audit trail', error);
      return;
    }
    if (this.#closed) return;
    replaceChildren(
      this.#auditBody,
      auditTable(page.items, { showRecording: false }),
      page.items.length === 0
        ? h('p', { class: 'panel-empty', 'data-testid': 'audit-empty' }, 'Nothing recorded yet.')
        : null,
    );
    this.#auditPager.update(page);
    this.#auditPager.element.hidden = page.total <= page.limit && offset === 0;
  }
}
