import { ROOM_ID_PATTERN } from '#protocol/ids';

export { ROOM_ID_PATTERN };

/** The room id of a `/room/:roomId` path, or null. */
export function roomIdFromPath(pathname: string): string | null {
  const match = /^\/room\/([^/]+)\/?$/.exec(pathname);
  if (!match?.[1]) return null;
  let id: string;
  try {
    id = decodeURIComponent(match[1]);
  } catch {
    return null;
  }
  return ROOM_ID_PATTERN.test(id) ? id : null;
}
