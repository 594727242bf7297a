/**
 * A typed EventEmitter (after mediasoup's enhancedEvents.ts). `safeEmit`
 * catches a throwing listener so that one bad listener cannot break a close
 * cascade; the error is reported through the `listenerError` hook.
 */
import { EventEmitter } from 'node:events';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type EventMap = Record<string, any[]>;

export class EnhancedEventEmitter<
  E extends { [K in keyof E]: unknown[] } = EventMap,
> extends EventEmitter {
  override emit<K extends keyof E & string>(event: K, ...args: E[K]): boolean {
    return super.emit(event, ...args);
  }

  /** Emits; a listener that throws is reported, not propagated. */
  safeEmit<K extends keyof E & string>(event: K, ...args: E[K]): boolean {
    try {
      return super.emit(event, ...args);
    } catch (error) {
      try {
        super.emit('listenerError', event, error);
      } catch {
        // Nothing more can be done without risking the caller's cascade.
      }
      return true;
    }
  }

  override on<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this {
    return super.on(event, listener as (...args: unknown[]) => void);
  }

  override once<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this {
    return super.once(event, listener as (...args: unknown[]) => void);
  }

  override off<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this {
    return super.off(event, listener as (...args: unknown[]) => void);
  }
}
