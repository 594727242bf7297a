/**
 * The recording lifecycle as a state machine:
 *
 *   pending ──first slice persisted──▶ recording ──stop──▶ stopped ──▶ processing ──▶ ready
 *      │                                   │                  │             │
 *      └──────────────── failed ◀──────────┴──────────────────┴─────────────┘
 *
 * Every transition the service makes is checked here and written to the
 * database with a conditional update (RecordingsRepository.transition), so a
 * late event can never move a recording backwards.
 */
import type { RecordingStatus } from '#db/schema';

const transitions: Record<RecordingStatus, readonly RecordingStatus[]> = {
  pending: ['recording', 'failed'],
  recording: ['stopped', 'failed'],
  stopped: ['processing', 'failed'],
  processing: ['ready', 'failed'],
  ready: [],
  failed: [],
};

export function canTransition(from: RecordingStatus, to: RecordingStatus): boolean {
  return transitions[from].includes(to);
}

/** The states from which `to` may be reached. */
export function sourcesOf(to: RecordingStatus): RecordingStatus[] {
  return (Object.keys(transitions) as RecordingStatus[]).filter((from) =>
    transitions[from].includes(to),
  );
}

/** A bot is running (or about to) for recordings in these states. */
export function isActive(status: RecordingStatus): boolean {
  return status === 'pending' || status === 'recording';
}

/** No further transition can happen. */
export function isTerminal(status: RecordingStatus): boolean {
  return transitions[status].length === 0;
}
