import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BadRequestError, ForbiddenError, InvalidStateError, NotFoundError } from '#server/errors';
import { describeValidationError, toAckError } from '#server/signalling/ackErrors';
import { requestSchemas } from '#protocol/signalling';

function named(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

describe('toAckError', () => {
  it('keeps the code and message of an AppError, logged quietly', () => {
    expect(toAckError(new ForbiddenError('a recorder cannot produce'))).toEqual({
      error: { code: 'forbidden', message: 'a recorder cannot produce' },
      logLevel: 'debug',
    });
    expect(toAckError(new NotFoundError('transport t1 not found')).error.code).toBe('not_found');
    expect(toAckError(new InvalidStateError()).error.code).toBe('invalid_state');
    expect(toAckError(new BadRequestError('x')).error.code).toBe('bad_request');
  });

  it('turns a zod error into bad_request naming each field', () => {
    const parsed = requestSchemas.join.safeParse({ roomId: 'a b' });
    expect(parsed.success).toBe(false);
    const { error, logLevel } = toAckError(parsed.error);
    expect(error.code).toBe('bad_request');
    expect(error.message).toMatch(/^roomId: room id: 1-64 characters/);
    expect(logLevel).toBe('debug');
  });

  it('maps mediasoup parameter errors to bad_request and a closed object to invalid_state, logged as warnings', () => {
    expect(toAckError(new TypeError('invalid codec.mimeType'))).toEqual({
      error: { code: 'bad_request', message: 'invalid codec.mimeType' },
      logLevel: 'warn',
    });
    expect(toAckError(named('UnsupportedError', 'no matching codec')).error.code).toBe(
      'bad_request',
    );
    expect(toAckError(named('InvalidStateError', 'Channel closed'))).toEqual({
      error: { code: 'invalid_state', message: 'Channel closed' },
      logLevel: 'warn',
    });
  });

  it('hides anything else behind internal and asks for an error log', () => {
    for (const thrown of [
      new Error('database password is hunter2'),
      'a string',
      undefined,
      { code: 'forbidden' },
    ]) {
      expect(toAckError(thrown)).toEqual({
        error: { code: 'internal', message: 'internal error' },
        logLevel: 'error',
      });
    }
  });
});

describe('describeValidationError', () => {
  it('names the payload itself when the whole value is wrong, and stays short', () => {
    const whole = z.object({ a: z.string() }).safeParse(null);
    expect(describeValidationError(whole.error!)).toMatch(/^payload: /);
    const many = z.array(z.string()).safeParse(Array.from({ length: 100 }, (_, i) => i));
    expect(describeValidationError(many.error!).length).toBeLessThanOrEqual(300);
  });
});
