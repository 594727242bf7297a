import { describe, expect, it, vi } from 'vitest';
import { SpeakerSelector, type SpeakerSelectorOptions } from '../../src/SpeakerSelector';

/** A clock and timers that move only when the test says so. */
function fakeTime() {
  let clock = 0;
  let nextId = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const cleared: unknown[] = [];
  return {
    now: () => clock,
    setTimer: (fn: () => void, ms: number) => {
      const id = nextId++;
      timers.set(id, { at: clock + ms, fn });
      return id;
    },
    clearTimer: (handle: unknown) => {
      cleared.push(handle);
      timers.delete(handle as number);
    },
    /** Moves the clock by `ms`, running the timers that fall due, in order. */
    advance(ms: number) {
      const end = clock + ms;
      for (;;) {
        const due = [...timers.entries()]
          .filter(([, timer]) => timer.at <= end)
          .sort(([, a], [, b]) => a.at - b.at)[0];
        if (!due) break;
        const [id, timer] = due;
        timers.delete(id);
        clock = Math.max(clock, timer.at);
        timer.fn();
      }
      clock = end;
    },
    pending: () => timers.size,
    cleared,
  };
}

function selector(extra: Partial<SpeakerSelectorOptions> = {}) {
  const time = fakeTime();
  const changes: Array<string | null> = [];
  const speakers = new SpeakerSelector({
    onChange: (peerId) => changes.push(peerId),
    now: time.now,
    setTimer: time.setTimer,
    clearTimer: time.clearTimer,
    ...extra,
  });
  return { speakers, changes, time };
}

describe('SpeakerSelector', () => {
  it('shows nobody before anyone speaks', () => {
    const { speakers, changes, time } = selector();
    expect(speakers.current).toBeNull();
    time.advance(10_000);
    expect(changes).toEqual([]);
  });

  it('shows the first speaker at once, without confirm or hold', () => {
    const { speakers, changes, time } = selector();
    speakers.dominant('a');
    expect(speakers.current).toBe('a');
    expect(changes).toEqual(['a']);
    expect(time.pending()).toBe(0);
  });

  it('switches once the new speaker is confirmed and the shown one held long enough', () => {
    const { speakers, changes, time } = selector();
    speakers.dominant('a');
    time.advance(5000);
    // 'a' has been shown for 5 s: only the 700 ms confirmation remains.
    speakers.dominant('b');
    time.advance(699);
    expect(speakers.current).toBe('a');
    time.advance(1);
    expect(speakers.current).toBe('b');
    expect(changes).toEqual(['a', 'b']);
  });

  it('waits for the minimum hold when it ends after the confirmation', () => {
    const { speakers, changes, time } = selector();
    speakers.dominant('a');
    time.advance(100);
    speakers.dominant('b');
    // Confirmed at 800 ms, but 'a' keeps the picture until 2000 ms: one timer, the later time.
    expect(time.pending()).toBe(1);
    time.advance(1899);
    expect(speakers.current).toBe('a');
    time.advance(1);
    expect(speakers.current).toBe('b');
    expect(changes).toEqual(['a', 'b']);
  });

  it('holds each newly shown speaker too, counted from when they were shown', () => {
    const { speakers, changes, time } = selector();
    speakers.dominant('a');
    time.advance(3000);
    speakers.dominant('b');
    time.advance(700); // 'b' shown at 3700
    speakers.dominant('c');
    time.advance(1999);
    expect(speakers.current).toBe('b');
    time.advance(1);
    expect(changes).toEqual(['a', 'b', 'c']);
  });

  it('does not flicker on a quick back-and-forth', () => {
    const { speakers, changes, time } = selector();
    speakers.dominant('a');
    time.advance(5000);
    for (let round = 0; round < 10; round++) {
      speakers.dominant('b');
      time.advance(300);
      speakers.dominant('a');
      time.advance(300);
    }
    time.advance(10_000);
    expect(speakers.current).toBe('a');
    expect(changes).toEqual(['a']);
    expect(time.pending()).toBe(0);
  });

  it('restarts the confirmation for each new candidate, and shows only the last one', () => {
    const { speakers, changes, time } = selector();
    speakers.dominant('a');
    time.advance(5000);
    speakers.dominant('b');
    time.advance(500);
    speakers.dominant('c');
    time.advance(500);
    expect(speakers.current).toBe('a');
    time.advance(200);
    expect(speakers.current).toBe('c');
    expect(changes).toEqual(['a', 'c']);
  });

  it('does not restart the wait when the same candidate is reported again', () => {
    const { speakers, time } = selector();
    speakers.dominant('a');
    time.advance(5000);
    speakers.dominant('b');
    time.advance(400);
    speakers.dominant('b');
    time.advance(300);
    expect(speakers.current).toBe('b');
  });

  it('keeps the shown speaker through silence', () => {
    const { speakers, changes, time } = selector();
    speakers.dominant('a');
    speakers.dominant(null);
    time.advance(60_000);
    expect(speakers.current).toBe('a');
    expect(changes).toEqual(['a']);
  });

  it('cancels a pending switch on silence, and confirms afresh after it', () => {
    const { speakers, changes, time } = selector();
    speakers.dominant('a');
    time.advance(5000);
    speakers.dominant('b');
    time.advance(600);
    speakers.dominant(null);
    time.advance(5000);
    expect(speakers.current).toBe('a');
    speakers.dominant('b');
    time.advance(699);
    expect(speakers.current).toBe('a');
    time.advance(1);
    expect(changes).toEqual(['a', 'b']);
  });

  it('ignores silence before anyone spoke', () => {
    const { speakers, changes } = selector();
    speakers.dominant(null);
    expect(speakers.current).toBeNull();
    expect(changes).toEqual([]);
  });

  it('calls onChange only when the shown speaker changes', () => {
    const { speakers, changes, time } = selector();
    speakers.dominant('a');
    speakers.dominant('a');
    time.advance(5000);
    speakers.dominant('a');
    speakers.dominant(null);
    speakers.dominant('a');
    speakers.remove('b');
    time.advance(5000);
    expect(changes).toEqual(['a']);
  });

  it('switches at once to the pending candidate when the shown speaker leaves', () => {
    const { speakers, changes, time } = selector();
    speakers.dominant('a');
    time.advance(100);
    speakers.dominant('b');
    time.advance(100);
    speakers.remove('a');
    expect(speakers.current).toBe('b');
    expect(changes).toEqual(['a', 'b']);
    expect(time.pending()).toBe(0);
    time.advance(10_000);
    expect(changes).toEqual(['a', 'b']);
  });

  it('shows nobody when the shown speaker leaves with no one pending, then the next voice at once', () => {
    const { speakers, changes } = selector();
    speakers.dominant('a');
    speakers.remove('a');
    expect(speakers.current).toBeNull();
    speakers.dominant('b');
    expect(speakers.current).toBe('b');
    expect(changes).toEqual(['a', null, 'b']);
  });

  it('cancels a pending switch to a peer who leaves', () => {
    const { speakers, changes, time } = selector();
    speakers.dominant('a');
    time.advance(5000);
    speakers.dominant('b');
    time.advance(300);
    speakers.remove('b');
    expect(time.pending()).toBe(0);
    time.advance(10_000);
    expect(speakers.current).toBe('a');
    expect(changes).toEqual(['a']);
  });

  it('keeps a pending switch when someone else leaves', () => {
    const { speakers, changes, time } = selector();
    speakers.dominant('a');
    time.advance(5000);
    speakers.dominant('b');
    speakers.remove('c');
    time.advance(700);
    expect(changes).toEqual(['a', 'b']);
  });

  it('holds a speaker shown after a departure like any other', () => {
    const { speakers, changes, time } = selector();
    speakers.dominant('a');
    speakers.dominant('b');
    speakers.remove('a'); // 'b' shown at 0
    speakers.dominant('c');
    time.advance(1999);
    expect(speakers.current).toBe('b');
    time.advance(1);
    expect(changes).toEqual(['a', 'b', 'c']);
  });

  it('close() cancels the pending switch, stops all changes, and is idempotent', () => {
    const { speakers, changes, time } = selector();
    speakers.dominant('a');
    time.advance(5000);
    speakers.dominant('b');
    speakers.close();
    expect(speakers.closed).toBe(true);
    expect(time.pending()).toBe(0);
    time.advance(10_000);
    speakers.dominant('c');
    speakers.remove('a');
    speakers.close();
    expect(speakers.current).toBe('a');
    expect(changes).toEqual(['a']);
  });

  it('ignores a cleared timer that runs anyway', () => {
    const stale: Array<() => void> = [];
    const time = fakeTime();
    const changes: Array<string | null> = [];
    const speakers = new SpeakerSelector({
      onChange: (peerId) => changes.push(peerId),
      now: time.now,
      setTimer: (fn, ms) => {
        stale.push(fn);
        return time.setTimer(fn, ms);
      },
      clearTimer: time.clearTimer,
    });
    speakers.dominant('a');
    time.advance(5000);
    speakers.dominant('b');
    speakers.dominant('a'); // cancels the switch to 'b'
    time.advance(1000);
    stale[0]?.();
    expect(speakers.current).toBe('a');
    expect(changes).toEqual(['a']);
  });

  it('waits out a timer that fires early instead of switching before time', () => {
    const time = fakeTime();
    const changes: Array<string | null> = [];
    let early = 100;
    const speakers = new SpeakerSelector({
      onChange: (peerId) => changes.push(peerId),
      now: time.now,
      // The first timer fires 100 ms early (another clock than now()'s), the next on time.
      setTimer: (fn, ms) => {
        const delay = Math.max(0, ms - early);
        early = 0;
        return time.setTimer(fn, delay);
      },
      clearTimer: time.clearTimer,
    });
    speakers.dominant('a');
    time.advance(5000);
    speakers.dominant('b');
    time.advance(650);
    expect(speakers.current).toBe('a');
    time.advance(50);
    expect(changes).toEqual(['a', 'b']);
  });

  it('takes its hold and confirm times from the options', () => {
    const { speakers, changes, time } = selector({ minHoldMs: 0, confirmMs: 0 });
    speakers.dominant('a');
    speakers.dominant('b');
    expect(speakers.current).toBe('a');
    time.advance(0);
    expect(changes).toEqual(['a', 'b']);
  });

  it('defaults to performance.now and setTimeout/clearTimeout', () => {
    // Only this test uses vitest's fake timers: it checks the default wiring, not the behaviour.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    try {
      const changes: Array<string | null> = [];
      const speakers = new SpeakerSelector({ onChange: (peerId) => changes.push(peerId) });
      speakers.dominant('a');
      speakers.dominant('b');
      vi.advanceTimersByTime(1999);
      expect(changes).toEqual(['a']);
      vi.advanceTimersByTime(1);
      expect(changes).toEqual(['a', 'b']);
      vi.advanceTimersByTime(5000);
      speakers.dominant('c');
      speakers.close();
      expect(vi.getTimerCount()).toBe(0);
      vi.advanceTimersByTime(5000);
      expect(changes).toEqual(['a', 'b']);
    } finally {
      vi.useRealTimers();
    }
  });
});
