/**
 * Identifier patterns shared by the server, the browsers and the tests.
 * Plain RegExps (no zod) so that browser bundles can use them for free.
 */

/** A room id: the slug people join by, as in `/room/:roomId`. */
export const ROOM_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const ROOM_ID_MESSAGE = 'room id: 1-64 characters of A-Z a-z 0-9 _ -';
