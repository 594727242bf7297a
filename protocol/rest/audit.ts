/** The audit trail API (append-only: nothing here changes or deletes a row). */
import { z } from 'zod';
import { dateQuery, pageSchema, paginationQuery, userRefSchema } from './common';

/** Every action the audit trail records. */
export const auditActions = [
  'user.login',
  'user.login_failed',
  'user.logout',
  'user.register',
  'user.create',
  'user.role_changed',
  'user.delete',
  'room.create',
  'room.update',
  'room.member_added',
  'room.member_removed',
  'room.synthetic_participant.add',
  'room.synthetic_participant.remove',
  'recording.start',
  'recording.stop',
  'recording.view',
  'recording.playback',
  'recording.download',
  'recording.edit',
  'recording.share',
  'recording.unshare',
  'recording.delete',
  'recording.expired',
  'recording.verify',
  'recording.corrupted',
  'recording.reprocess',
  'recording.layout',
  'recording.stream',
] as const;
export type AuditAction = (typeof auditActions)[number];

export const listAuditQuery = z.object({
  recordingId: z.uuid().optional(),
  actorId: z.uuid().optional(),
  action: z.enum(auditActions).optional(),
  from: dateQuery.optional(),
  to: dateQuery.optional(),
  ...paginationQuery,
});

/** GET /recordings/:id/audit: the same filters minus the recording. */
export const recordingAuditQuery = listAuditQuery.omit({ recordingId: true });

export const auditEntrySchema = z.object({
  id: z.number().int(),
  at: z.iso.datetime({ offset: true }),
  action: z.string(),
  actorId: z.uuid().nullable(),
  actor: userRefSchema.nullable(),
  recordingId: z.uuid().nullable(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
});
export type AuditEntryJson = z.infer<typeof auditEntrySchema>;

export const auditPageSchema = pageSchema(auditEntrySchema);
export type AuditPageJson = z.infer<typeof auditPageSchema>;
