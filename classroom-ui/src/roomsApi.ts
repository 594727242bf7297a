/** The rooms API as the classroom UI calls it: the caller's rooms and their members. */
import type {
  RoomAccessMode,
  RoomDetailJson,
  RoomMemberJson,
  RoomMemberRoleName,
  RoomPageJson,
  RoomConnectJson,
} from '#protocol/rest/rooms';
import { apiFetch, apiJson, queryString } from './api';

const roomPath = (roomId: string) => `/api/v1/rooms/${encodeURIComponent(roomId)}`;

/** Rooms the caller owns or is a member of (admins: all). */
export function listRooms(
  token: string,
  { limit = 100, offset = 0 }: { limit?: number; offset?: number } = {},
  signal?: AbortSignal,
): Promise<RoomPageJson> {
  return apiJson(`/api/v1/rooms${queryString({ limit, offset })}`, { token, signal });
}

/** One room; `members` is set for its owner and admins. */
export function getRoom(token: string, roomId: string): Promise<RoomDetailJson> {
  return apiJson(roomPath(roomId), { token });
}

/** The server hosting the room's media (one per room, whichever server answers the API). */
export function connectRoom(token: string, roomId: string): Promise<RoomConnectJson> {
  return apiJson(`${roomPath(roomId)}/connect`, { token });
}

export function createRoom(
  token: string,
  room: { roomId: string; title: string; access: RoomAccessMode },
): Promise<RoomDetailJson> {
  return apiJson('/api/v1/rooms', { method: 'POST', token, body: room });
}

export function updateRoom(
  token: string,
  roomId: string,
  patch: { title?: string; access?: RoomAccessMode },
): Promise<RoomDetailJson> {
  return apiJson(roomPath(roomId), { method: 'PATCH', token, body: patch });
}

/** Adds the account with this email, or changes its role if it is a member already. */
export function addMember(
  token: string,
  roomId: string,
  member: { email: string; role: RoomMemberRoleName },
): Promise<RoomMemberJson> {
  return apiJson(`${roomPath(roomId)}/members`, { method: 'POST', token, body: member });
}

export async function removeMember(token: string, roomId: string, userId: string): Promise<void> {
  await apiFetch(`${roomPath(roomId)}/members/${encodeURIComponent(userId)}`, {
    method: 'DELETE',
    token,
  });
}
