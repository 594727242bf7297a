import { describe, expect, it } from 'vitest';
import { isUniqueViolation } from '#db/repositories/UsersRepository';

describe('isUniqueViolation', () => {
  it('recognizes SQLSTATE 23505 on the error itself', () => {
    expect(isUniqueViolation(Object.assign(new Error('dup'), { code: '23505' }))).toBe(true);
  });

  it('recognizes it in the cause chain, where drizzle wraps driver errors', () => {
    const driverError = Object.assign(new Error('duplicate key'), { code: '23505' });
    const wrapped = new Error('Failed query', {
      cause: new Error('middle', { cause: driverError }),
    });
    expect(isUniqueViolation(wrapped)).toBe(true);
  });

  it('other errors and non-errors are not unique violations', () => {
    expect(isUniqueViolation(Object.assign(new Error('fk'), { code: '23503' }))).toBe(false);
    expect(isUniqueViolation(new Error('plain'))).toBe(false);
    expect(isUniqueViolation(undefined)).toBe(false);
    expect(isUniqueViolation('23505')).toBe(false);
  });
});
