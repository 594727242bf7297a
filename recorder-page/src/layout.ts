/**
 * Cell and placement math for the composite picture (which tile goes where
 * in each layout is sceneLayout's). Pure functions, no DOM: the compositor
 * calls them only when the tiles or the canvas change, never per frame.
 *
 * Cameras cover their cell (the overhang cropped, centred: a face is in the
 * middle); shared screens are fitted inside it with bars, because a slide
 * must never lose its edges.
 */

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface GridShape {
  cols: number;
  rows: number;
}

/**
 * Columns × rows for `count` tiles: the smallest near-square grid, wider than
 * tall (1→1×1, 2→2×1, 3-4→2×2, 5-6→3×2, 7-9→3×3, 10-12→4×3, 13-16→4×4, …).
 */
export function gridShape(count: number): GridShape {
  if (count <= 0) return { cols: 0, rows: 0 };
  const cols = Math.ceil(Math.sqrt(count));
  const rows = Math.ceil(count / cols);
  return { cols, rows };
}

/**
 * The largest even integer not above `value`, and never below 0: every edge
 * the compositor draws sits on an even pixel, a 4:2:0 chroma boundary.
 */
export function evenFloor(value: number): number {
  return Math.max(0, 2 * Math.floor(value / 2));
}

export interface GridOptions {
  width: number;
  height: number;
  /** Space between cells and around the grid, in pixels. */
  gap?: number;
}

/**
 * The cells of a grid of `count` equal cells filling a canvas of
 * `width`×`height` with `gap` pixels between and around them. Coordinates
 * and sizes are even (with an even gap), so that cell edges stay crisp and
 * fall on 4:2:0 chroma boundaries; cells of the last, incomplete row are
 * centred horizontally.
 */
export function gridCells(count: number, { width, height, gap = 4 }: GridOptions): Rect[] {
  const { cols, rows } = gridShape(count);
  if (cols === 0) return [];
  const cellWidth = Math.max(2, evenFloor(Math.floor((width - gap * (cols + 1)) / cols)));
  const cellHeight = Math.max(2, evenFloor(Math.floor((height - gap * (rows + 1)) / rows)));
  // Centre the whole grid: rounding leaves a few spare pixels.
  const offsetX = evenFloor(Math.floor((width - (cols * cellWidth + (cols + 1) * gap)) / 2));
  const offsetY = evenFloor(Math.floor((height - (rows * cellHeight + (rows + 1) * gap)) / 2));
  const cells: Rect[] = [];
  for (let index = 0; index < count; index++) {
    const row = Math.floor(index / cols);
    const col = index % cols;
    const inRow = row === rows - 1 ? count - row * cols : cols;
    const rowOffset = evenFloor(Math.floor(((cols - inRow) * (cellWidth + gap)) / 2));
    cells.push({
      x: offsetX + rowOffset + gap + col * (cellWidth + gap),
      y: offsetY + gap + row * (cellHeight + gap),
      width: cellWidth,
      height: cellHeight,
    });
  }
  return cells;
}

/**
 * The largest rectangle of the source's aspect ratio that fits inside `cell`,
 * centred (letterbox or pillarbox). Writes into `out` when given, so the
 * per-frame path can reuse one object.
 */
export function fitRect(
  sourceWidth: number,
  sourceHeight: number,
  cell: Rect,
  out: Rect = { x: 0, y: 0, width: 0, height: 0 },
): Rect {
  if (sourceWidth <= 0 || sourceHeight <= 0) {
    out.x = cell.x;
    out.y = cell.y;
    out.width = cell.width;
    out.height = cell.height;
    return out;
  }
  const scale = Math.min(cell.width / sourceWidth, cell.height / sourceHeight);
  const width = Math.min(cell.width, Math.round(sourceWidth * scale));
  const height = Math.min(cell.height, Math.round(sourceHeight * scale));
  out.x = cell.x + Math.floor((cell.width - width) / 2);
  out.y = cell.y + Math.floor((cell.height - height) / 2);
  out.width = width;
  out.height = height;
  return out;
}

/** A rectangle of a video's own pixels, in the shape `drawImage` takes it. */
export interface SourceRect {
  sx: number;
  sy: number;
  sw: number;
  sh: number;
}

/**
 * The part of a `sourceWidth`×`sourceHeight` picture to draw so that, scaled
 * into the whole `cell`, it fills it without bars and without stretching
 * ("cover"): the centred crop of the cell's aspect ratio. For cameras only,
 * where bars would waste more area than a trimmed shoulder costs; shared
 * screens stay fitted ({@link fitRect}) so that no slide is cut.
 * Sizes and offsets are even (unless the source itself is under 2 pixels),
 * so the crop never splits a 4:2:0 chroma sample. An unknown source size or
 * an empty cell gives the whole source. Writes into `out` when given.
 */
export function coverCrop(
  sourceWidth: number,
  sourceHeight: number,
  cell: Rect,
  out: SourceRect = { sx: 0, sy: 0, sw: 0, sh: 0 },
): SourceRect {
  out.sx = 0;
  out.sy = 0;
  out.sw = Math.max(0, sourceWidth);
  out.sh = Math.max(0, sourceHeight);
  if (sourceWidth <= 0 || sourceHeight <= 0 || cell.width <= 0 || cell.height <= 0) return out;
  // Dropping an odd last column or row is invisible; an odd crop is not free.
  const usableWidth = sourceWidth >= 2 ? evenFloor(sourceWidth) : sourceWidth;
  const usableHeight = sourceHeight >= 2 ? evenFloor(sourceHeight) : sourceHeight;
  const cellAspect = cell.width / cell.height;
  const evenRound = (value: number, limit: number) =>
    Math.min(limit, Math.max(Math.min(2, limit), 2 * Math.round(value / 2)));
  if (usableWidth / usableHeight > cellAspect) {
    out.sh = usableHeight;
    out.sw = evenRound(usableHeight * cellAspect, usableWidth);
  } else {
    out.sw = usableWidth;
    out.sh = evenRound(usableWidth / cellAspect, usableHeight);
  }
  out.sx = evenFloor((sourceWidth - out.sw) / 2);
  out.sy = evenFloor((sourceHeight - out.sh) / 2);
  return out;
}

/**
 * `contain`: the whole picture inside the cell, with bars (shared screens:
 * no slide is cut). `cover`: the cell filled, the picture's overhang cropped
 * (cameras: bars would waste more area than a trimmed shoulder costs).
 */
export type VideoFit = 'contain' | 'cover';

/** Where and how to draw one video: a source rectangle onto a destination rectangle. */
export interface VideoPlacement {
  sx: number;
  sy: number;
  sw: number;
  sh: number;
  /** Destination: the picture's rectangle inside the cell. */
  dest: Rect;
  /** Whether the draw should filter (bilinear) rather than sample nearest pixels. */
  smooth: boolean;
  /** Destination size over source size (1 for a 1:1 draw). */
  scale: number;
}

/** Scale factors this close to 1 are drawn 1:1 (cropping a few edge pixels) instead. */
const NATIVE_TOLERANCE = 0.04;

/** A reusable placement object for {@link placeVideo}. */
export function emptyPlacement(): VideoPlacement {
  return {
    sx: 0,
    sy: 0,
    sw: 0,
    sh: 0,
    dest: { x: 0, y: 0, width: 0, height: 0 },
    smooth: true,
    scale: 1,
  };
}

/**
 * How to draw a `sourceWidth`×`sourceHeight` picture into `cell`, fitted
 * (see {@link fitRect}) or covering it (see {@link coverCrop}), choosing the cheapest drawing that looks right in
 * a software rasterizer, where resampling costs as much as converting the
 * frame to RGB:
 * - within 4% of the native size (a 640x360 camera in a 636x356 cell: the
 *   common 2-4 participant grid at 720p), draw 1:1 and crop the edges: no
 *   resampling at all;
 * - shrinking by half or more, sample nearest pixels: bilinear filtering
 *   without mipmaps reads the same 2x2 neighbourhoods and looks the same;
 * - otherwise (mild shrinking, enlarging) filter bilinearly.
 * Writes into `out`, which the frame loop reuses.
 */
export function placeVideo(
  sourceWidth: number,
  sourceHeight: number,
  cell: Rect,
  out: VideoPlacement = emptyPlacement(),
  fit: VideoFit = 'contain',
): VideoPlacement {
  const dest = fitRect(sourceWidth, sourceHeight, cell, out.dest);
  let scale = sourceWidth > 0 ? dest.width / sourceWidth : 1;
  if (fit === 'cover' && sourceWidth > 0 && sourceHeight > 0) {
    const crop = coverCrop(sourceWidth, sourceHeight, cell, out);
    scale = crop.sw > 0 ? cell.width / crop.sw : 1;
    if (Math.abs(scale - 1) > NATIVE_TOLERANCE) {
      Object.assign(dest, cell);
      out.smooth = scale > 0.5;
      out.scale = scale;
      return out;
    }
  }
  if (sourceWidth > 0 && sourceHeight > 0 && Math.abs(scale - 1) <= NATIVE_TOLERANCE) {
    const width = Math.min(sourceWidth, cell.width);
    const height = Math.min(sourceHeight, cell.height);
    out.sx = Math.floor((sourceWidth - width) / 2);
    out.sy = Math.floor((sourceHeight - height) / 2);
    out.sw = width;
    out.sh = height;
    dest.x = cell.x + Math.floor((cell.width - width) / 2);
    dest.y = cell.y + Math.floor((cell.height - height) / 2);
    dest.width = width;
    dest.height = height;
    out.smooth = false;
    out.scale = 1;
    return out;
  }
  out.sx = 0;
  out.sy = 0;
  out.sw = Math.max(0, sourceWidth);
  out.sh = Math.max(0, sourceHeight);
  out.smooth = scale > 0.5;
  out.scale = scale;
  return out;
}

/** Width (px, even) of the ring around the speaker's cell: visible in a strip, not heavy in a main cell. */
export function ringThickness(cell: Rect): number {
  return Math.max(2, evenFloor(Math.min(cell.width, cell.height) * 0.012 + 1));
}

/** Font size (px) of the name label for a cell: readable, never huge. */
export function labelFontSize(cell: Rect): number {
  return Math.round(Math.min(28, Math.max(11, cell.height * 0.06)));
}

/**
 * The name label's box: bottom-left of the cell, inset by a margin, as wide
 * as the text plus padding but never wider than the cell allows.
 */
export function labelRect(cell: Rect, textWidth: number, fontSize: number): Rect {
  const padding = Math.round(fontSize * 0.5);
  const margin = Math.round(fontSize * 0.4);
  const height = Math.round(fontSize * 1.6);
  const width = Math.min(Math.ceil(textWidth) + padding * 2, Math.max(0, cell.width - margin * 2));
  return { x: cell.x + margin, y: cell.y + cell.height - margin - height, width, height };
}

/** The widest text the label of `cell` can hold (for ellipsizing long names). */
export function labelMaxTextWidth(cell: Rect, fontSize: number): number {
  const padding = Math.round(fontSize * 0.5);
  const margin = Math.round(fontSize * 0.4);
  return Math.max(0, cell.width - margin * 2 - padding * 2);
}

/** Up to two initials of a display name ("Ada Lovelace" → "AL", "bob" → "B"). */
export function initialsOf(name: string): string {
  const words = name
    .trim()
    .split(/[\s._-]+/u)
    .filter((word) => word.length > 0);
  const first = words[0];
  if (first === undefined) return '?';
  const last = words.length > 1 ? words[words.length - 1] : undefined;
  const letter = (word: string) => Array.from(word)[0]?.toLocaleUpperCase() ?? '';
  return letter(first) + (last === undefined ? '' : letter(last));
}

const placeholderPalette = [
  '#5b6abf',
  '#2f8f83',
  '#b5584f',
  '#8a5fb0',
  '#c07a2c',
  '#3f7fb5',
  '#6d8f3a',
  '#b04f86',
] as const;

/** A stable background colour for a participant's placeholder tile. */
export function placeholderColor(key: string): string {
  let hash = 2166136261;
  for (let index = 0; index < key.length; index++) {
    hash ^= key.charCodeAt(index);
    hash = Math.imul(hash, 16777619);
  }
  return placeholderPalette[(hash >>> 0) % placeholderPalette.length] ?? placeholderPalette[0];
}

/** Circle of the placeholder's initials: centred, a third of the cell's short side. */
export function placeholderCircle(cell: Rect): { cx: number; cy: number; radius: number } {
  const radius = Math.max(8, Math.round(Math.min(cell.width, cell.height) * 0.22));
  return {
    cx: cell.x + Math.round(cell.width / 2),
    cy: cell.y + Math.round(cell.height / 2),
    radius,
  };
}
