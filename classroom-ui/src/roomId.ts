/**
 * Room ids as the server accepts them (see roomIdSchema in
 * room-client/src/protocol.ts). Repeated here as a plain RegExp so that the
 * browser bundle does not pull in zod for one pattern.
 */
export const ROOM_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

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
