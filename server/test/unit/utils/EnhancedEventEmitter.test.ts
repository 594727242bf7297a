import { describe, expect, it } from 'vitest';
import { EnhancedEventEmitter } from '#server/utils/EnhancedEventEmitter';

interface TestEvents {
  close: [reason: string];
  listenerError: [event: string, error: unknown];
}

describe('EnhancedEventEmitter.safeEmit', () => {
  it('a throwing listener is reported through listenerError instead of reaching the emitter', () => {
    const emitter = new EnhancedEventEmitter<TestEvents>();
    const reported: Array<[string, unknown]> = [];
    emitter.on('listenerError', (event, error) => reported.push([event, error]));
    const calls: string[] = [];
    const boom = new Error('listener bug');
    emitter.on('close', () => {
      throw boom;
    });
    emitter.on('close', (reason) => calls.push(reason));

    expect(() => emitter.safeEmit('close', 'done')).not.toThrow();
    expect(reported).toEqual([['close', boom]]);
    // Node's EventEmitter stops at the first throwing listener; what safeEmit
    // guarantees is that the caller (e.g. a close cascade) carries on.
    expect(calls).toEqual([]);
  });

  it('with no listenerError listener, a throwing listener is still contained', () => {
    const emitter = new EnhancedEventEmitter<TestEvents>();
    emitter.on('close', () => {
      throw new Error('bug');
    });
    expect(emitter.safeEmit('close', 'x')).toBe(true);
  });

  it('delivers typed arguments and reports whether anyone listened', () => {
    const emitter = new EnhancedEventEmitter<TestEvents>();
    expect(emitter.safeEmit('close', 'nobody')).toBe(false);
    const reasons: string[] = [];
    emitter.once('close', (reason) => reasons.push(reason));
    expect(emitter.safeEmit('close', 'first')).toBe(true);
    emitter.safeEmit('close', 'second');
    expect(reasons).toEqual(['first']);
  });
});
