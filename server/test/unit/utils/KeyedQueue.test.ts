import { describe, expect, it } from 'vitest';
import { KeyedQueue } from '#server/utils/KeyedQueue';

/** A promise resolved from outside, to control when a task finishes. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('KeyedQueue', () => {
  it('runs tasks on one key one after the other, in submission order', async () => {
    const queue = new KeyedQueue();
    const log: string[] = [];
    const gate = deferred();
    const first = queue.run('rec-1', async () => {
      log.push('first:start');
      await gate.promise;
      log.push('first:end');
      return 1;
    });
    const second = queue.run('rec-1', () => {
      log.push('second');
      return Promise.resolve(2);
    });
    await Promise.resolve();
    expect(log).toEqual(['first:start']);
    gate.resolve();
    expect(await Promise.all([first, second])).toEqual([1, 2]);
    expect(log).toEqual(['first:start', 'first:end', 'second']);
  });

  it('runs tasks on different keys concurrently', async () => {
    const queue = new KeyedQueue();
    const gate = deferred();
    const blocked = queue.run('a', () => gate.promise);
    await expect(queue.run('b', () => Promise.resolve('b done'))).resolves.toBe('b done');
    gate.resolve();
    await blocked;
  });

  it('a failing task rejects its own caller and does not stop the next task on the key', async () => {
    const queue = new KeyedQueue();
    const failing = queue.run('k', () => Promise.reject(new Error('boom')));
    const next = queue.run('k', () => Promise.resolve('still runs'));
    await expect(failing).rejects.toThrow('boom');
    await expect(next).resolves.toBe('still runs');
  });

  it('forgets a key once its last task has settled', async () => {
    const queue = new KeyedQueue();
    const gate = deferred();
    const task = queue.run('k', () => gate.promise);
    expect(queue.size).toBe(1);
    gate.resolve();
    await task;
    // The tail's cleanup runs a couple of microtasks after the task settles.
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(queue.size).toBe(0);
  });
});
