/**
 * Draws the composite picture: the grid of tiles (latest video frame,
 * letterboxed, with a name label; or a placeholder), or the waiting screen,
 * at a fixed rate on a drift-corrected `setTimeout` clock. It runs in the
 * compositor Worker on an OffscreenCanvas (fast path) or on the page on a
 * plain canvas (fallback); where frames come from is the caller's business
 * (`slot(videoId)`).
 *
 * What keeps it cheap (software raster, no GPU): layout, fonts and label
 * texts are computed only when tiles or sizes change; a tile is redrawn only
 * when its source has a new frame (the canvas keeps its pixels), so an idle
 * 15 fps camera costs nothing on the ticks in between; the frame loop itself
 * allocates nothing. Every tick still touches the canvas, so a full frame is
 * committed to the captured stream at the configured rate even when nothing
 * moved.
 *
 * Not `requestAnimationFrame`: headless Chromium runs it at 60 Hz with drift,
 * and it does not exist for an OffscreenCanvas clock we control.
 */
import {
  emptyPlacement,
  gridCells,
  labelFontSize,
  labelMaxTextWidth,
  labelRect,
  placeholderCircle,
  placeVideo,
  type Rect,
  type VideoPlacement,
} from './layout';
import type { TileSpec } from './TileBook';

export type Canvas2D = OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D;

/** The latest picture of one video, as the engine reads it each tick. */
export interface FrameSlot {
  /** Null until the first frame arrived. */
  image: CanvasImageSource | null;
  width: number;
  height: number;
  /** Increments with every new frame: an unchanged seq means "nothing new to draw". */
  seq: number;
}

export interface CompositorStats {
  tiles: number;
  /** Tiles that showed a video frame on the last tick. */
  videoTiles: number;
  framesDrawn: number;
  framesPerSecond: number;
  droppedFrames: number;
  drawMsAvg: number;
  drawMsMax: number;
  /** Whether shrunk tiles are drawn without filtering to keep up the frame rate. */
  economy: boolean;
}

export interface FirstFrameInfo {
  tiles: number;
  videoTiles: number;
}

export interface CompositorEngineOptions {
  context: Canvas2D;
  width: number;
  height: number;
  fps: number;
  slot: (videoId: string) => FrameSlot | undefined;
  now?: () => number;
  onFirstFrame?: (info: FirstFrameInfo) => void;
}

const BACKGROUND = '#15181d';
const LETTERBOX = '#000000';
const LABEL_BACKGROUND = 'rgba(0, 0, 0, 0.6)';
const TEXT = '#ffffff';
const FONT_FAMILY = 'system-ui, "DejaVu Sans", "Liberation Sans", Arial, sans-serif';
const GAP = 4;
/** `drawnSeq` of a tile currently showing its placeholder. */
const PLACEHOLDER = -1;
/** `drawnSeq` of a tile that must be drawn again whatever its source. */
const STALE = -2;
const STATS_WINDOW_MS = 1000;

interface TileState {
  spec: TileSpec;
  cell: Rect;
  /** How the video is drawn inside the cell, for the frame size last drawn. */
  placement: VideoPlacement;
  sourceWidth: number;
  sourceHeight: number;
  label: Rect;
  labelText: string;
  drawnSeq: number;
}

/** The frame loop and the drawing of tiles, placeholders and the waiting screen. */
export class CompositorEngine {
  readonly #ctx: Canvas2D;
  readonly #width: number;
  readonly #height: number;
  readonly #periodMs: number;
  readonly #slot: (videoId: string) => FrameSlot | undefined;
  readonly #now: () => number;
  readonly #onFirstFrame: ((info: FirstFrameInfo) => void) | undefined;

  #tiles: TileState[] = [];
  #layoutDirty = true;
  #labelFont = '';
  #labelFontSize = 12;
  #initialsFont = '';

  #running = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #clockStart = 0;
  #tickIndex = 0;

  #framesDrawn = 0;
  #droppedFrames = 0;
  #videoTiles = 0;
  #windowStart = 0;
  #windowFrames = 0;
  #windowDrawMs = 0;
  #windowDrawMax = 0;
  #framesPerSecond = 0;
  #drawMsAvg = 0;
  #drawMsMax = 0;
  /** Drawing fell behind: shrink with nearest-pixel sampling too (see #account). */
  #economy = false;

  constructor({ context, width, height, fps, slot, now, onFirstFrame }: CompositorEngineOptions) {
    this.#ctx = context;
    this.#width = width;
    this.#height = height;
    this.#periodMs = 1000 / fps;
    this.#slot = slot;
    this.#now = now ?? (() => performance.now());
    this.#onFirstFrame = onFirstFrame;
  }

  get running(): boolean {
    return this.#running;
  }

  /** Replaces the tile list; the next tick redraws everything. */
  setTiles(tiles: readonly TileSpec[]): void {
    const cells = gridCells(tiles.length, { width: this.#width, height: this.#height, gap: GAP });
    const first = cells[0];
    this.#labelFontSize = first ? labelFontSize(first) : 12;
    this.#labelFont = `600 ${this.#labelFontSize}px ${FONT_FAMILY}`;
    this.#initialsFont = first
      ? `600 ${Math.round(placeholderCircle(first).radius * 0.8)}px ${FONT_FAMILY}`
      : '';
    this.#ctx.font = this.#labelFont;
    this.#tiles = tiles.map((spec, index) => {
      const cell = cells[index] ?? { x: 0, y: 0, width: 0, height: 0 };
      const labelText = this.#fitText(spec.label, labelMaxTextWidth(cell, this.#labelFontSize));
      return {
        spec,
        cell,
        placement: emptyPlacement(),
        sourceWidth: 0,
        sourceHeight: 0,
        label: labelRect(cell, this.#ctx.measureText(labelText).width, this.#labelFontSize),
        labelText,
        drawnSeq: STALE,
      };
    });
    this.#layoutDirty = true;
  }

  /** Marks a video's tile for a full redraw (e.g. its source was replaced). */
  invalidate(videoId: string): void {
    for (const tile of this.#tiles) if (tile.spec.videoId === videoId) tile.drawnSeq = STALE;
  }

  /** Starts the clock; the first frame is drawn at once. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#clockStart = this.#now();
    this.#windowStart = this.#clockStart;
    this.#tickIndex = 0;
    this.#tick();
  }

  /** Stops the clock. Idempotent. */
  stop(): void {
    this.#running = false;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  stats(): CompositorStats {
    return {
      tiles: this.#tiles.length,
      videoTiles: this.#videoTiles,
      framesDrawn: this.#framesDrawn,
      framesPerSecond: this.#framesPerSecond,
      droppedFrames: this.#droppedFrames,
      drawMsAvg: this.#drawMsAvg,
      drawMsMax: this.#drawMsMax,
      economy: this.#economy,
    };
  }

  readonly #tick = (): void => {
    if (!this.#running) return;
    const startedAt = this.#now();
    this.drawFrame();
    const endedAt = this.#now();
    this.#account(endedAt - startedAt, endedAt);
    if (this.#framesDrawn === 1) {
      this.#onFirstFrame?.({ tiles: this.#tiles.length, videoTiles: this.#videoTiles });
    }

    // Drift-corrected: aim at absolute times start + n·period; when a tick
    // is more than a whole period late, skip the missed ticks (count them)
    // instead of bursting frames to catch up.
    this.#tickIndex++;
    let due = this.#clockStart + this.#tickIndex * this.#periodMs;
    const late = endedAt - due;
    if (late > this.#periodMs) {
      const missed = Math.floor(late / this.#periodMs);
      this.#droppedFrames += missed;
      this.#tickIndex += missed;
      due += missed * this.#periodMs;
    }
    this.#timer = setTimeout(this.#tick, Math.max(0, due - endedAt));
  };

  #account(drawMs: number, now: number): void {
    this.#framesDrawn++;
    this.#windowFrames++;
    this.#windowDrawMs += drawMs;
    if (drawMs > this.#windowDrawMax) this.#windowDrawMax = drawMs;
    const elapsed = now - this.#windowStart;
    if (elapsed >= STATS_WINDOW_MS) {
      this.#framesPerSecond = Math.round((this.#windowFrames * 10_000) / elapsed) / 10;
      this.#drawMsAvg = Math.round((this.#windowDrawMs / this.#windowFrames) * 100) / 100;
      this.#drawMsMax = Math.round(this.#windowDrawMax * 100) / 100;
      // Frame rate before smoothness: when drawing takes over half the frame
      // period, shrunk tiles stop being filtered (about a third cheaper in
      // software raster) until it is back under a quarter.
      const load = this.#drawMsAvg / this.#periodMs;
      if (!this.#economy && load > 0.5) this.#economy = true;
      else if (this.#economy && load < 0.25) this.#economy = false;
      this.#windowStart = now;
      this.#windowFrames = 0;
      this.#windowDrawMs = 0;
      this.#windowDrawMax = 0;
    }
  }

  /** Draws one composed frame (public for the fallback's and tests' sake). */
  drawFrame(): void {
    const ctx = this.#ctx;
    let drew = false;
    if (this.#layoutDirty) {
      this.#layoutDirty = false;
      ctx.fillStyle = BACKGROUND;
      ctx.fillRect(0, 0, this.#width, this.#height);
      if (this.#tiles.length === 0) this.#drawWaiting();
      for (const tile of this.#tiles) tile.drawnSeq = STALE;
      drew = true;
    }
    let videoTiles = 0;
    for (const tile of this.#tiles) {
      const videoId = tile.spec.videoId;
      const slot = videoId === null ? undefined : this.#slot(videoId);
      if (slot?.image && slot.width > 0 && slot.height > 0) {
        videoTiles++;
        if (tile.drawnSeq === slot.seq) continue;
        this.#drawVideo(tile, slot);
        drew = true;
      } else if (tile.drawnSeq !== PLACEHOLDER) {
        this.#drawPlaceholder(tile);
        drew = true;
      }
    }
    this.#videoTiles = videoTiles;
    if (!drew) {
      // Nothing changed, but the captured stream must still get this tick's
      // frame: a one-pixel write in the outer gap marks the canvas dirty.
      ctx.fillStyle = BACKGROUND;
      ctx.fillRect(0, 0, 1, 1);
    }
  }

  #drawVideo(tile: TileState, slot: FrameSlot): void {
    const ctx = this.#ctx;
    if (
      tile.drawnSeq === STALE ||
      tile.drawnSeq === PLACEHOLDER ||
      tile.sourceWidth !== slot.width ||
      tile.sourceHeight !== slot.height
    ) {
      // Geometry changed: clear the cell (the letterbox bars) and place the label.
      placeVideo(slot.width, slot.height, tile.cell, tile.placement);
      tile.sourceWidth = slot.width;
      tile.sourceHeight = slot.height;
      ctx.font = this.#labelFont;
      const measured = ctx.measureText(tile.labelText).width;
      // The label sits on the picture, not on a bar, because it is redrawn
      // with every new frame and a translucent box on a bar would darken.
      const label = labelRect(tile.placement.dest, measured, this.#labelFontSize);
      tile.label.x = label.x;
      tile.label.y = label.y;
      tile.label.width = label.width;
      tile.label.height = label.height;
      ctx.fillStyle = LETTERBOX;
      ctx.fillRect(tile.cell.x, tile.cell.y, tile.cell.width, tile.cell.height);
    }
    const { sx, sy, sw, sh, dest, smooth, scale } = tile.placement;
    ctx.imageSmoothingEnabled = smooth && !(this.#economy && scale < 1);
    ctx.drawImage(slot.image!, sx, sy, sw, sh, dest.x, dest.y, dest.width, dest.height);
    this.#drawLabel(tile);
    tile.drawnSeq = slot.seq;
  }

  #drawPlaceholder(tile: TileState): void {
    const ctx = this.#ctx;
    const { cell, spec } = tile;
    ctx.fillStyle = spec.color;
    ctx.fillRect(cell.x, cell.y, cell.width, cell.height);
    const { cx, cy, radius } = placeholderCircle(cell);
    ctx.fillStyle = 'rgba(255, 255, 255, 0.18)';
    ctx.beginPath();
    ctx.arc(cx, cy, radius, 0, Math.PI * 2);
    ctx.fill();
    ctx.fillStyle = TEXT;
    ctx.font = this.#initialsFont;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillText(spec.initials, cx, cy);
    // The placeholder's label sits at the bottom of the cell.
    ctx.font = this.#labelFont;
    const label = labelRect(cell, ctx.measureText(tile.labelText).width, this.#labelFontSize);
    tile.label.x = label.x;
    tile.label.y = label.y;
    tile.label.width = label.width;
    tile.label.height = label.height;
    tile.sourceWidth = 0;
    tile.sourceHeight = 0;
    this.#drawLabel(tile);
    tile.drawnSeq = PLACEHOLDER;
  }

  #drawLabel(tile: TileState): void {
    const ctx = this.#ctx;
    const { label } = tile;
    if (label.width <= 0) return;
    ctx.fillStyle = LABEL_BACKGROUND;
    ctx.fillRect(label.x, label.y, label.width, label.height);
    ctx.fillStyle = TEXT;
    ctx.font = this.#labelFont;
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    ctx.fillText(
      tile.labelText,
      label.x + Math.round(this.#labelFontSize * 0.5),
      label.y + label.height / 2,
      Math.max(1, label.width - this.#labelFontSize),
    );
  }

  #drawWaiting(): void {
    const ctx = this.#ctx;
    const size = Math.round(Math.max(14, this.#height * 0.045));
    ctx.fillStyle = 'rgba(255, 255, 255, 0.85)';
    ctx.font = `500 ${size}px ${FONT_FAMILY}`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillText('Waiting for participants…', this.#width / 2, this.#height / 2);
    ctx.fillStyle = 'rgba(255, 255, 255, 0.5)';
    ctx.font = `400 ${Math.round(size * 0.55)}px ${FONT_FAMILY}`;
    ctx.fillText(
      'The recording has started.',
      this.#width / 2,
      this.#height / 2 + Math.round(size * 1.3),
    );
  }

  /** Cuts `text` with an ellipsis to fit `maxWidth` in the current font. */
  #fitText(text: string, maxWidth: number): string {
    const ctx = this.#ctx;
    if (ctx.measureText(text).width <= maxWidth) return text;
    const chars = Array.from(text);
    let low = 0;
    let high = chars.length;
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      if (ctx.measureText(chars.slice(0, mid).join('') + '…').width <= maxWidth) low = mid;
      else high = mid - 1;
    }
    return low === 0 ? '' : chars.slice(0, low).join('') + '…';
  }
}
