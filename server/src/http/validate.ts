/** Parses request input with a zod schema; a failure is a 400 naming the fields. */
import type { z } from 'zod';
import { BadRequestError } from '../errors';

export function parseInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
  what: string,
): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) {
    const issues = result.error.issues.map((i) => ({
      path: i.path.join('.'),
      message: i.message,
    }));
    const summary = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
    throw new BadRequestError(`invalid ${what}: ${summary}`, issues);
  }
  return result.data;
}
