/** The recording API and the admin recorder-bot API, as the classroom UI calls them. */
import { apiFetch, apiJson } from './api';

export type RecordingStatus =
  'pending' | 'recording' | 'stopped' | 'processing' | 'ready' | 'failed' | (string & {});

export interface RecordingSummary {
  id: string;
  title: string;
  status: RecordingStatus;
  durationSeconds: number | null;
  fileSize: number | null;
  createdAt: string;
}

export interface RecordingPage {
  items: RecordingSummary[];
  total: number;
  limit: number;
  offset: number;
}

export interface StartedRecording {
  recordingId: string;
  status: RecordingStatus;
  startedAt: string;
}

export interface StoppedRecording {
  recordingId: string;
  status: RecordingStatus;
  stoppedAt: string | null;
  durationSeconds: number | null;
}

export interface RecorderBotStats {
  recordingId: string;
  roomId: string;
  title: string;
  state: string;
  startedAt: string;
  uptimeSeconds: number;
  tiles: number;
  framesPerSecond: number;
  slicesReceived: number;
  bytesReceived: number;
  lastError: string | null;
  consoleLines: string[];
}

/** Statuses after which a recording no longer changes by itself. */
export const finalStatuses: ReadonlySet<string> = new Set(['ready', 'failed', 'deleted']);

export function startRecording(
  token: string,
  roomId: string,
  title: string,
): Promise<StartedRecording> {
  return apiJson('/api/v1/recordings/start', { method: 'POST', token, body: { roomId, title } });
}

export function stopRecording(token: string, recordingId: string): Promise<StoppedRecording> {
  return apiJson(`/api/v1/recordings/${encodeURIComponent(recordingId)}/stop`, {
    method: 'POST',
    token,
  });
}

export function listRecordings(token: string, roomId: string, limit = 20): Promise<RecordingPage> {
  const query = new URLSearchParams({ roomId, limit: String(limit), offset: '0' });
  return apiJson(`/api/v1/recordings?${query.toString()}`, { token });
}

/** Fetches the file with the Bearer header and hands it to the browser as a download. */
export async function downloadRecording(token: string, recording: RecordingSummary): Promise<void> {
  const response = await apiFetch(
    `/api/v1/recordings/${encodeURIComponent(recording.id)}/download`,
    {
      token,
    },
  );
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download =
    fileNameOf(response.headers.get('Content-Disposition')) ?? `${safeName(recording.title)}.webm`;
  document.body.appendChild(link);
  link.click();
  link.remove();
  // The download has started from the blob; give the browser a moment before freeing it.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

function fileNameOf(disposition: string | null): string | null {
  if (!disposition) return null;
  const star = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
  if (star?.[1]) {
    try {
      return decodeURIComponent(star[1]);
    } catch {
      // Fall back to the plain filename.
    }
  }
  const plain = /filename="?([^";]+)"?/i.exec(disposition);
  return plain?.[1] ?? null;
}

function safeName(title: string): string {
  return title.replace(/[^\w.-]+/g, '_').slice(0, 80) || 'recording';
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
