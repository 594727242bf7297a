/**
 * Checks finished recordings against the SHA-256 stored when they were
 * finalized: after every copy (upload, download from the bucket), when an
 * admin asks (`POST /recordings/:id/verify`) and in the scheduled scrub. A
 * mismatch (or a sealed file that no longer authenticates) marks the
 * recording `corrupted`, writes an audit row, and from then on its files
 * are refused instead of served as good.
 */
import type { RecordingRow } from '#db/schema';
import type { IntegrityName } from '#protocol/delivery';
import type { AppContext } from '../context';
import type { Logger } from '../logger';
import { finishedFile } from '../recording/recordingFiles';
import type { RecordingStorage } from '../storage/RecordingStorage';

export interface VerifyOutcome {
  integrity: IntegrityName;
  /** Why it is corrupted (or could not be checked), when it is. */
  reason: string | null;
}

export class IntegrityChecker {
  readonly #ctx: AppContext;
  readonly #storage: RecordingStorage;
  readonly #announce: (recordingId: string) => void;
  readonly #log: Logger;

  constructor(options: { ctx: AppContext; announce: (recordingId: string) => void }) {
    this.#ctx = options.ctx;
    this.#storage = options.ctx.storage;
    this.#announce = options.announce;
    this.#log = options.ctx.logger.child({ module: 'integrity' });
  }

  /** Compares a copy's hash with the recording's; a mismatch marks it corrupted. */
  async checkCopy(row: RecordingRow, sha256: string): Promise<boolean> {
    if (sha256 === row.sha256) return true;
    await this.markCorrupted(row, `a copy's SHA-256 ${sha256} differs from ${row.sha256}`);
    return false;
  }

  /** Re-hashes the WebM where it is stored. `actorUserId`: an admin asked (audited as such). */
  async verify(row: RecordingRow, actorUserId?: string): Promise<VerifyOutcome> {
    let outcome: VerifyOutcome;
    try {
      const sha256 = await this.#storage.sha256Of(row, finishedFile(row.format));
      outcome =
        sha256 === row.sha256
          ? { integrity: 'ok', reason: null }
          : { integrity: 'corrupted', reason: `SHA-256 is ${sha256}, expected ${row.sha256}` };
    } catch (error) {
      const err = error as Error & { code?: string };
      // A missing file or a sealed chunk that fails authentication is as bad as a wrong hash.
      if (err.name === 'IntegrityError' || err.code === 'ENOENT' || err.name === 'NotFoundError') {
        outcome = { integrity: 'corrupted', reason: err.message };
      } else {
        throw error;
      }
    }
    if (actorUserId) {
      await this.#ctx.audit.record({
        actorUserId,
        action: 'recording.verify',
        recordingId: row.id,
        details: { integrity: outcome.integrity },
      });
    }
    if (outcome.integrity === 'corrupted') {
      await this.markCorrupted(row, outcome.reason ?? 'mismatch');
    } else {
      await this.#ctx.recordings.update(row.id, { integrity: 'ok', verifiedAt: new Date() });
    }
    return outcome;
  }

  async markCorrupted(row: Pick<RecordingRow, 'id'>, reason: string): Promise<void> {
    if (!(await this.#ctx.recordings.markCorrupted(row.id, new Date()))) return;
    this.#log.error({ recordingId: row.id, reason }, 'recording is corrupted');
    await this.#ctx.audit.record({
      action: 'recording.corrupted',
      recordingId: row.id,
      details: { reason: reason.slice(0, 500) },
    });
    this.#announce(row.id);
  }

  /**
   * One scrub pass: every ready recording whose files this server can reach
   * (in the bucket, or on this disk), least recently verified first.
   */
  async scrub(limit = 10_000): Promise<{ checked: number; corrupted: number; skipped: number }> {
    const rows = await this.#ctx.recordings.findForScrub(limit);
    let checked = 0;
    let corrupted = 0;
    let skipped = 0;
    for (const row of rows) {
      if (row.storage === 'local' && !(await this.#storage.hasLocalDir(row))) {
        // On another server's disk: that server's scrub checks it.
        skipped += 1;
        continue;
      }
      const outcome = await this.verify(row);
      checked += 1;
      if (outcome.integrity === 'corrupted') corrupted += 1;
    }
    this.#log.info({ checked, corrupted, skipped }, 'integrity scrub done');
    return { checked, corrupted, skipped };
  }
}
