/**
 * Turns the server's dominant-speaker events into the speaker the layout
 * shows. mediasoup's ActiveSpeakerObserver reports every change of the
 * loudest voice, and in a class that means a cough, a "yes" or two people
 * talking over each other: following it directly would swap the main picture
 * several times a second. So a new speaker is shown only once they have
 * stayed dominant for a while (confirm), and never before the shown one has
 * had the picture for a minimum time (hold).
 */

export interface SpeakerSelectorOptions {
  /** A shown speaker stays at least this long; default 2000 ms. */
  minHoldMs?: number;
  /** A new dominant speaker must stay dominant this long before being shown; default 700 ms. */
  confirmMs?: number;
  /** Called with the new shown speaker, only when it changes. */
  onChange: (peerId: string | null) => void;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

/** Debounces dominant-speaker events, with hysteresis, into the shown speaker. */
export class SpeakerSelector {
  readonly #minHoldMs: number;
  readonly #confirmMs: number;
  readonly #onChange: (peerId: string | null) => void;
  readonly #now: () => number;
  readonly #setTimer: (fn: () => void, ms: number) => unknown;
  readonly #clearTimer: (handle: unknown) => void;
  #current: string | null = null;
  #shownAt = 0;
  /** The latest dominant speaker while they wait to be shown. */
  #candidate: string | null = null;
  #candidateSince = 0;
  /** The pending switch's timer; boxed, since a handle may be any value, even 0. */
  #timer: { handle: unknown } | null = null;
  #closed = false;

  constructor({
    minHoldMs = 2000,
    confirmMs = 700,
    onChange,
    now = () => performance.now(),
    setTimer = (fn, ms) => setTimeout(fn, ms),
    clearTimer = (handle) => clearTimeout(handle as Parameters<typeof clearTimeout>[0]),
  }: SpeakerSelectorOptions) {
    this.#minHoldMs = Math.max(0, minHoldMs);
    this.#confirmMs = Math.max(0, confirmMs);
    this.#onChange = onChange;
    this.#now = now;
    this.#setTimer = setTimer;
    this.#clearTimer = clearTimer;
  }

  /** The speaker the layout shows, or null before anyone spoke. */
  get current(): string | null {
    return this.#current;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** A new dominant speaker event from the server (null: nobody is speaking). */
  dominant(peerId: string | null): void {
    if (this.#closed) return;
    if (peerId === null || peerId === this.#current) {
      // Silence keeps the last speaker on screen; a return to them keeps them too.
      this.#cancelPending();
      return;
    }
    if (this.#current === null) {
      // Nobody's picture to protect: show the first voice at once.
      this.#cancelPending();
      this.#show(peerId);
      return;
    }
    // The observer reports changes only, but a repeat must not restart the wait.
    if (peerId === this.#candidate) return;
    this.#cancelPending();
    this.#candidate = peerId;
    this.#candidateSince = this.#now();
    this.#schedule();
  }

  /** That peer left: never keep showing them, and never switch to them. */
  remove(peerId: string): void {
    if (this.#closed) return;
    if (peerId === this.#current) {
      const next = this.#candidate !== peerId ? this.#candidate : null;
      this.#cancelPending();
      this.#show(next);
    } else if (peerId === this.#candidate) {
      this.#cancelPending();
    }
  }

  /** Stops for good: cancels the pending switch; no onChange afterwards. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#cancelPending();
  }

  /** When the candidate may be shown: confirmed and the current one held long enough. */
  #dueAt(): number {
    return Math.max(this.#candidateSince + this.#confirmMs, this.#shownAt + this.#minHoldMs);
  }

  #schedule(): void {
    const delay = Math.max(0, this.#dueAt() - this.#now());
    const timer: { handle: unknown } = { handle: null };
    this.#timer = timer;
    timer.handle = this.#setTimer(() => {
      // A cleared timer that runs anyway belongs to a switch that no longer exists.
      if (this.#timer !== timer) return;
      this.#timer = null;
      this.#fire();
    }, delay);
  }

  #fire(): void {
    if (this.#closed || this.#candidate === null) return;
    // A timer may fire a little early (clamping, clock drift): wait the rest.
    if (this.#now() < this.#dueAt()) {
      this.#schedule();
      return;
    }
    const next = this.#candidate;
    this.#candidate = null;
    this.#show(next);
  }

  #cancelPending(): void {
    this.#candidate = null;
    if (this.#timer !== null) {
      this.#clearTimer(this.#timer.handle);
      this.#timer = null;
    }
  }

  #show(peerId: string | null): void {
    this.#shownAt = this.#now();
    if (peerId === this.#current) return;
    this.#current = peerId;
    this.#onChange(peerId);
  }
}
