import type { RecordingParticipantRow } from '#db/schema';

/** A participant as the API and metadata.json show it. */
export function participantJson(p: RecordingParticipantRow) {
  return {
    peerId: p.peerId,
    userId: p.userId,
    fullName: p.fullName,
    role: p.role,
    joinedAt: p.joinedAt,
    leftAt: p.leftAt,
  };
}
