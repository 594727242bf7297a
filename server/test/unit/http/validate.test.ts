import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BadRequestError } from '#server/errors';
import { parseInput } from '#server/http/validate';

const schema = z.object({ email: z.email(), age: z.number().int().min(0) });

describe('parseInput', () => {
  it('returns the parsed value when the input is valid', () => {
    expect(parseInput(schema, { email: 'a@example.com', age: 3 }, 'profile')).toEqual({
      email: 'a@example.com',
      age: 3,
    });
  });

  it('throws a 400 BadRequestError naming what was parsed and every bad field', () => {
    let error: unknown;
    try {
      parseInput(schema, { email: 'nope', age: -1 }, 'profile');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BadRequestError);
    const bad = error as BadRequestError;
    expect(bad.status).toBe(400);
    expect(bad.message).toMatch(/^invalid profile: /);
    expect(bad.message).toContain('email');
    expect(bad.message).toContain('age');
    expect(bad.details).toEqual([
      { path: 'email', message: expect.any(String) as string },
      { path: 'age', message: expect.any(String) as string },
    ]);
  });

  it('a non-object body is a 400 without a field path', () => {
    expect(() => parseInput(schema, 'just a string', 'body')).toThrow(/^invalid body: /);
  });
});
