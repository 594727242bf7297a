/**
 * The recording lifecycle as a state machine, the one source of its states
 * and transitions for the database enum, the repository, the service, the
 * REST contract and the UI:
 *
 *   pending ──first slice persisted──▶ recording ──stop──▶ stopped ──▶ processing ──▶ ready
 *      │  └──────────── media on disk, start never confirmed ──▶ stopped        │
 *      └──────────────── failed ◀──────────┴──────────────────┴─────────────────┘
 *
 * `RecordingsRepository.transition(id, to)` derives the states it may move
 * from out of this table and writes with a conditional update, so a late
 * event can never move a recording backwards or skip a step.
 */
export const recordingStatuses = [
  'pending',
  'recording',
  'stopped',
  'processing',
  'ready',
  'failed',
] as const;
export type RecordingStatusName = (typeof recordingStatuses)[number];

const transitions: Record<RecordingStatusName, readonly RecordingStatusName[]> = {
  // pending → stopped: the bot ended (or the server restarted) after media
  // reached the disk but before the first-slice status write went through.
  pending: ['recording', 'stopped', 'failed'],
  recording: ['stopped', 'failed'],
  stopped: ['processing', 'failed'],
  processing: ['ready', 'failed'],
  ready: [],
  failed: [],
};

export function canTransition(from: RecordingStatusName, to: RecordingStatusName): boolean {
  return transitions[from].includes(to);
}

/** The states from which `to` may be reached. */
export function sourcesOf(to: RecordingStatusName): RecordingStatusName[] {
  return recordingStatuses.filter((from) => transitions[from].includes(to));
}

/** A bot is running (or about to) for recordings in these states. */
export const activeStatuses = [
  'pending',
  'recording',
] as const satisfies readonly RecordingStatusName[];

export function isActive(status: RecordingStatusName): boolean {
  return (activeStatuses as readonly string[]).includes(status);
}

/** No further transition can happen. */
export function isTerminal(status: RecordingStatusName): boolean {
  return transitions[status].length === 0;
}

/** States a recording can still leave (work left for a live server). */
export const unfinishedStatuses: readonly RecordingStatusName[] = recordingStatuses.filter(
  (s) => !isTerminal(s),
);
/** States a recording never leaves. */
export const terminalStatuses: readonly RecordingStatusName[] =
  recordingStatuses.filter(isTerminal);
