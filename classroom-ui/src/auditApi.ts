/** The admin audit trail and the account search its filter needs, as the classroom UI calls them. */
import type { AuditAction, AuditPageJson } from '#protocol/rest/audit';
import type { UserPageJson } from '#protocol/rest/users';
import { apiJson, queryString } from './api';

export interface AdminAuditQuery {
  recordingId?: string;
  actorId?: string;
  action?: AuditAction;
  from?: string;
  to?: string;
  limit: number;
  offset: number;
}

export function listAudit(
  token: string,
  query: AdminAuditQuery,
  signal?: AbortSignal,
): Promise<AuditPageJson> {
  return apiJson(`/api/v1/audit${queryString({ ...query })}`, { token, signal });
}

/** Accounts whose email or name contains `q` (admins). */
export function searchUsers(token: string, q: string): Promise<UserPageJson> {
  return apiJson(`/api/v1/users${queryString({ q, limit: 20 })}`, { token });
}
