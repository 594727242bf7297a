import { afterEach, describe, expect, it, vi } from 'vitest';
import { CanvasSurface } from '../../src/CanvasSurface';
import { CompositorEngine, type Canvas2D, type FrameSlot } from '../../src/CompositorEngine';
import type { TileSpec } from '../../src/TileBook';

/** A 2D context that records the drawing calls the engine makes. */
function fakeContext(onDrawImage: () => void = () => {}) {
  const calls: string[] = [];
  const context = {
    fillStyle: '',
    font: '',
    textAlign: 'left',
    textBaseline: 'alphabetic',
    fillRect: (x: number, y: number, w: number, h: number) =>
      calls.push(`fillRect ${x},${y},${w},${h}`),
    imageSmoothingEnabled: true,
    drawImage(image: { id: string }, ...rect: number[]) {
      onDrawImage();
      calls.push(
        `drawImage ${image.id} ${rect.slice(0, 4).join(',')} -> ${rect.slice(4).join(',')}` +
          (this.imageSmoothingEnabled ? '' : ' nearest'),
      );
    },
    fillText: (text: string) => calls.push(`fillText ${text}`),
    measureText: (text: string) => ({ width: text.length * 8 }),
    beginPath: () => {},
    arc: () => {},
    moveTo: () => {},
    lineTo: () => {},
    closePath: () => {},
    fill: () => calls.push('fill'),
  };
  return { context: context as unknown as Canvas2D, calls };
}

const tile = (peerId: string, videoId: string | null): TileSpec => ({
  id: `${peerId}:camera`,
  peerId,
  label: peerId.toUpperCase(),
  initials: peerId.slice(0, 1).toUpperCase(),
  color: '#123456',
  videoId,
  kind: 'camera',
  micMuted: false,
});

/** The grid scene of these tiles, nobody speaking. */
const grid = (...tiles: TileSpec[]) => ({
  tiles,
  layout: 'grid' as const,
  activeSpeakerPeerId: null,
});

function setup(fps = 10, drawImageMs = 0) {
  let clock = 0;
  const { context, calls } = fakeContext(() => (clock += drawImageMs));
  const slots = new Map<string, FrameSlot<CanvasImageSource>>();
  const firstFrames: unknown[] = [];
  const engine = new CompositorEngine({
    surface: new CanvasSurface(context, 1280, 720),
    width: 1280,
    height: 720,
    fps,
    slot: (id) => slots.get(id),
    now: () => clock,
    onFirstFrame: (info) => firstFrames.push(info),
  });
  const frame = (
    id: string,
    seq: number,
    width = 640,
    height = 480,
  ): FrameSlot<CanvasImageSource> => {
    const slot = { image: { id } as unknown as CanvasImageSource, width, height, seq };
    slots.set(id, slot);
    return slot;
  };
  return {
    engine,
    calls,
    slots,
    frame,
    firstFrames,
    advance: (ms: number) => (clock += ms),
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('CompositorEngine', () => {
  it('draws the waiting screen when nobody is in the room', () => {
    const { engine, calls } = setup();
    engine.drawFrame();
    expect(calls).toContain('fillRect 0,0,1280,720');
    expect(calls).toContain('fillText Waiting for participants…');
  });

  it('draws a placeholder with initials and name until the first video frame arrives', () => {
    const { engine, calls, frame } = setup();
    engine.setScene(grid(tile('ada', 'v1')));
    engine.drawFrame();
    expect(calls).toContain('fillText A');
    expect(calls).toContain('fillText ADA');
    expect(calls.some((c) => c.startsWith('drawImage'))).toBe(false);
    calls.length = 0;
    frame('v1', 1);
    engine.drawFrame();
    // A 4:3 camera covers the 1272x712 cell: the middle 640x358 band, no bars.
    expect(calls).toContain('drawImage v1 0,60,640,358 -> 4,4,1272,712');
    expect(calls).toContain('fillText ADA');
  });

  it('fits a shared screen inside its cell with bars: no slide loses its edges', () => {
    const { engine, calls, frame } = setup();
    engine.setScene(grid({ ...tile('ada', 'v1'), id: 'ada:screen', kind: 'screen' }));
    frame('v1', 1);
    engine.drawFrame();
    expect(calls).toContain('drawImage v1 0,0,640,480 -> 165,4,949,712');
  });

  it('rings the shown speaker and marks a muted microphone on the label', () => {
    const { engine, calls, frame } = setup();
    const scene = {
      tiles: [tile('ada', 'v1'), { ...tile('bob', 'v2'), micMuted: true }],
      layout: 'grid' as const,
      activeSpeakerPeerId: 'ada',
    };
    engine.setScene(scene);
    frame('v1', 1);
    frame('v2', 1);
    engine.drawFrame();
    // Two 634x712 cells side by side; the ring (8 px) on the first only.
    expect(calls).toContain('fillRect 4,4,634,8');
    expect(calls.filter((c) => /^fillRect \d+,\d+,634,8$/.test(c))).toEqual([
      'fillRect 4,4,634,8',
      'fillRect 4,708,634,8',
    ]);
    // The muted mark: the microphone's capsule and its strike are filled paths.
    expect(calls.filter((c) => c === 'fill')).toHaveLength(2);
    expect(engine.stats()).toMatchObject({ layout: 'grid', hiddenTiles: 0 });
  });

  it('draws the speaker layout: the speaker large, the others in the strip', () => {
    const { engine, calls, frame } = setup();
    engine.setScene({
      tiles: ['ada', 'bob', 'cy', 'dee'].map((p) => tile(p, p)),
      layout: 'speaker',
      activeSpeakerPeerId: 'cy',
    });
    for (const p of ['ada', 'bob', 'cy', 'dee']) frame(p, 1);
    engine.drawFrame();
    expect(calls).toContainEqual(expect.stringMatching(/^drawImage cy .* -> 4,4,1272,550$/));
    expect(calls).toContainEqual(expect.stringMatching(/^drawImage ada .* -> 216,558,280,158/));
    expect(engine.stats()).toMatchObject({ layout: 'speaker', tiles: 4 });
  });

  it('redraws a tile only when its video has a new frame, but touches the canvas every tick', () => {
    const { engine, calls, frame } = setup();
    engine.setScene(grid(tile('ada', 'v1'), tile('bob', 'v2')));
    frame('v1', 1);
    frame('v2', 1);
    engine.drawFrame();
    calls.length = 0;
    engine.drawFrame();
    expect(calls).toEqual(['fillRect 0,0,1,1']);
    calls.length = 0;
    frame('v2', 2);
    engine.drawFrame();
    expect(calls.filter((c) => c.startsWith('drawImage'))).toEqual([
      expect.stringMatching(/^drawImage v2 /),
    ]);
  });

  it('redraws everything after the tile list changes', () => {
    const { engine, calls, frame } = setup();
    engine.setScene(grid(tile('ada', 'v1')));
    frame('v1', 1);
    engine.drawFrame();
    engine.setScene(grid(tile('ada', 'v1'), tile('bob', null)));
    calls.length = 0;
    engine.drawFrame();
    expect(calls[0]).toBe('fillRect 0,0,1280,720');
    expect(calls.some((c) => c.startsWith('drawImage v1'))).toBe(true);
    expect(calls).toContain('fillText B');
  });

  it('draws a camera that nearly fits its cell 1:1, cropping the edges instead of resampling', () => {
    const { engine, calls, frame } = setup();
    engine.setScene(grid(tile('a', 'v1'), tile('b', 'v2'), tile('c', 'v3'), tile('d', 'v4')));
    frame('v1', 1, 640, 360);
    engine.drawFrame();
    // Cells of 634x354: the 640x360 picture loses 3 pixels on each side.
    expect(calls).toContain('drawImage v1 3,3,634,354 -> 4,4,634,354 nearest');
  });

  it('stops filtering shrunk tiles while drawing takes over half the frame period, and resumes after', () => {
    vi.useFakeTimers();
    const { engine, calls, frame, advance } = setup(10, 20);
    const ids = ['v1', 'v2', 'v3', 'v4'];
    engine.setScene(grid(...ids.map((id) => tile(id, id))));
    let seq = 0;
    const newFrames = () => ids.forEach((id) => frame(id, ++seq, 960, 540));
    newFrames();
    engine.start();
    expect(calls.filter((c) => c.startsWith('drawImage'))[0]).not.toContain('nearest');
    // Four tiles at 20 ms each: 80 ms of a 100 ms period.
    for (let i = 0; i < 12; i++) {
      newFrames();
      advance(20);
      vi.advanceTimersByTime(100);
    }
    expect(engine.stats()).toMatchObject({ economy: true });
    calls.length = 0;
    newFrames();
    vi.advanceTimersByTime(100);
    expect(calls.filter((c) => c.startsWith('drawImage')).every((c) => c.endsWith('nearest'))).toBe(
      true,
    );
    // No new frames: ticks cost nothing, and filtering comes back.
    for (let i = 0; i < 12; i++) {
      advance(100);
      vi.advanceTimersByTime(100);
    }
    expect(engine.stats()).toMatchObject({ economy: false });
    engine.stop();
  });

  it('goes back to the placeholder when the video disappears', () => {
    const { engine, calls, frame, slots } = setup();
    engine.setScene(grid(tile('ada', 'v1')));
    frame('v1', 1);
    engine.drawFrame();
    slots.delete('v1');
    calls.length = 0;
    engine.drawFrame();
    expect(calls).toContain('fillText A');
  });

  it('ticks at the configured rate, reports the first frame once, and counts skipped ticks', () => {
    vi.useFakeTimers();
    const { engine, firstFrames, advance } = setup(10);
    engine.setScene(grid(tile('ada', null)));
    engine.start();
    expect(engine.stats().framesDrawn).toBe(1);
    expect(firstFrames).toEqual([{ tiles: 1, videoTiles: 0 }]);
    for (let i = 0; i < 9; i++) {
      advance(100);
      vi.advanceTimersByTime(100);
    }
    expect(engine.stats().framesDrawn).toBe(10);
    expect(engine.stats().droppedFrames).toBe(0);
    // The tick due at 1000 ms runs 350 ms late: those due at 1100 and 1200
    // are skipped (not drawn in a burst), the one due at 1300 runs at once.
    advance(450);
    vi.advanceTimersByTime(100);
    expect(engine.stats().framesDrawn).toBe(11);
    expect(engine.stats().droppedFrames).toBe(2);
    vi.advanceTimersByTime(1);
    expect(engine.stats().framesDrawn).toBe(12);
    expect(firstFrames).toHaveLength(1);
    engine.stop();
    vi.advanceTimersByTime(1000);
    expect(engine.stats().framesDrawn).toBe(12);
  });
});
