import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { createLogger } from '#server/logger';
import { ForbiddenError } from '#server/errors';
import { createHandle, splitRequestArgs } from '#server/signalling/handle';

const logger = createLogger('silent', { pretty: false });

/** Emits a request the way Socket.IO calls a listener, and resolves with the ack response. */
function request(socket: EventEmitter, name: string, ...args: unknown[]): Promise<unknown> {
  return new Promise((resolve) => socket.emit(name, ...args, resolve));
}

describe('splitRequestArgs', () => {
  it('takes the last function as the ack and the first other argument as the payload', () => {
    const ack = () => {};
    expect(splitRequestArgs([{ a: 1 }, ack])).toEqual({ payload: { a: 1 }, ack });
    expect(splitRequestArgs([ack])).toEqual({ payload: undefined, ack });
    expect(splitRequestArgs([{ a: 1 }])).toEqual({ payload: { a: 1 }, ack: undefined });
    expect(splitRequestArgs([])).toEqual({ payload: undefined, ack: undefined });
  });

  it('reads null as no payload (Socket.IO sends undefined as null)', () => {
    expect(splitRequestArgs([null, () => {}]).payload).toBeUndefined();
  });
});

describe('createHandle', () => {
  it('acks { ok: true, data } with the validated payload passed to the handler', async () => {
    const socket = new EventEmitter();
    const fn = vi.fn(() => ({ producerId: 'p1' }));
    createHandle(socket, () => logger)('closeProducer', fn as never);
    expect(await request(socket, 'closeProducer', { producerId: 'p1', extra: true })).toEqual({
      ok: true,
      data: { producerId: 'p1' },
    });
    // Unknown keys are stripped before the handler sees the payload.
    expect(fn).toHaveBeenCalledWith({ producerId: 'p1' });
  });

  it('acks bad_request without calling the handler when the payload is invalid', async () => {
    const socket = new EventEmitter();
    const fn = vi.fn();
    createHandle(socket, () => logger)('join', fn);
    expect(await request(socket, 'join', { roomId: 'x'.repeat(65) })).toMatchObject({
      ok: false,
      error: { code: 'bad_request' },
    });
    expect(fn).not.toHaveBeenCalled();
  });

  it('acks the error of a throwing or rejecting handler', async () => {
    const socket = new EventEmitter();
    const handle = createHandle(socket, () => logger);
    handle('pauseProducer', () => {
      throw new ForbiddenError('nope');
    });
    handle('resumeProducer', () => Promise.reject(new Error('boom')));
    expect(await request(socket, 'pauseProducer', { producerId: 'p' })).toEqual({
      ok: false,
      error: { code: 'forbidden', message: 'nope' },
    });
    expect(await request(socket, 'resumeProducer', { producerId: 'p' })).toEqual({
      ok: false,
      error: { code: 'internal', message: 'internal error' },
    });
  });

  it('runs a request without an ack and survives an ack that throws', async () => {
    const socket = new EventEmitter();
    const handle = createHandle(socket, () => logger);
    const ran = new Promise<void>((resolve) => handle('leave', () => (resolve(), {})));
    socket.emit('leave', {});
    await ran;
    const thrown = new Promise<void>((resolve) => {
      socket.emit('leave', {}, () => {
        resolve();
        throw new Error('ack failed');
      });
    });
    await thrown;
  });
});
