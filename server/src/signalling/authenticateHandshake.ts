/**
 * Socket.IO handshake authentication: the JWT in `handshake.auth.token`.
 * A refused connection reaches the client as `connect_error` whose message
 * says why (and `data.code`), before any request can be made.
 */
import type { Authenticator } from '../auth/Authenticator';
import { AppError, UnauthorizedError, UnavailableError } from '../errors';
import type { Logger } from '../logger';
import type { ClassroomSocket, RecorderPrincipal } from './types';

export type RecorderTokenValidator = (principal: RecorderPrincipal) => boolean | Promise<boolean>;

export interface HandshakeOptions {
  authenticator: Authenticator;
  recorderTokenValidator: RecorderTokenValidator;
  isClosed: () => boolean;
  logger: Logger;
}

/** The error a refused client sees: `err.message` and `err.data.code`. */
export class HandshakeError extends Error {
  readonly data: { code: string };

  constructor(error: AppError) {
    super(error.message);
    this.name = 'HandshakeError';
    this.data = { code: error.code };
  }
}

/** Socket.IO middleware that sets `socket.data.principal` or refuses the connection. */
export function authenticateHandshake({
  authenticator,
  recorderTokenValidator,
  isClosed,
  logger,
}: HandshakeOptions) {
  return (socket: ClassroomSocket, next: (error?: Error) => void): void => {
    void (async () => {
      if (isClosed()) throw new UnavailableError('server is shutting down');
      const auth = socket.handshake.auth as Record<string, unknown> | undefined;
      const token = auth?.token;
      if (typeof token !== 'string' || token.length === 0) {
        throw new UnauthorizedError('authentication required: pass the token in auth.token');
      }
      const principal = await authenticator.authenticate(token);
      if (principal.kind === 'recorder' && !(await recorderTokenValidator(principal))) {
        throw new UnauthorizedError('recorder token is not valid for an active recording');
      }
      socket.data.principal = principal;
    })().then(
      () => next(),
      (error: unknown) => {
        const appError = error instanceof AppError ? error : undefined;
        if (!appError) logger.error({ err: error }, 'handshake authentication failed unexpectedly');
        else logger.debug({ code: appError.code, reason: appError.message }, 'handshake refused');
        next(new HandshakeError(appError ?? new UnauthorizedError('authentication failed')));
      },
    );
  };
}
