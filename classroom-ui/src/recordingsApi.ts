/**
 * The recording API (library, playback, sharing, audit) and the admin
 * recorder-bot API, as the classroom UI calls them. Response types come from
 * the REST contract in protocol/rest, imported as types only so that zod
 * stays out of the bundle.
 */
import type { RecordingLayout } from '#protocol/layout';
import type { RecorderBotJson, StorageReportJson } from '#protocol/rest/admin';
import type { AuditAction, AuditPageJson } from '#protocol/rest/audit';
import type {
  VerifyResultJson,
  PlaybackJson,
  RecordingDetailJson,
  RecordingJson,
  RecordingPageJson,
  RecordingStatusName,
  SharePermissionName,
  ShareJson,
  ShareListJson,
  StartedRecordingJson,
  StoppedRecordingJson,
} from '#protocol/rest/recordings';
import type { RoomMemberRoleName } from '#protocol/rest/rooms';
import { apiFetch, apiJson, queryString } from './api';

export type RecordingStatus = RecordingStatusName;
/** A recording as listed (room panel, library). */
export type RecordingSummary = RecordingJson;
export type RecordingPage = RecordingPageJson;
export type StartedRecording = StartedRecordingJson;
export type StoppedRecording = StoppedRecordingJson;

/** One running bot as the admin debug view shows it (the API's own schema). */
export type RecorderBotStats = RecorderBotJson;

/** The library's filters; dates are ISO timestamps, empty values are left out. */
export interface LibraryQuery {
  q?: string;
  roomId?: string;
  status?: RecordingStatusName;
  from?: string;
  to?: string;
  limit: number;
  offset: number;
}

/** Who a share goes to: one account by email, or every member of the room with a role. */
export type ShareGrantee = { email: string } | { role: RoomMemberRoleName };

export interface AuditQuery {
  action?: AuditAction;
  from?: string;
  to?: string;
  limit: number;
  offset: number;
}

/** Statuses after which a recording no longer changes by itself. */
export const finalStatuses: ReadonlySet<string> = new Set(['ready', 'failed', 'deleted']);

const recordingPath = (id: string) => `/api/v1/recordings/${encodeURIComponent(id)}`;

/** Starts recording the room; without `layout` the server uses `auto`. */
export function startRecording(
  token: string,
  roomId: string,
  title: string,
  layout?: RecordingLayout,
): Promise<StartedRecording> {
  return apiJson('/api/v1/recordings/start', {
    method: 'POST',
    token,
    body: { roomId, title, layout },
  });
}

/** Changes the layout of a recording in progress (409 once it is not; 403/404 without manage). */
export function changeRecordingLayout(
  token: string,
  recordingId: string,
  layout: RecordingLayout,
): Promise<RecordingJson> {
  return apiJson(`${recordingPath(recordingId)}/layout`, {
    method: 'POST',
    token,
    body: { layout },
  });
}

export function stopRecording(token: string, recordingId: string): Promise<StoppedRecording> {
  return apiJson(`${recordingPath(recordingId)}/stop`, { method: 'POST', token });
}

/** The newest recordings of one room (the room page's panel). */
export function listRecordings(token: string, roomId: string, limit = 20): Promise<RecordingPage> {
  return apiJson(`/api/v1/recordings${queryString({ roomId, limit, offset: 0 })}`, { token });
}

/** One page of the recordings the caller may view. */
export function listLibrary(
  token: string,
  query: LibraryQuery,
  signal?: AbortSignal,
): Promise<RecordingPage> {
  return apiJson(`/api/v1/recordings${queryString({ ...query })}`, { token, signal });
}

/** One recording with its participants; 404 (ApiError) when missing or not visible to the caller. */
export function getRecording(
  token: string,
  recordingId: string,
  signal?: AbortSignal,
): Promise<RecordingDetailJson> {
  return apiJson(recordingPath(recordingId), { token, signal });
}

export function updateRecording(
  token: string,
  recordingId: string,
  patch: { title?: string; description?: string | null },
): Promise<RecordingJson> {
  return apiJson(recordingPath(recordingId), { method: 'PATCH', token, body: patch });
}

export async function deleteRecording(token: string, recordingId: string): Promise<void> {
  await apiFetch(recordingPath(recordingId), { method: 'DELETE', token });
}

/** The thumbnail as a Blob: the endpoint needs the Bearer header, so an <img> cannot load it. */
export async function recordingThumbnail(
  token: string,
  recordingId: string,
  signal?: AbortSignal,
): Promise<Blob> {
  const response = await apiFetch(`${recordingPath(recordingId)}/thumbnail`, { token, signal });
  return response.blob();
}

/** A short-lived URL a <video> element plays directly (the media token is in its query). */
export function playbackUrl(token: string, recordingId: string): Promise<PlaybackJson> {
  return apiJson(`${recordingPath(recordingId)}/playback`, { method: 'POST', token });
}

/** Admins: what recordings take, where, and what is left on the disk. */
export function storageReport(token: string): Promise<StorageReportJson> {
  return apiJson('/api/v1/admin/storage', { token });
}

/** Admins: re-hashes the WebM where it is stored. */
export function verifyRecording(token: string, recordingId: string): Promise<VerifyResultJson> {
  return apiJson(`${recordingPath(recordingId)}/verify`, { method: 'POST', token });
}

/** Admins: produces the HLS renditions again. */
export function reprocessRecording(token: string, recordingId: string): Promise<RecordingJson> {
  return apiJson(`${recordingPath(recordingId)}/reprocess`, { method: 'POST', token });
}

/**
 * Downloads the file through a short-lived download link: the browser
 * fetches it itself (streamed to disk, however large; from the bucket by a
 * redirect with STORAGE=s3), so nothing is held in the page's memory.
 */
export async function downloadRecording(
  token: string,
  recording: Pick<RecordingJson, 'id' | 'title'>,
): Promise<void> {
  const { downloadUrl } = await playbackUrl(token, recording.id);
  if (!downloadUrl) throw new Error('you may view this recording, not download it');
  const link = document.createElement('a');
  link.href = downloadUrl;
  // The server names the file (Content-Disposition); this asks for a download, not a page.
  link.download = '';
  document.body.appendChild(link);
  link.click();
  link.remove();
}

export async function listShares(token: string, recordingId: string): Promise<ShareJson[]> {
  const { items } = await apiJson<ShareListJson>(`${recordingPath(recordingId)}/shares`, { token });
  return items;
}

/** Creates the share, or changes its permission when the grantee already has one. */
export function createShare(
  token: string,
  recordingId: string,
  grantee: ShareGrantee,
  permission: SharePermissionName,
): Promise<ShareJson> {
  return apiJson(`${recordingPath(recordingId)}/shares`, {
    method: 'POST',
    token,
    body: { ...grantee, permission },
  });
}

export async function deleteShare(
  token: string,
  recordingId: string,
  shareId: string,
): Promise<void> {
  await apiFetch(`${recordingPath(recordingId)}/shares/${encodeURIComponent(shareId)}`, {
    method: 'DELETE',
    token,
  });
}

/** The recording's own audit trail (managers). */
export function recordingAudit(
  token: string,
  recordingId: string,
  query: AuditQuery,
  signal?: AbortSignal,
): Promise<AuditPageJson> {
  return apiJson(`${recordingPath(recordingId)}/audit${queryString({ ...query })}`, {
    token,
    signal,
  });
}

export async function listRecorderBots(
  token: string,
  signal?: AbortSignal,
): Promise<RecorderBotStats[]> {
  const { items } = await apiJson<{ items: RecorderBotStats[] }>('/api/v1/admin/recorders', {
    token,
    signal,
  });
  return items;
}

export async function recorderPreview(
  token: string,
  recordingId: string,
  signal?: AbortSignal,
): Promise<Blob> {
  const response = await apiFetch(
    `/api/v1/admin/recorders/${encodeURIComponent(recordingId)}/preview.jpg`,
    { token, signal },
  );
  return response.blob();
}
