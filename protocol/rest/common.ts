/**
 * Building blocks of the REST contract: ids, pagination, the error body.
 * The server validates requests with these schemas and types its answers
 * with them; the UI and the tests import the inferred types.
 */
import { z } from 'zod';
import { ROOM_ID_MESSAGE, ROOM_ID_PATTERN } from '../ids';

export const roomIdSchema = z.string().regex(ROOM_ID_PATTERN, ROOM_ID_MESSAGE);
export const uuidSchema = (what: string) => z.uuid(`${what} must be a UUID`);
export const emailSchema = z.email().max(320);

/** Every error, over HTTP and socket acks alike. */
export const errorBodySchema = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
});
export type ErrorBodyJson = z.infer<typeof errorBodySchema>;

export const paginationQuery = {
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
};

/** `{ items, total, limit, offset }` of any item schema. */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    total: z.number().int(),
    limit: z.number().int(),
    offset: z.number().int(),
  });
}

/** ISO 8601 timestamps on the wire; the server hands Dates to JSON. */
export const timestamp = z.iso.datetime({ offset: true });

/** A user as other people see them: no password hash, no timestamps. */
export const userRefSchema = z.object({
  id: z.uuid(),
  email: z.string(),
  fullName: z.string(),
});
export type UserRef = z.infer<typeof userRefSchema>;

/** Query-string dates: `from`/`to` accept anything `Date` parses (ISO 8601 recommended). */
export const dateQuery = z.coerce.date();
