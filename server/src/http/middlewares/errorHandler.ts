/**
 * The one place where errors become HTTP responses: AppErrors map to their
 * status, body-parser failures to 400/413, everything else to a logged 500.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import {
  AppError,
  NotFoundError,
  PayloadTooLargeError,
  BadRequestError,
  toErrorBody,
} from '../../errors';

interface HttpishError {
  type?: string;
  status?: number;
  statusCode?: number;
}

function normalize(error: unknown): unknown {
  if (error instanceof AppError) return error;
  const e = error as HttpishError | null;
  if (e?.type === 'entity.too.large') return new PayloadTooLargeError('request body too large');
  if (e?.type === 'entity.parse.failed') return new BadRequestError('malformed JSON body');
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') {
    return new BadRequestError('unsupported body encoding');
  }
  if ((e?.status ?? e?.statusCode) === 400) return new BadRequestError('bad request');
  return error;
}

export const errorHandler: ErrorRequestHandler = (error, req, res, next) => {
  const normalized = normalize(error);
  const { status, body } = toErrorBody(normalized);
  if (status >= 500) req.log.error({ err: error }, 'request failed');
  else req.log.debug({ code: body.code, message: body.message }, 'request rejected');
  if (res.headersSent) {
    next(error);
    return;
  }
  res.status(status).json({ error: body });
};

/** Unknown API routes answer a JSON 404, not Express's HTML page. */
export const notFoundHandler: RequestHandler = (_req, _res, next) => {
  next(new NotFoundError('no such route'));
};
