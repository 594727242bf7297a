import { desc, eq } from 'drizzle-orm';
import type { Database } from '../client';
import { auditLog, type AuditRow } from '../schema';

export interface AuditEntry {
  actorUserId?: string | null;
  action: string;
  recordingId?: string | null;
  ip?: string | null;
  details?: Record<string, unknown>;
}

/** Append-only audit trail of security-relevant actions. */
export class AuditRepository {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async record(entry: AuditEntry): Promise<void> {
    await this.#db.insert(auditLog).values({
      actorUserId: entry.actorUserId ?? null,
      action: entry.action,
      recordingId: entry.recordingId ?? null,
      ip: normalizeIp(entry.ip),
      details: entry.details ?? {},
    });
  }

  async listForRecording(recordingId: string): Promise<AuditRow[]> {
    return this.#db
      .select()
      .from(auditLog)
      .where(eq(auditLog.recordingId, recordingId))
      .orderBy(desc(auditLog.at));
  }
}

/** Express reports IPv4 clients as `::ffff:a.b.c.d`; keep it valid for `inet`. */
function normalizeIp(ip: string | null | undefined): string | null {
  if (!ip) return null;
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}
