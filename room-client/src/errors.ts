/** The few errors the room client throws, each with a stable `code`. */

/** A request failed: the server answered `{ ok: false }`, or it timed out, or the socket went away. */
export class SignallingError extends Error {
  readonly code: string;
  readonly request: string | undefined;

  constructor(code: string, message: string, request?: string) {
    super(request ? `${request}: ${message}` : message);
    this.name = 'SignallingError';
    this.code = code;
    this.request = request;
  }
}

/** The socket could not connect (refused handshake, unreachable server, timeout). */
export class ConnectError extends Error {
  readonly code = 'connect_failed';

  constructor(message: string) {
    super(message);
    this.name = 'ConnectError';
  }
}

/** A method was called in a state that does not allow it (join twice, publish after close). */
export class InvalidStateError extends Error {
  readonly code = 'invalid_state';

  constructor(message: string) {
    super(message);
    this.name = 'InvalidStateError';
  }
}
