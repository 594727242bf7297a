/**
 * A small typed event emitter for the browser (no `node:events`), after
 * mediasoup's enhancedEvents.ts: one payload per event, and `safeEmit` so that
 * a throwing listener is reported instead of breaking the emitter's caller
 * (a close cascade, a socket handler).
 */

type Listener<P> = (payload: P) => void;

interface Registration {
  listener: Listener<never>;
  once: boolean;
}

export type ListenerErrorHandler = (event: string, error: unknown) => void;

export class TypedEventEmitter<E extends object> {
  readonly #registrations = new Map<keyof E, Registration[]>();
  readonly #onListenerError: ListenerErrorHandler;

  constructor(onListenerError?: ListenerErrorHandler) {
    this.#onListenerError =
      onListenerError ??
      ((event, error) => {
        console.error(`listener for "${event}" threw`, error);
      });
  }

  on<K extends keyof E>(event: K, listener: Listener<E[K]>): this {
    return this.#add(event, listener, false);
  }

  once<K extends keyof E>(event: K, listener: Listener<E[K]>): this {
    return this.#add(event, listener, true);
  }

  off<K extends keyof E>(event: K, listener: Listener<E[K]>): this {
    const list = this.#registrations.get(event);
    if (!list) return this;
    const index = list.findIndex((r) => r.listener === listener);
    if (index >= 0) list.splice(index, 1);
    if (list.length === 0) this.#registrations.delete(event);
    return this;
  }

  listenerCount<K extends keyof E>(event: K): number {
    return this.#registrations.get(event)?.length ?? 0;
  }

  removeAllListeners(): void {
    this.#registrations.clear();
  }

  /** Calls every listener of `event`; one that throws is reported, the others still run. */
  safeEmit<K extends keyof E>(event: K, payload: E[K]): void {
    const list = this.#registrations.get(event);
    if (!list) return;
    // A listener may add or remove listeners: iterate over a snapshot.
    for (const registration of [...list]) {
      if (registration.once) this.off(event, registration.listener as Listener<E[K]>);
      try {
        (registration.listener as Listener<E[K]>)(payload);
      } catch (error) {
        try {
          this.#onListenerError(String(event), error);
        } catch {
          // The error reporter itself failed: nothing safer left to do.
        }
      }
    }
  }

  #add<K extends keyof E>(event: K, listener: Listener<E[K]>, once: boolean): this {
    const list = this.#registrations.get(event) ?? [];
    list.push({ listener, once });
    this.#registrations.set(event, list);
    return this;
  }
}
