/**
 * Pushes "this recording changed" to the sockets of everyone who may view
 * it (its viewers by the recording policy, and every admin), so that open
 * library pages refresh it. The event carries only the id and the status:
 * what changed is read again over REST, through the policy.
 */
import type { RecordingsRepository } from '#db/repositories/RecordingsRepository';
import type { RecordingAccess } from '../access/RecordingAccess';
import type { Logger } from '../logger';
import type { SignallingServer } from '../signalling/SignallingServer';
import { KeyedQueue } from '../utils/KeyedQueue';

export class RecordingAnnouncer {
  readonly #recordings: RecordingsRepository;
  readonly #access: RecordingAccess;
  readonly #signalling: () => SignallingServer | undefined;
  readonly #log: Logger;
  /** Announcements of one recording go out in the order its changes happened. */
  readonly #queue = new KeyedQueue();

  constructor(options: {
    recordings: RecordingsRepository;
    access: RecordingAccess;
    signalling: () => SignallingServer | undefined;
    logger: Logger;
  }) {
    this.#recordings = options.recordings;
    this.#access = options.access;
    this.#signalling = options.signalling;
    this.#log = options.logger.child({ module: 'recording-announcer' });
  }

  announce(recordingId: string): void {
    void this.#queue
      .run(recordingId, async () => {
        const signalling = this.#signalling();
        if (!signalling || signalling.closed) return;
        const row = await this.#recordings.findById(recordingId, { includeDeleted: true });
        if (!row) return;
        const viewers = await this.#access.viewerIds(row);
        signalling.emitToUsers(
          viewers,
          'recording-updated',
          { recordingId, status: row.status, deleted: row.deletedAt !== null },
          { admins: true },
        );
      })
      .catch((error: unknown) => {
        this.#log.warn({ err: error, recordingId }, 'could not announce a recording change');
      });
  }
}
