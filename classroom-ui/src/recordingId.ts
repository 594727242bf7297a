/** Recording ids are UUIDs, in the API (`z.uuid()`) and in `/recordings/:id` links. */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The recording id of a `/recordings/:id` path, or null. */
export function recordingIdFromPath(pathname: string): string | null {
  const match = /^\/recordings\/([^/]+)\/?$/.exec(pathname);
  return match?.[1] && UUID_PATTERN.test(match[1]) ? match[1].toLowerCase() : null;
}
