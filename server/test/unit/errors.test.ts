import { describe, expect, it } from 'vitest';
import {
  AppError,
  BadRequestError,
  ConflictError,
  ForbiddenError,
  InvalidStateError,
  NotFoundError,
  PayloadTooLargeError,
  UnauthorizedError,
  UnavailableError,
  toErrorBody,
} from '#server/errors';

describe('errors', () => {
  it.each([
    [new BadRequestError(), 400, 'bad_request'],
    [new UnauthorizedError(), 401, 'unauthorized'],
    [new ForbiddenError(), 403, 'forbidden'],
    [new NotFoundError(), 404, 'not_found'],
    [new ConflictError(), 409, 'conflict'],
    [new InvalidStateError(), 409, 'invalid_state'],
    [new PayloadTooLargeError(), 413, 'payload_too_large'],
    [new UnavailableError(), 503, 'unavailable'],
  ])('%s maps to HTTP %i with code %s', (error, status, code) => {
    expect(error).toBeInstanceOf(AppError);
    expect(error.status).toBe(status);
    expect(toErrorBody(error)).toEqual({ status, body: { code, message: error.message } });
  });

  it('the error keeps its class name and the message meant for the caller', () => {
    const error = new NotFoundError('recording not found');
    expect(error.name).toBe('NotFoundError');
    expect(toErrorBody(error).body.message).toBe('recording not found');
  });

  it('anything that is not an AppError becomes a 500 that leaks nothing', () => {
    const secret = new Error('connect ECONNREFUSED 10.0.0.5:5432 password=hunter2');
    expect(toErrorBody(secret)).toEqual({
      status: 500,
      body: { code: 'internal', message: 'internal error' },
    });
    expect(toErrorBody('a string')).toEqual(toErrorBody(secret));
  });
});
