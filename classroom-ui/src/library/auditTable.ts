/** The audit trail as a table, shared by the admin audit page and a recording's audit tab. */
import type { AuditEntryJson } from '#protocol/rest/audit';
import { h } from '../dom';
import { formatDateTime } from '../format';
import { auditActionLabel } from '../labels';

/** `key: value` pairs of an entry's details, values as JSON when they are not plain. */
function detailsText(details: Record<string, unknown>): string {
  return Object.entries(details)
    .map(([key, value]) => {
      const text =
        typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
          ? String(value)
          : JSON.stringify(value);
      return `${key}: ${text}`;
    })
    .join(', ');
}

export function auditTable(
  entries: readonly AuditEntryJson[],
  { showRecording }: { showRecording: boolean },
): HTMLElement {
  const head = [
    'Time',
    'Who',
    'Action',
    ...(showRecording ? ['Recording'] : []),
    'IP',
    'Browser',
    'Details',
  ];
  const rows = entries.map((entry) => {
    const who = entry.actor
      ? h(
          'span',
          { class: 'audit-actor', title: entry.actor.fullName },
          h('span', {}, entry.actor.fullName),
          h('span', { class: 'audit-muted' }, entry.actor.email),
        )
      : h('span', { class: 'audit-muted' }, entry.actorId ? 'deleted account' : 'nobody signed in');
    const recording = entry.recordingId
      ? h(
          'a',
          { href: `/recordings/${encodeURIComponent(entry.recordingId)}`, class: 'mono' },
          entry.recordingId.slice(0, 8),
        )
      : h('span', { class: 'audit-muted' }, '—');
    return h(
      'tr',
      {
        'data-testid': 'audit-row',
        'data-action': entry.action,
        'data-actor-email': entry.actor?.email ?? '',
        'data-recording-id': entry.recordingId ?? '',
      },
      h('td', { class: 'nowrap' }, h('time', { datetime: entry.at }, formatDateTime(entry.at))),
      h('td', {}, who),
      h(
        'td',
        {},
        h('span', { class: 'audit-action', title: entry.action }, auditActionLabel(entry.action)),
      ),
      showRecording ? h('td', {}, recording) : null,
      h('td', { class: 'mono' }, entry.ip ?? '—'),
      h('td', { class: 'audit-agent', title: entry.userAgent ?? '' }, entry.userAgent ?? '—'),
      h('td', { class: 'audit-details' }, detailsText(entry.details)),
    );
  });
  return h(
    'div',
    { class: 'table-scroll' },
    h(
      'table',
      { class: 'table', 'data-testid': 'audit-list' },
      h('thead', {}, h('tr', {}, ...head.map((label) => h('th', { scope: 'col' }, label)))),
      h('tbody', {}, ...rows),
    ),
  );
}
