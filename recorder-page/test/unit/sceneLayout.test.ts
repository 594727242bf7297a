import { describe, expect, it } from 'vitest';
import type { RecordingLayout } from '#protocol/layout';
import { coverCrop, gridCells, type Rect } from '../../src/layout';
import {
  arrangeScene,
  resolveLayout,
  type PlacedTile,
  type Scene,
  type SceneInput,
  type SceneTile,
} from '../../src/sceneLayout';

const camera = (peerId: string): SceneTile => ({ id: `${peerId}:camera`, peerId, kind: 'camera' });
const screen = (peerId: string, index = 1): SceneTile => ({
  id: `${peerId}:screen${index === 1 ? '' : String(index)}`,
  peerId,
  kind: 'screen',
});

/**
 * `count` tiles as TileBook orders them: a camera per peer, a peer's screens
 * right after their camera. The screens belong to the first peers, the last
 * one taking any that are left (a peer may share two).
 */
function roomTiles(count: number, screens: number): SceneTile[] {
  const peers = count - screens;
  const tiles: SceneTile[] = [];
  for (let peer = 0; peer < peers; peer++) {
    const peerId = `p${peer}`;
    tiles.push(camera(peerId));
    const owned = peer < peers - 1 ? (peer < screens ? 1 : 0) : Math.max(0, screens - peer);
    for (let index = 1; index <= owned; index++) tiles.push(screen(peerId, index));
  }
  return tiles;
}

const overlaps = (a: Rect, b: Rect) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

const ids = (placed: readonly PlacedTile[]) => placed.map((tile) => tile.id);
const cellOf = (scene: Scene, id: string) => scene.placed.find((tile) => tile.id === id)?.cell;

function scene(partial: Partial<SceneInput> & Pick<SceneInput, 'layout' | 'tiles'>): Scene {
  return arrangeScene({ activeSpeakerPeerId: null, width: 1280, height: 720, ...partial });
}

/** The contract every scene keeps, whatever the layout. */
function expectSound(input: SceneInput, result: Scene) {
  const gap = input.gap ?? 4;
  const allIds = input.tiles.map((tile) => tile.id);
  const placedIds = ids(result.placed);
  // Every tile exactly once, either drawn or hidden; hidden ones in input order.
  expect([...placedIds, ...result.hidden].sort()).toEqual([...allIds].sort());
  expect(new Set(placedIds).size).toBe(placedIds.length);
  expect(result.hidden).toEqual(allIds.filter((id) => result.hidden.includes(id)));
  // Collected, then asserted once: thousands of scenes make per-value expects slow.
  const misplaced = result.placed.filter(
    ({ cell }) =>
      [cell.x, cell.y, cell.width, cell.height].some(
        (value) => !Number.isInteger(value) || value % 2 !== 0,
      ) ||
      cell.width < 2 ||
      cell.height < 2 ||
      cell.x < gap ||
      cell.y < gap ||
      cell.x + cell.width > input.width - gap ||
      cell.y + cell.height > input.height - gap,
  );
  expect(misplaced).toEqual([]);
  const overlapping = result.placed.flatMap((a, index) =>
    result.placed
      .slice(index + 1)
      .filter((b) => overlaps(a.cell, b.cell))
      .map((b) => [a.id, b.id]),
  );
  expect(overlapping).toEqual([]);
  if (result.layout === 'grid') {
    expect(result.placed.every((tile) => tile.role === 'grid')).toBe(true);
    return;
  }
  const [main, ...thumbnails] = result.placed;
  if (!main) return;
  expect(main.role).toBe('main');
  const area = (cell: Rect) => cell.width * cell.height;
  for (const { role, cell } of thumbnails) {
    expect(role).toBe('strip');
    expect(area(main.cell)).toBeGreaterThan(area(cell));
    expect(main.cell.width).toBeGreaterThanOrEqual(cell.width);
    expect(main.cell.height).toBeGreaterThanOrEqual(cell.height);
    // Thumbnails are 16:9, give or take the even rounding of one side.
    expect(Math.abs(cell.width - (cell.height * 16) / 9)).toBeLessThan(4);
  }
}

/**
 * The rules, stated the slow and obvious way: who is main, and the order of
 * the rest (of which the scene shows a prefix).
 */
function expectedOrder(result: Scene, tiles: readonly SceneTile[], speaker: string | null) {
  const all = tiles.map((tile) => tile.id);
  if (result.layout === 'grid') return all;
  const speakerCamera = tiles.find((tile) => tile.kind === 'camera' && tile.peerId === speaker);
  let main: SceneTile | undefined;
  let rest: SceneTile[];
  if (result.layout === 'speaker') {
    main = speakerCamera ?? tiles.find((tile) => tile.kind === 'camera') ?? tiles[0];
    rest = tiles.filter((tile) => tile !== main);
  } else {
    const screens = tiles.filter((tile) => tile.kind === 'screen');
    main = screens.find((tile) => tile.peerId === speaker) ?? screens[0];
    rest = tiles.filter((tile) => tile !== main && tile !== speakerCamera);
    if (speakerCamera) rest.unshift(speakerCamera);
  }
  return [main!, ...rest].slice(0, result.placed.length).map((tile) => tile.id);
}

const sizes = [
  [1280, 720],
  [1920, 1080],
  [640, 360],
] as const;
const layouts: RecordingLayout[] = ['grid', 'speaker', 'presentation', 'auto'];
const counts = Array.from({ length: 25 }, (_, index) => index + 1);

describe('arrangeScene: the contract for every layout, room size and canvas', () => {
  for (const [width, height] of sizes) {
    for (const layout of layouts) {
      it(`${layout} at ${width}x${height}: 1-25 tiles with 0-2 screens, any speaker`, () => {
        for (const count of counts) {
          for (let screens = 0; screens <= Math.min(2, count - 1); screens++) {
            const tiles = roomTiles(count, screens);
            const peers = [...new Set(tiles.map((tile) => tile.peerId))];
            const speakers = [null, peers[0]!, peers[peers.length - 1]!, 'gone'];
            for (const activeSpeakerPeerId of speakers) {
              const input = { layout, tiles, activeSpeakerPeerId, width, height };
              const result = arrangeScene(input);
              expectSound(input, result);
              const expected =
                layout === 'auto'
                  ? screens > 0
                    ? 'presentation'
                    : 'grid'
                  : layout === 'presentation' && screens === 0
                    ? 'speaker'
                    : layout;
              expect(result.layout).toBe(expected);
              expect(ids(result.placed)).toEqual(expectedOrder(result, tiles, activeSpeakerPeerId));
              if (result.layout === 'grid') expect(result.hidden).toEqual([]);
              else expect(result.placed.length).toBeGreaterThanOrEqual(Math.min(count, 4));
            }
          }
        }
      });
    }
  }
});

describe('arrangeScene: grid', () => {
  it('uses the grid cells, all tiles, in input order', () => {
    const tiles = roomTiles(5, 1);
    const result = scene({ layout: 'grid', tiles, activeSpeakerPeerId: 'p2' });
    expect(result.layout).toBe('grid');
    expect(result.placed).toEqual(
      gridCells(5, { width: 1280, height: 720, gap: 4 }).map((cell, index) => ({
        id: tiles[index]!.id,
        cell,
        role: 'grid',
      })),
    );
    expect(result.hidden).toEqual([]);
  });

  it('passes the gap on', () => {
    const tiles = roomTiles(4, 0);
    const result = scene({ layout: 'grid', tiles, gap: 8 });
    expect(result.placed.map((tile) => tile.cell)).toEqual(
      gridCells(4, { width: 1280, height: 720, gap: 8 }),
    );
  });
});

describe('arrangeScene: auto', () => {
  it('is a grid without a shared screen and a presentation with one', () => {
    expect(scene({ layout: 'auto', tiles: roomTiles(3, 0) }).layout).toBe('grid');
    expect(scene({ layout: 'auto', tiles: roomTiles(3, 1) }).layout).toBe('presentation');
    expect(resolveLayout('auto', [])).toBe('grid');
    expect(resolveLayout('auto', [screen('a')])).toBe('presentation');
  });
});

describe('arrangeScene: speaker', () => {
  const tiles = [camera('a'), camera('b'), camera('c'), camera('d')];

  it('at 1280x720 with 4 tiles: the speaker above, a centred strip of three 16:9 cells below', () => {
    const result = scene({ layout: 'speaker', tiles, activeSpeakerPeerId: 'c' });
    // Strip cells: 22% of 720 = 158 high, 158 * 16/9 = 280 wide; main: 720 - 3*4 - 158 = 550.
    // Three cells and two gaps are 848 wide: (1280 - 848) / 2 = 216 from the left.
    expect(result).toEqual({
      layout: 'speaker',
      placed: [
        { id: 'c:camera', role: 'main', cell: { x: 4, y: 4, width: 1272, height: 550 } },
        { id: 'a:camera', role: 'strip', cell: { x: 216, y: 558, width: 280, height: 158 } },
        { id: 'b:camera', role: 'strip', cell: { x: 500, y: 558, width: 280, height: 158 } },
        { id: 'd:camera', role: 'strip', cell: { x: 784, y: 558, width: 280, height: 158 } },
      ],
      hidden: [],
    });
  });

  it('at 1920x1080 sizes the strip from the canvas', () => {
    const result = scene({ layout: 'speaker', tiles, width: 1920, height: 1080 });
    // 22% of 1080 = 237.6 → 236; 236 * 16/9 = 419.6 → 418; main 1080 - 12 - 236 = 832;
    // three cells and two gaps are 1262 wide: (1920 - 1262) / 2 = 329 → 328.
    expect(cellOf(result, 'a:camera')).toEqual({ x: 4, y: 4, width: 1912, height: 832 });
    expect(cellOf(result, 'b:camera')).toEqual({ x: 328, y: 840, width: 418, height: 236 });
  });

  it('a lone tile fills the canvas inset by the gap', () => {
    expect(scene({ layout: 'speaker', tiles: [camera('a')], activeSpeakerPeerId: 'a' })).toEqual({
      layout: 'speaker',
      placed: [{ id: 'a:camera', role: 'main', cell: { x: 4, y: 4, width: 1272, height: 712 } }],
      hidden: [],
    });
  });

  it('falls back to the first camera without a known speaker, then to the first tile', () => {
    const withScreen = [screen('a'), camera('b'), camera('c')];
    for (const activeSpeakerPeerId of [null, 'gone', 'a']) {
      // 'a' shares a screen but has no camera tile here: the camera rule still applies.
      const result = scene({ layout: 'speaker', tiles: withScreen, activeSpeakerPeerId });
      expect(ids(result.placed)).toEqual(['b:camera', 'a:screen', 'c:camera']);
    }
    const screensOnly = [screen('a'), screen('b')];
    expect(ids(scene({ layout: 'speaker', tiles: screensOnly }).placed)).toEqual([
      'a:screen',
      'b:screen',
    ]);
  });

  it('keeps screens in the strip, in input order', () => {
    const result = scene({ layout: 'speaker', tiles: roomTiles(5, 2), activeSpeakerPeerId: 'p1' });
    expect(ids(result.placed)).toEqual([
      'p1:camera',
      'p0:camera',
      'p0:screen',
      'p1:screen',
      'p2:camera',
    ]);
    expect(result.hidden).toEqual([]);
  });

  it('hides the strip overflow in input order, without reordering', () => {
    const many = Array.from({ length: 9 }, (_, index) => camera(`p${index}`));
    const result = scene({ layout: 'speaker', tiles: many, activeSpeakerPeerId: 'p3' });
    // 1280 wide holds four 280-wide cells with gaps: (1280 - 4) / 284 = 4.49.
    expect(ids(result.placed)).toEqual([
      'p3:camera',
      'p0:camera',
      'p1:camera',
      'p2:camera',
      'p4:camera',
    ]);
    expect(result.hidden).toEqual(['p5:camera', 'p6:camera', 'p7:camera', 'p8:camera']);
    expect(result.placed.slice(1).map((tile) => tile.cell.x)).toEqual([74, 358, 642, 926]);
  });
});

describe('arrangeScene: presentation', () => {
  it('at 1280x720: the screen on the left, the speaker first in a centred column on the right', () => {
    const tiles = [camera('a'), screen('a'), camera('b'), camera('c')];
    const result = scene({ layout: 'presentation', tiles, activeSpeakerPeerId: 'b' });
    // Column: 24% of 1280 = 307 → 306 wide, 306 * 9/16 = 172 high, at 1280 - 4 - 306 = 970.
    // Three cells and two gaps are 524 high: (720 - 524) / 2 = 98 from the top.
    expect(result).toEqual({
      layout: 'presentation',
      placed: [
        { id: 'a:screen', role: 'main', cell: { x: 4, y: 4, width: 962, height: 712 } },
        { id: 'b:camera', role: 'strip', cell: { x: 970, y: 98, width: 306, height: 172 } },
        { id: 'a:camera', role: 'strip', cell: { x: 970, y: 274, width: 306, height: 172 } },
        { id: 'c:camera', role: 'strip', cell: { x: 970, y: 450, width: 306, height: 172 } },
      ],
      hidden: [],
    });
  });

  it("shows the active speaker's own screen, else the first screen", () => {
    const tiles = [camera('a'), screen('a'), camera('b'), screen('b'), camera('c')];
    const main = (activeSpeakerPeerId: string | null) =>
      scene({ layout: 'presentation', tiles, activeSpeakerPeerId }).placed[0]?.id;
    expect(main('b')).toBe('b:screen');
    expect(main('a')).toBe('a:screen');
    expect(main('c')).toBe('a:screen');
    expect(main(null)).toBe('a:screen');
  });

  it("picks the first of the speaker's two screens and keeps the other in the column", () => {
    const tiles = [camera('a'), camera('b'), screen('b'), screen('b', 2)];
    const result = scene({ layout: 'presentation', tiles, activeSpeakerPeerId: 'b' });
    expect(ids(result.placed)).toEqual(['b:screen', 'b:camera', 'a:camera', 'b:screen2']);
  });

  it('without a speaker the column keeps input order', () => {
    const tiles = [camera('a'), camera('b'), screen('b'), camera('c')];
    const result = scene({ layout: 'presentation', tiles, activeSpeakerPeerId: null });
    expect(ids(result.placed)).toEqual(['b:screen', 'a:camera', 'b:camera', 'c:camera']);
  });

  it('hides the column overflow in input order, the speaker kept', () => {
    const tiles = [screen('p0'), ...Array.from({ length: 8 }, (_, index) => camera(`p${index}`))];
    const result = scene({ layout: 'presentation', tiles, activeSpeakerPeerId: 'p6' });
    // 720 high holds four 172-high cells with gaps: (720 - 4) / 176 = 4.07.
    expect(ids(result.placed)).toEqual([
      'p0:screen',
      'p6:camera',
      'p0:camera',
      'p1:camera',
      'p2:camera',
    ]);
    expect(result.hidden).toEqual(['p3:camera', 'p4:camera', 'p5:camera', 'p7:camera']);
  });

  it('a screen alone fills the canvas', () => {
    const result = scene({ layout: 'presentation', tiles: [screen('a')] });
    expect(result.placed).toEqual([
      { id: 'a:screen', role: 'main', cell: { x: 4, y: 4, width: 1272, height: 712 } },
    ]);
  });

  it('without a screen is exactly the speaker layout, and says so', () => {
    const tiles = roomTiles(6, 0);
    for (const activeSpeakerPeerId of [null, 'p3']) {
      const asPresentation = scene({ layout: 'presentation', tiles, activeSpeakerPeerId });
      const asSpeaker = scene({ layout: 'speaker', tiles, activeSpeakerPeerId });
      expect(asPresentation).toEqual(asSpeaker);
      expect(asPresentation.layout).toBe('speaker');
    }
  });
});

describe('arrangeScene: empty and degenerate canvases', () => {
  it('no tiles: nothing placed, the layout still resolved', () => {
    expect(scene({ layout: 'auto', tiles: [] })).toEqual({
      layout: 'grid',
      placed: [],
      hidden: [],
    });
    expect(scene({ layout: 'presentation', tiles: [] })).toEqual({
      layout: 'speaker',
      placed: [],
      hidden: [],
    });
  });

  it('a zero-sized canvas places nothing and reports every tile hidden', () => {
    const tiles = roomTiles(3, 1);
    for (const [width, height] of [
      [0, 720],
      [1280, 0],
      [0, 0],
    ] as const) {
      expect(scene({ layout: 'auto', tiles, width, height })).toEqual({
        layout: 'presentation',
        placed: [],
        hidden: tiles.map((tile) => tile.id),
      });
    }
  });

  it.each(layouts)('%s keeps the contract on tiny, odd and portrait canvases', (layout) => {
    const canvases = [
      [2, 2],
      [10, 10],
      [24, 16],
      [64, 36],
      [101, 57],
      [360, 1280],
      [1280, 40],
      [2000, 24],
    ] as const;
    for (const [width, height] of canvases) {
      for (const count of [1, 2, 5, 25]) {
        for (const gap of [0, 4]) {
          const input = {
            layout,
            tiles: roomTiles(count, Math.min(1, count - 1)),
            activeSpeakerPeerId: 'p0',
            width,
            height,
            gap,
          };
          expectSound(input, arrangeScene(input));
        }
      }
    }
  });

  it('drops the thumbnails, not the main tile, when they do not fit', () => {
    const tiles = roomTiles(3, 0);
    const result = scene({ layout: 'speaker', tiles, width: 64, height: 20 });
    expect(ids(result.placed)).toEqual(['p0:camera']);
    expect(result.hidden).toEqual(['p1:camera', 'p2:camera']);
  });

  it('rounds an odd gap down to even', () => {
    const result = scene({ layout: 'speaker', tiles: [camera('a')], gap: 5 });
    expect(result.placed[0]?.cell).toEqual({ x: 4, y: 4, width: 1272, height: 712 });
  });
});

describe('coverCrop', () => {
  const wide: Rect = { x: 10, y: 20, width: 320, height: 180 };

  it('takes the whole source when the aspect ratios match', () => {
    expect(coverCrop(1280, 720, wide)).toEqual({ sx: 0, sy: 0, sw: 1280, sh: 720 });
  });

  it('crops top and bottom of a 4:3 camera for a 16:9 cell', () => {
    expect(coverCrop(640, 480, wide)).toEqual({ sx: 0, sy: 60, sw: 640, sh: 360 });
  });

  it('crops the sides of a 16:9 camera for a 4:3 cell and for a square one', () => {
    expect(coverCrop(640, 360, { x: 0, y: 0, width: 280, height: 210 })).toEqual({
      sx: 80,
      sy: 0,
      sw: 480,
      sh: 360,
    });
    expect(coverCrop(1280, 720, { x: 0, y: 0, width: 200, height: 200 })).toEqual({
      sx: 280,
      sy: 0,
      sw: 720,
      sh: 720,
    });
  });

  it('crops a portrait phone camera to a band across its middle for a wide cell', () => {
    // 1272/550 = 2.31: 480 wide gives 207.5 → 208 high, from (848 - 208) / 2 = 320.
    expect(coverCrop(480, 848, { x: 4, y: 4, width: 1272, height: 550 })).toEqual({
      sx: 0,
      sy: 320,
      sw: 480,
      sh: 208,
    });
  });

  it('keeps the crop even for an odd source, dropping the odd last column or row', () => {
    expect(coverCrop(641, 361, wide)).toEqual({ sx: 0, sy: 0, sw: 640, sh: 360 });
    // 642 * 9/16 = 361.1 → 362, from (481 - 362) / 2 = 59.5 → 58.
    expect(coverCrop(643, 481, wide)).toEqual({ sx: 0, sy: 58, sw: 642, sh: 362 });
  });

  it('writes into the given object instead of allocating', () => {
    const out = { sx: 9, sy: 9, sw: 9, sh: 9 };
    expect(coverCrop(640, 480, wide, out)).toBe(out);
    expect(out).toEqual({ sx: 0, sy: 60, sw: 640, sh: 360 });
  });

  it('takes the whole source for an unknown source size or an empty cell', () => {
    expect(coverCrop(0, 0, wide)).toEqual({ sx: 0, sy: 0, sw: 0, sh: 0 });
    expect(coverCrop(-4, 480, wide)).toEqual({ sx: 0, sy: 0, sw: 0, sh: 480 });
    expect(coverCrop(640, 480, { x: 0, y: 0, width: 0, height: 180 })).toEqual({
      sx: 0,
      sy: 0,
      sw: 640,
      sh: 480,
    });
  });

  it('keeps a one-pixel source whole and crops nothing below two pixels', () => {
    expect(coverCrop(1, 1, wide)).toEqual({ sx: 0, sy: 0, sw: 1, sh: 1 });
    expect(coverCrop(1, 480, wide)).toEqual({ sx: 0, sy: 238, sw: 1, sh: 2 });
  });

  it('for any source and cell: inside the source, centred, even, of the cell aspect', () => {
    const sources = [
      [640, 360],
      [640, 480],
      [1280, 720],
      [1920, 1080],
      [720, 1280],
      [480, 848],
      [320, 240],
      [641, 359],
      [176, 144],
      [3840, 2160],
    ] as const;
    const cells = [
      ...gridCells(25, { width: 1280, height: 720 }).slice(0, 1),
      ...gridCells(5, { width: 1920, height: 1080 }).slice(0, 1),
      { x: 0, y: 0, width: 1272, height: 550 },
      { x: 0, y: 0, width: 306, height: 172 },
      { x: 0, y: 0, width: 2, height: 2 },
      { x: 0, y: 0, width: 1000, height: 2 },
      { x: 0, y: 0, width: 2, height: 1000 },
    ];
    for (const [sourceWidth, sourceHeight] of sources) {
      for (const cell of cells) {
        const { sx, sy, sw, sh } = coverCrop(sourceWidth, sourceHeight, cell);
        for (const value of [sx, sy, sw, sh]) {
          expect(Number.isInteger(value)).toBe(true);
          expect(value % 2).toBe(0);
        }
        expect(sw).toBeGreaterThanOrEqual(2);
        expect(sh).toBeGreaterThanOrEqual(2);
        expect(sx + sw).toBeLessThanOrEqual(sourceWidth);
        expect(sy + sh).toBeLessThanOrEqual(sourceHeight);
        // Centred, to the even pixel.
        expect(Math.abs(sourceWidth - sw - 2 * sx)).toBeLessThanOrEqual(3);
        expect(Math.abs(sourceHeight - sh - 2 * sy)).toBeLessThanOrEqual(3);
        // One side whole (up to the odd pixel): a crop, never a zoom past the need.
        expect(sw >= sourceWidth - 1 || sh >= sourceHeight - 1).toBe(true);
        // The cell's aspect ratio, give or take the even rounding of the cropped side
        // (unless that side is at its 2-pixel minimum, for a cell like 1000x2).
        const cellAspect = cell.width / cell.height;
        if (sw === 2 || sh === 2) continue;
        if (sw >= sourceWidth - 1) {
          expect(Math.abs(sh - sw / cellAspect)).toBeLessThanOrEqual(1 + 1e-9);
        } else {
          expect(Math.abs(sw - sh * cellAspect)).toBeLessThanOrEqual(1 + 1e-9);
        }
      }
    }
  });
});
