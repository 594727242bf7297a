/**
 * Loads what the recording policy needs from the database and applies it:
 * one recording (`require`) or a page of them (`levelsOf`), in a fixed
 * number of queries. Routes ask this, never the tables.
 */
import type { RecordingsRepository } from '#db/repositories/RecordingsRepository';
import type { RoomsRepository } from '#db/repositories/RoomsRepository';
import type { SharesRepository } from '#db/repositories/SharesRepository';
import type { RecordingRow, RoomRow } from '#db/schema';
import { ForbiddenError, NotFoundError } from '../errors';
import {
  includesLevel,
  recordingAccessLevel,
  type AccessLevel,
  type AccessSubject,
} from './recordingPolicy';

export interface AccessibleRecording {
  row: RecordingRow;
  level: AccessLevel;
  room: RoomRow | undefined;
}

/** What a caller lacking `needed` is told, per level. */
const deniedMessages: Record<AccessLevel, string> = {
  view: 'you may not view this recording',
  download: 'you may view this recording but not download it',
  share: 'you may not share this recording',
  manage: 'only the recording’s owner, its room’s owner or an admin may do that',
};

export class RecordingAccess {
  readonly #recordings: RecordingsRepository;
  readonly #rooms: RoomsRepository;
  readonly #shares: SharesRepository;

  constructor({
    recordings,
    rooms,
    shares,
  }: {
    recordings: RecordingsRepository;
    rooms: RoomsRepository;
    shares: SharesRepository;
  }) {
    this.#recordings = recordings;
    this.#rooms = rooms;
    this.#shares = shares;
  }

  /**
   * The recording if the caller holds `needed` on it. No level at all (or
   * no such recording, or a deleted one): 404. Some level, but less: 403.
   */
  async require(
    subject: AccessSubject,
    recordingId: string,
    needed: AccessLevel,
  ): Promise<AccessibleRecording> {
    const row = await this.#recordings.findById(recordingId);
    if (!row) throw new NotFoundError('recording not found');
    const [found] = await this.levelsOf(subject, [row]);
    if (!found?.level) throw new NotFoundError('recording not found');
    if (!includesLevel(found.level, needed)) throw new ForbiddenError(deniedMessages[needed]);
    return { row, level: found.level, room: found.room };
  }

  /** The caller's level on each row (null for none), with each row's room. */
  async levelsOf(
    subject: AccessSubject,
    rows: readonly RecordingRow[],
  ): Promise<Array<{ row: RecordingRow; level: AccessLevel | null; room: RoomRow | undefined }>> {
    const roomIds = [...new Set(rows.map((r) => r.roomId))];
    const [rooms, memberships, shares] = await Promise.all([
      this.#rooms.findByIds(roomIds),
      this.#rooms.membershipsOf(subject.userId, roomIds),
      this.#shares.applicableTo(
        subject.userId,
        rows.map((r) => r.id),
      ),
    ]);
    const roomById = new Map(rooms.map((r) => [r.id, r]));
    return rows.map((row) => {
      const room = roomById.get(row.roomId);
      const level = recordingAccessLevel(subject, {
        recording: row,
        roomOwnerId: room?.ownerId ?? null,
        memberRole: memberships.get(row.roomId) ?? null,
        shares: shares.filter((s) => s.recordingId === row.id),
      });
      return { row, level, room };
    });
  }

  /**
   * Users who may view a recording (admins aside: they see everything), for
   * pushing its status changes to their sockets.
   */
  async viewerIds(row: RecordingRow): Promise<string[]> {
    const [room, grantees] = await Promise.all([
      this.#rooms.findById(row.roomId),
      this.#shares.granteesOf(row.id),
    ]);
    const members =
      grantees.roles.length > 0 ? await this.#rooms.memberIds(row.roomId, grantees.roles) : [];
    return [
      ...new Set([row.startedBy, ...(room ? [room.ownerId] : []), ...grantees.userIds, ...members]),
    ];
  }
}
