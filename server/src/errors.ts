/**
 * The error taxonomy. Code anywhere throws one of these; the HTTP error
 * middleware and the socket ack helper map them to status codes and
 * `{ error: { code, message } }` in one place each.
 */
export type ErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'invalid_state'
  | 'payload_too_large'
  | 'too_many_requests'
  | 'unavailable'
  | 'insufficient_storage'
  | 'internal';

const statusByCode: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  invalid_state: 409,
  payload_too_large: 413,
  too_many_requests: 429,
  unavailable: 503,
  insufficient_storage: 507,
  internal: 500,
};

/** Base class: an error whose message is safe to show to the caller. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }

  get status(): number {
    return statusByCode[this.code];
  }
}

export class BadRequestError extends AppError {
  constructor(message = 'bad request', details?: unknown) {
    super('bad_request', message, details);
  }
}
export class UnauthorizedError extends AppError {
  constructor(message = 'authentication required') {
    super('unauthorized', message);
  }
}
export class ForbiddenError extends AppError {
  constructor(message = 'forbidden') {
    super('forbidden', message);
  }
}
export class NotFoundError extends AppError {
  constructor(message = 'not found') {
    super('not_found', message);
  }
}
export class ConflictError extends AppError {
  constructor(message = 'conflict') {
    super('conflict', message);
  }
}
export class InvalidStateError extends AppError {
  constructor(message = 'invalid state') {
    super('invalid_state', message);
  }
}
export class PayloadTooLargeError extends AppError {
  constructor(message = 'payload too large') {
    super('payload_too_large', message);
  }
}
export class TooManyRequestsError extends AppError {
  readonly retryAfterSeconds: number;

  constructor(message: string, retryAfterSeconds: number) {
    super('too_many_requests', message);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
export class UnavailableError extends AppError {
  constructor(message = 'service unavailable') {
    super('unavailable', message);
  }
}

/** Not enough disk (or quota) left for the request: 507. */
export class InsufficientStorageError extends AppError {
  constructor(message: string) {
    super('insufficient_storage', message);
  }
}

/** The wire shape of every error, over HTTP and socket acks alike. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
}

/** Maps anything thrown to a status and a body that leaks nothing internal. */
export function toErrorBody(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof AppError) {
    return { status: error.status, body: { code: error.code, message: error.message } };
  }
  return { status: 500, body: { code: 'internal', message: 'internal error' } };
}
