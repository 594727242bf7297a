import type { AuditView } from '#db/repositories/AuditRepository';
import type { AuditEntryJson } from '#protocol/rest/audit';

/** An audit row as the API shows it. */
export function auditEntryJson(row: AuditView): AuditEntryJson {
  return {
    id: row.id,
    at: row.at.toISOString(),
    action: row.action,
    actorId: row.actorUserId,
    actor: row.actor,
    recordingId: row.recordingId,
    ip: row.ip,
    userAgent: row.userAgent,
    details: row.details,
  };
}
