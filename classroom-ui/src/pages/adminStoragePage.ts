/**
 * `/admin/storage`: where the recordings' bytes are (this disk or the
 * bucket), what is left on the disk against the floor that refuses new
 * recordings, and who and which rooms use the most. Read once per visit;
 * the role check here is only for the page, the API enforces it.
 */
import type { StorageReportJson } from '#protocol/rest/admin';
import { createHeader } from '../components/header';
import { refuseUnlessAdmin } from '../components/notice';
import { showError } from '../components/toast';
import { appRoot, h, replaceChildren } from '../dom';
import { formatBytes } from '../format';
import { storageReport } from '../recordingsApi';
import type { Session } from '../session';

export function renderAdminStoragePage(session: Session): void {
  const root = appRoot();
  const header = createHeader(session.user, 'Storage');
  const replace = (...children: Node[]) => replaceChildren(root, ...children);
  if (refuseUnlessAdmin(session.user, header.element, 'The storage view', replace)) return;
  const main = h(
    'main',
    { class: 'page', 'data-testid': 'storage-page', 'data-state': 'loading' },
    h('h1', { class: 'page-title' }, 'Storage'),
    h('p', { class: 'page-meta' }, 'Loading…'),
  );
  replace(header.element, main);
  storageReport(session.token)
    .then((report) => {
      main.dataset.state = 'ready';
      replaceChildren(main, h('h1', { class: 'page-title' }, 'Storage'), ...reportView(report));
    })
    .catch((error: unknown) => {
      main.dataset.state = 'error';
      showError('Could not load the storage report', error);
    });
}

function table(testId: string, head: string[], rows: Array<Array<Node | string>>): HTMLElement {
  return h(
    'div',
    { class: 'table-scroll' },
    h(
      'table',
      { class: 'table', 'data-testid': testId },
      h('thead', {}, h('tr', {}, ...head.map((label) => h('th', { scope: 'col' }, label)))),
      h('tbody', {}, ...rows.map((cells) => h('tr', {}, ...cells.map((c) => h('td', {}, c))))),
    ),
  );
}

function reportView(report: StorageReportJson): HTMLElement[] {
  const low = report.disk.freeBytes < report.disk.minFreeBytes;
  const facts: Array<[string, string, string]> = [
    [
      'Stored in',
      report.backend === 's3' ? 'Object storage (S3)' : 'This server’s disk',
      'storage-backend',
    ],
    ['Encrypted at rest', report.encrypted ? 'Yes (AES-256-GCM)' : 'No', 'storage-encrypted'],
    [
      'Recordings',
      `${report.total.recordings} (${report.total.local} on disk, ${report.total.s3} in the bucket)`,
      'storage-count',
    ],
    ['Total size', formatBytes(report.total.bytes), 'storage-total'],
    [
      'Free disk',
      `${formatBytes(report.disk.freeBytes)}${low ? ' — below the floor: new recordings are refused' : ''} (floor ${formatBytes(report.disk.minFreeBytes)})`,
      'storage-free',
    ],
    [
      'Quota per owner',
      report.quotaBytes ? formatBytes(report.quotaBytes) : 'None',
      'storage-quota',
    ],
  ];
  return [
    h(
      'dl',
      { class: 'card detail-info' },
      ...facts.flatMap(([term, value, testId]) => [
        h('dt', {}, term),
        h('dd', { 'data-testid': testId }, value),
      ]),
    ),
    h('h2', { class: 'detail-subtitle' }, 'By owner'),
    table(
      'storage-by-owner',
      ['Owner', 'Recordings', 'Size'],
      report.byOwner.map((o) => [
        o.fullName ?? o.userId,
        String(o.recordings),
        formatBytes(o.bytes),
      ]),
    ),
    h('h2', { class: 'detail-subtitle' }, 'By room'),
    table(
      'storage-by-room',
      ['Room', 'Recordings', 'Size'],
      report.byRoom.map((r) => [r.roomId, String(r.recordings), formatBytes(r.bytes)]),
    ),
    h('h2', { class: 'detail-subtitle' }, 'Largest recordings'),
    table(
      'storage-largest',
      ['Recording', 'Room', 'Stored in', 'Size'],
      report.largest.map((r) => [
        h('a', { href: `/recordings/${r.recordingId}` }, r.title),
        r.roomId,
        r.storage === 's3' ? 'bucket' : 'disk',
        formatBytes(r.bytes),
      ]),
    ),
  ];
}
