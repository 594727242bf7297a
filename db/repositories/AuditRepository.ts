import { and, count, desc, eq, gte, lte, type SQL } from 'drizzle-orm';
import type { Database } from '../client';
import { auditLog, users, type AuditRow } from '../schema';

/** Where a request came from, as the audit trail records it. */
export interface RequestOrigin {
  ip: string | null;
  userAgent: string | null;
}

export interface AuditEntry extends Partial<RequestOrigin> {
  actorUserId?: string | null;
  action: string;
  recordingId?: string | null;
  details?: Record<string, unknown>;
}

export interface AuditFilter {
  recordingId?: string | undefined;
  actorId?: string | undefined;
  action?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  limit: number;
  offset: number;
}

export interface AuditView extends AuditRow {
  actor: { id: string; email: string; fullName: string } | null;
}

const USER_AGENT_MAX = 512;

/**
 * Append-only audit trail of security-relevant actions. There is no update
 * or delete here, and a database trigger refuses both (migration 0002).
 */
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
      userAgent: entry.userAgent ? entry.userAgent.slice(0, USER_AGENT_MAX) : null,
      details: entry.details ?? {},
    });
  }

  /** Newest first, with the actor's name and email. */
  async list(filter: AuditFilter): Promise<{ items: AuditView[]; total: number }> {
    const conditions: SQL[] = [];
    if (filter.recordingId) conditions.push(eq(auditLog.recordingId, filter.recordingId));
    if (filter.actorId) conditions.push(eq(auditLog.actorUserId, filter.actorId));
    if (filter.action) conditions.push(eq(auditLog.action, filter.action));
    if (filter.from) conditions.push(gte(auditLog.at, filter.from));
    if (filter.to) conditions.push(lte(auditLog.at, filter.to));
    const where = conditions.length > 0 ? and(...conditions) : undefined;
    const [rows, [totalRow]] = await Promise.all([
      this.#db
        .select({
          entry: auditLog,
          actor: { id: users.id, email: users.email, fullName: users.fullName },
        })
        .from(auditLog)
        .leftJoin(users, eq(users.id, auditLog.actorUserId))
        .where(where)
        .orderBy(desc(auditLog.at), desc(auditLog.id))
        .limit(filter.limit)
        .offset(filter.offset),
      this.#db.select({ total: count() }).from(auditLog).where(where),
    ]);
    return {
      items: rows.map((r) => ({ ...r.entry, actor: r.actor?.id ? r.actor : null })),
      total: totalRow?.total ?? 0,
    };
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
