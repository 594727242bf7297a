/**
 * Which tile goes where in each recording layout. Pure: the compositor asks
 * again only when the tiles, the shown speaker, the layout or the canvas
 * change, never per frame.
 *
 * Thumbnails (the speaker strip, the presentation column) keep a fixed 16:9
 * size instead of shrinking to fit everyone: a class of 25 would otherwise
 * make every face a stamp. Those that do not fit are reported as hidden, in
 * input order, so the caller can stop decoding them.
 */
import type { RecordingLayout, ResolvedLayout } from '#protocol/layout';
import { evenFloor, gridCells, type Rect } from './layout';

export interface SceneTile {
  id: string;
  peerId: string;
  kind: 'camera' | 'screen';
}

export interface SceneInput {
  layout: RecordingLayout;
  /** In display order (the TileBook's order). */
  tiles: readonly SceneTile[];
  /** Already debounced by the caller (see SpeakerSelector). */
  activeSpeakerPeerId: string | null;
  /** Canvas size, even. */
  width: number;
  height: number;
  /** Space between cells and around them, even; default 4. */
  gap?: number;
}

export type TileRole = 'grid' | 'main' | 'strip';

export interface PlacedTile {
  id: string;
  cell: Rect;
  role: TileRole;
}

export interface Scene {
  /** What was actually drawn. */
  layout: ResolvedLayout;
  /** Visible tiles: the main one first, then the strip (or grid) in order. */
  placed: PlacedTile[];
  /** Ids of the tiles not shown, in input order. */
  hidden: string[];
}

const DEFAULT_GAP = 4;
/** Share of the canvas height the speaker strip takes. */
const STRIP_HEIGHT_SHARE = 0.22;
/** Share of the canvas width the presentation column takes. */
const COLUMN_WIDTH_SHARE = 0.24;
const THUMB_ASPECT = 16 / 9;

interface Canvas {
  width: number;
  height: number;
  gap: number;
}

/** The layout a recording shows for these tiles: `auto` follows screen sharing. */
export function resolveLayout(
  layout: RecordingLayout,
  tiles: readonly SceneTile[],
): ResolvedLayout {
  const sharing = tiles.some((tile) => tile.kind === 'screen');
  if (layout === 'auto') return sharing ? 'presentation' : 'grid';
  // A presentation without anything presented is the speaker layout, and
  // says so, so that the caller's picture and its report agree.
  if (layout === 'presentation' && !sharing) return 'speaker';
  return layout;
}

/** Where each tile is drawn, and which ones are not, for one layout and canvas. */
export function arrangeScene({
  layout,
  tiles,
  activeSpeakerPeerId,
  width,
  height,
  gap = DEFAULT_GAP,
}: SceneInput): Scene {
  const resolved = resolveLayout(layout, tiles);
  const canvas: Canvas = { width, height, gap: evenFloor(gap) };
  let placed: PlacedTile[] = [];
  if (width > 0 && height > 0 && tiles.length > 0) {
    if (resolved === 'grid') placed = arrangeGrid(tiles, canvas);
    else if (resolved === 'speaker') placed = arrangeSpeaker(tiles, activeSpeakerPeerId, canvas);
    else placed = arrangePresentation(tiles, activeSpeakerPeerId, canvas);
  }
  const shown = new Set(placed.map((tile) => tile.id));
  const hidden = tiles.filter((tile) => !shown.has(tile.id)).map((tile) => tile.id);
  return { layout: resolved, placed, hidden };
}

function arrangeGrid(tiles: readonly SceneTile[], canvas: Canvas): PlacedTile[] {
  const cells = gridCells(tiles.length, canvas);
  const placed: PlacedTile[] = [];
  tiles.forEach((tile, index) => {
    const cell = cells[index];
    // gridCells never makes a cell under 2x2, so on a tiny canvas some spill over the edge:
    // those are hidden rather than drawn off the picture.
    if (cell && withinCanvas(cell, canvas)) placed.push({ id: tile.id, cell, role: 'grid' });
  });
  return placed;
}

function arrangeSpeaker(
  tiles: readonly SceneTile[],
  speakerPeerId: string | null,
  canvas: Canvas,
): PlacedTile[] {
  const main =
    tiles.find((tile) => tile.kind === 'camera' && tile.peerId === speakerPeerId) ??
    tiles.find((tile) => tile.kind === 'camera') ??
    tiles[0];
  if (!main) return [];
  const others = tiles.filter((tile) => tile !== main);
  return withThumbnails(main, others, others.length > 0 ? bottomStrip(canvas) : null, canvas);
}

function arrangePresentation(
  tiles: readonly SceneTile[],
  speakerPeerId: string | null,
  canvas: Canvas,
): PlacedTile[] {
  const screens = tiles.filter((tile) => tile.kind === 'screen');
  const main = screens.find((tile) => tile.peerId === speakerPeerId) ?? screens[0];
  if (!main) return arrangeSpeaker(tiles, speakerPeerId, canvas);
  // The speaker's face leads the column: whoever is talking over the slides.
  const speakerCamera = tiles.find(
    (tile) => tile.kind === 'camera' && tile.peerId === speakerPeerId,
  );
  const others = tiles.filter((tile) => tile !== main && tile !== speakerCamera);
  if (speakerCamera) others.unshift(speakerCamera);
  return withThumbnails(main, others, others.length > 0 ? rightColumn(canvas) : null, canvas);
}

/** Room for thumbnails beside or below the main tile: the main cell and a row or column of cells. */
interface ThumbnailArea {
  main: Rect;
  /** The cells for `count` thumbnails, at most `capacity` of them, centred along the area. */
  cells(count: number): Rect[];
  capacity: number;
}

function withThumbnails(
  main: SceneTile,
  others: readonly SceneTile[],
  area: ThumbnailArea | null,
  canvas: Canvas,
): PlacedTile[] {
  // Without thumbnails (alone, or no room for them) the main tile takes the canvas.
  const mainCell = area ? area.main : fullCell(canvas);
  if (!mainCell) return [];
  const placed: PlacedTile[] = [{ id: main.id, cell: mainCell, role: 'main' }];
  if (!area) return placed;
  const cells = area.cells(Math.min(others.length, area.capacity));
  cells.forEach((cell, index) => {
    const tile = others[index];
    if (tile) placed.push({ id: tile.id, cell, role: 'strip' });
  });
  return placed;
}

/** The whole canvas inset by the gap, or null when not even 2x2 is left. */
function fullCell({ width, height, gap }: Canvas): Rect | null {
  const cell = {
    x: gap,
    y: gap,
    width: evenFloor(width - 2 * gap),
    height: evenFloor(height - 2 * gap),
  };
  return cell.width >= 2 && cell.height >= 2 ? cell : null;
}

/** A strip of 16:9 cells along the bottom, the main tile above it; null if it cannot fit. */
function bottomStrip({ width, height, gap }: Canvas): ThumbnailArea | null {
  let cellHeight = evenFloor(height * STRIP_HEIGHT_SHARE);
  let cellWidth = evenFloor(cellHeight * THUMB_ASPECT);
  const widest = evenFloor(width - 2 * gap);
  if (cellWidth > widest) {
    // A portrait canvas: keep one thumbnail across, narrower.
    cellWidth = widest;
    cellHeight = evenFloor(cellWidth / THUMB_ASPECT);
  }
  const stripY = evenFloor(height - gap - cellHeight);
  const main = { x: gap, y: gap, width: widest, height: stripY - 2 * gap };
  // A thumbnail as big as the main picture is no longer a thumbnail.
  if (cellWidth < 2 || cellHeight < 2 || main.height <= cellHeight) return null;
  return {
    main,
    capacity: Math.floor((width - gap) / (cellWidth + gap)),
    cells: (count) => {
      const rowWidth = count * cellWidth + (count - 1) * gap;
      const startX = evenFloor((width - rowWidth) / 2);
      return Array.from({ length: count }, (_, index) => ({
        x: startX + index * (cellWidth + gap),
        y: stripY,
        width: cellWidth,
        height: cellHeight,
      }));
    },
  };
}

/** A column of 16:9 cells on the right, the main tile left of it; null if it cannot fit. */
function rightColumn({ width, height, gap }: Canvas): ThumbnailArea | null {
  let cellWidth = evenFloor(width * COLUMN_WIDTH_SHARE);
  let cellHeight = evenFloor(cellWidth / THUMB_ASPECT);
  const tallest = evenFloor(height - 2 * gap);
  if (cellHeight > tallest) {
    // A very wide, low canvas: keep one thumbnail down, shorter.
    cellHeight = tallest;
    cellWidth = evenFloor(cellHeight * THUMB_ASPECT);
  }
  const columnX = evenFloor(width - gap - cellWidth);
  const main = { x: gap, y: gap, width: columnX - 2 * gap, height: tallest };
  if (cellWidth < 2 || cellHeight < 2 || main.width <= cellWidth) return null;
  return {
    main,
    capacity: Math.floor((height - gap) / (cellHeight + gap)),
    cells: (count) => {
      const columnHeight = count * cellHeight + (count - 1) * gap;
      const startY = evenFloor((height - columnHeight) / 2);
      return Array.from({ length: count }, (_, index) => ({
        x: columnX,
        y: startY + index * (cellHeight + gap),
        width: cellWidth,
        height: cellHeight,
      }));
    },
  };
}

/** Whether `cell` lies inside the canvas and its outer gap, as every other layout's cells do. */
function withinCanvas(cell: Rect, { width, height, gap }: Canvas): boolean {
  return (
    cell.x >= gap &&
    cell.y >= gap &&
    cell.x + cell.width <= width - gap &&
    cell.y + cell.height <= height - gap
  );
}
