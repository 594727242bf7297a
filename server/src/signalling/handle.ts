/**
 * The one way a request is served: validate the payload with the protocol's
 * zod schema, run the handler, and answer through the ack whatever happens.
 * A client that sends no ack callback still gets its request run; the answer
 * is dropped, never thrown.
 */
import type { z } from 'zod';
import type { Logger } from '../logger';
import {
  requestSchemas,
  type AckResponse,
  type RequestName,
  type RequestResults,
} from '#protocol/signalling';
import { errorAck, okAck, toAckError } from './ackErrors';

export type RequestInput<N extends RequestName> = z.output<(typeof requestSchemas)[N]>;

export type RequestHandler<N extends RequestName> = (
  payload: RequestInput<N>,
) => Promise<RequestResults[N]> | RequestResults[N];

/** Registers the handler of one request on a socket. */
export type Handle = <N extends RequestName>(name: N, fn: RequestHandler<N>) => void;

/** The part of a socket that requests need. */
export interface RequestSource {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}

type Ack = (response: AckResponse<unknown>) => void;

/**
 * Splits Socket.IO listener arguments into payload and ack: the ack, if any,
 * is the last function. `null` reads as no payload: Socket.IO's JSON turns
 * an `undefined` argument into `null`.
 */
export function splitRequestArgs(args: unknown[]): { payload: unknown; ack: Ack | undefined } {
  const last = args.at(-1);
  const ack = typeof last === 'function' ? (last as Ack) : undefined;
  const payload = (ack ? args.length > 1 : args.length > 0) ? args[0] : undefined;
  return { payload: payload ?? undefined, ack };
}

/** Runs one request to its ack response; never rejects. */
export async function serveRequest<N extends RequestName>(
  name: N,
  payload: unknown,
  fn: RequestHandler<N>,
  logger: Logger,
): Promise<AckResponse<RequestResults[N]>> {
  try {
    const input = requestSchemas[name].parse(payload) as RequestInput<N>;
    return okAck(await fn(input));
  } catch (error) {
    const { error: ackError, logLevel } = toAckError(error);
    logger[logLevel]({ err: error, request: name, code: ackError.code }, 'request failed');
    return errorAck(ackError);
  }
}

/** Creates the `handle` of one socket; `getLogger` is read per request so it carries the current room/peer ids. */
export function createHandle(socket: RequestSource, getLogger: () => Logger): Handle {
  return (name, fn) => {
    socket.on(name, (...args: unknown[]) => {
      const { payload, ack } = splitRequestArgs(args);
      const logger = getLogger();
      void serveRequest(name, payload, fn, logger).then((response) => {
        if (!ack) {
          logger.debug({ request: name }, 'request without ack callback; response dropped');
          return;
        }
        try {
          ack(response);
        } catch (error) {
          logger.warn({ err: error, request: name }, 'could not send ack');
        }
      });
    });
  };
}
