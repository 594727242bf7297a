import { describe, expect, it } from 'vitest';
import {
  fitRect,
  gridCells,
  gridShape,
  initialsOf,
  labelFontSize,
  labelRect,
  placeholderColor,
  placeVideo,
  type Rect,
} from '../../src/layout';

const overlaps = (a: Rect, b: Rect) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

describe('gridShape', () => {
  it.each([
    [0, 0, 0],
    [1, 1, 1],
    [2, 2, 1],
    [3, 2, 2],
    [4, 2, 2],
    [5, 3, 2],
    [6, 3, 2],
    [7, 3, 3],
    [9, 3, 3],
    [10, 4, 3],
    [12, 4, 3],
    [13, 4, 4],
    [16, 4, 4],
    [17, 5, 4],
    [25, 5, 5],
  ])('%i tiles make a %ix%i grid', (count, cols, rows) => {
    expect(gridShape(count)).toEqual({ cols, rows });
  });
});

describe('gridCells', () => {
  it('one tile fills the canvas minus the gap', () => {
    expect(gridCells(1, { width: 1280, height: 720, gap: 4 })).toEqual([
      { x: 4, y: 4, width: 1272, height: 712 },
    ]);
  });

  it('gives no cells for an empty room', () => {
    expect(gridCells(0, { width: 1280, height: 720 })).toEqual([]);
  });

  it.each([2, 3, 4, 5, 6, 7, 9, 12, 16, 20])(
    '%i cells are equal, inside the canvas, apart by the gap and do not overlap',
    (count) => {
      const gap = 4;
      const cells = gridCells(count, { width: 1280, height: 720, gap });
      expect(cells).toHaveLength(count);
      const first = cells[0]!;
      for (const cell of cells) {
        expect(cell.width).toBe(first.width);
        expect(cell.height).toBe(first.height);
        expect(cell.x).toBeGreaterThanOrEqual(gap);
        expect(cell.y).toBeGreaterThanOrEqual(gap);
        expect(cell.x + cell.width).toBeLessThanOrEqual(1280 - gap);
        expect(cell.y + cell.height).toBeLessThanOrEqual(720 - gap);
        for (const other of cells) if (other !== cell) expect(overlaps(cell, other)).toBe(false);
      }
      // The cells fill the canvas: under two pixels of slack per cell and axis.
      const { cols, rows } = gridShape(count);
      expect(1280 - (cols * first.width + (cols + 1) * gap)).toBeLessThan(2 * cols);
      expect(720 - (rows * first.height + (rows + 1) * gap)).toBeLessThan(2 * rows);
      // Even coordinates and sizes: cell edges on 4:2:0 chroma boundaries.
      for (const cell of cells) {
        for (const value of [cell.x, cell.y, cell.width, cell.height]) expect(value % 2).toBe(0);
      }
    },
  );

  it('orders cells row by row, left to right, and centres an incomplete last row', () => {
    const cells = gridCells(3, { width: 1280, height: 720, gap: 4 });
    const [a, b, c] = cells as [Rect, Rect, Rect];
    expect(a.y).toBe(b.y);
    expect(a.x).toBeLessThan(b.x);
    expect(c.y).toBeGreaterThan(a.y);
    // The third cell sits centred under the first two.
    expect(c.x + c.width / 2).toBeCloseTo(640, -1);
  });
});

describe('fitRect', () => {
  const cell: Rect = { x: 10, y: 20, width: 640, height: 360 };

  it('letterboxes a 4:3 video in a 16:9 cell (full height, centred)', () => {
    expect(fitRect(640, 480, cell)).toEqual({ x: 10 + 80, y: 20, width: 480, height: 360 });
  });

  it('pillarboxes nothing for a matching aspect ratio', () => {
    expect(fitRect(1280, 720, cell)).toEqual(cell);
  });

  it('letterboxes a tall (portrait) video with bars left and right', () => {
    const r = fitRect(720, 1280, cell);
    expect(r.height).toBe(360);
    expect(r.width).toBe(203);
    expect(r.x).toBe(10 + Math.floor((640 - 203) / 2));
  });

  it('fits a wide video with bars top and bottom', () => {
    const r = fitRect(1920, 480, cell);
    expect(r).toEqual({ x: 10, y: 20 + 100, width: 640, height: 160 });
  });

  it('writes into the given object instead of allocating', () => {
    const out = { x: 0, y: 0, width: 0, height: 0 };
    expect(fitRect(640, 480, cell, out)).toBe(out);
  });

  it('falls back to the whole cell for an unknown size', () => {
    expect(fitRect(0, 0, cell)).toEqual(cell);
  });
});

describe('placeVideo', () => {
  const cell: Rect = { x: 4, y: 4, width: 636, height: 356 };

  it('draws a near-native picture 1:1, centred, cropping the overhang, without filtering', () => {
    expect(placeVideo(640, 360, cell)).toEqual({
      sx: 2,
      sy: 2,
      sw: 636,
      sh: 356,
      dest: { x: 4, y: 4, width: 636, height: 356 },
      smooth: false,
      scale: 1,
    });
  });

  it('draws a slightly smaller picture 1:1 with thin bars', () => {
    expect(placeVideo(620, 350, cell)).toMatchObject({
      sx: 0,
      sy: 0,
      sw: 620,
      sh: 350,
      dest: { x: 4 + 8, y: 4 + 3, width: 620, height: 350 },
      smooth: false,
    });
  });

  it('filters when shrinking mildly or enlarging', () => {
    expect(placeVideo(960, 540, cell)).toMatchObject({ sw: 960, sh: 540, smooth: true });
    expect(placeVideo(320, 180, cell)).toMatchObject({
      sw: 320,
      sh: 180,
      dest: fitRect(320, 180, cell),
      smooth: true,
    });
  });

  it('samples nearest pixels when shrinking by half or more', () => {
    expect(placeVideo(1280, 720, cell)).toMatchObject({ sw: 1280, sh: 720, smooth: false });
    expect(placeVideo(1920, 1080, cell)).toMatchObject({ smooth: false });
  });

  it('letterboxes like fitRect when resampling', () => {
    expect(placeVideo(1280, 960, cell).dest).toEqual(fitRect(1280, 960, cell));
  });
});

describe('labels and placeholders', () => {
  it('puts the label bottom-left inside the cell and caps its width', () => {
    const cell: Rect = { x: 100, y: 100, width: 300, height: 200 };
    const size = labelFontSize(cell);
    const short = labelRect(cell, 50, size);
    expect(short.x).toBeGreaterThan(cell.x);
    expect(short.y + short.height).toBeLessThan(cell.y + cell.height);
    expect(short.width).toBeLessThan(cell.width);
    const long = labelRect(cell, 10_000, size);
    expect(long.x + long.width).toBeLessThanOrEqual(cell.x + cell.width);
  });

  it('keeps label fonts readable on tiny cells and modest on big ones', () => {
    expect(labelFontSize({ x: 0, y: 0, width: 100, height: 50 })).toBe(11);
    expect(labelFontSize({ x: 0, y: 0, width: 1920, height: 1080 })).toBe(28);
  });

  it.each([
    ['Ada Lovelace', 'AL'],
    ['bob', 'B'],
    ['  grace   brewster murray hopper ', 'GH'],
    ['jean-luc', 'JL'],
    ['émile zola', 'ÉZ'],
    ['', '?'],
  ])('initials of %j are %j', (name, initials) => {
    expect(initialsOf(name)).toBe(initials);
  });

  it('gives each participant a stable placeholder colour', () => {
    expect(placeholderColor('peer-1')).toBe(placeholderColor('peer-1'));
    expect(placeholderColor('peer-1')).toMatch(/^#[0-9a-f]{6}$/);
  });
});
