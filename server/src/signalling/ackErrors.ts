/**
 * Maps whatever a request handler threw to the `error` of an ack. Pure, so
 * the mapping is unit-tested apart from any socket.
 */
import { z } from 'zod';
import { AppError } from '../errors';
import type { AckError, AckResponse } from '#protocol/signalling';

const MAX_MESSAGE_LENGTH = 300;

export interface MappedError {
  error: AckError;
  /**
   * How loudly to log it: `debug` for the client's own mistakes, `warn` for
   * errors only mediasoup knew were the client's (they could hide a bug of
   * ours), `error` for failures that are ours.
   */
  logLevel: 'debug' | 'warn' | 'error';
}

/** `{ ok: true, data }`. */
export function okAck<T>(data: T): AckResponse<T> {
  return { ok: true, data };
}

/** `{ ok: false, error }`. */
export function errorAck(error: AckError): AckResponse<never> {
  return { ok: false, error };
}

/** One line naming each invalid field, e.g. `roomId: room id: 1-64 characters ...`. */
export function describeValidationError(error: z.ZodError): string {
  const text = error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'payload'}: ${issue.message}`)
    .join('; ');
  return text.length > MAX_MESSAGE_LENGTH ? `${text.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : text;
}

/**
 * AppError keeps its code; a zod error or a mediasoup parameter error
 * (TypeError, UnsupportedError) is the client's bad request; mediasoup's
 * InvalidStateError (something already closed) is invalid_state; anything
 * else is internal and says nothing more.
 */
export function toAckError(error: unknown): MappedError {
  if (error instanceof AppError) {
    const logLevel =
      error.code === 'internal' ? 'error' : error.code === 'unavailable' ? 'warn' : 'debug';
    return { error: { code: error.code, message: error.message }, logLevel };
  }
  if (error instanceof z.ZodError) {
    return {
      error: { code: 'bad_request', message: describeValidationError(error) },
      logLevel: 'debug',
    };
  }
  if (error instanceof Error) {
    if (error.name === 'TypeError' || error.name === 'UnsupportedError') {
      return { error: { code: 'bad_request', message: truncate(error.message) }, logLevel: 'warn' };
    }
    if (error.name === 'InvalidStateError') {
      return {
        error: { code: 'invalid_state', message: truncate(error.message) },
        logLevel: 'warn',
      };
    }
  }
  return { error: { code: 'internal', message: 'internal error' }, logLevel: 'error' };
}

function truncate(message: string): string {
  const text = message || 'bad request';
  return text.length > MAX_MESSAGE_LENGTH ? `${text.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : text;
}
