/**
 * The composite picture's frame loop: which tiles exist and where, which of
 * them need drawing on this tick, a drift-corrected `setTimeout` clock at
 * the configured rate, and the stats. The pixels are a {@link Surface}'s
 * business: CanvasSurface draws on a 2D canvas (recorded with
 * `captureStream()`), I420Surface composes YUV planes (written to a track
 * generator); where frames come from is the caller's (`slot(videoId)`).
 *
 * What keeps it cheap: layout, fonts and label texts are computed only when
 * tiles or sizes change; a tile is redrawn only when its source has a new
 * frame; the frame loop itself allocates nothing. Every tick still ends
 * with `surface.commit()`, so the recording gets a frame at the configured
 * rate even when nothing moved.
 *
 * Not `requestAnimationFrame`: headless Chromium runs it at 60 Hz with
 * drift, and workers have no such clock for us to pace.
 */
import type { RecordingLayout, ResolvedLayout } from '#protocol/layout';
import {
  emptyPlacement,
  labelMaxTextWidth,
  labelRect,
  placeVideo,
  ringThickness,
  type Rect,
  type VideoFit,
  type VideoPlacement,
} from './layout';
import { arrangeScene, type TileRole } from './sceneLayout';
import { fitText, fontsFor, mutedMarkWidth, type Canvas2D, type Fonts } from './tilePainter';
import type { TileSpec } from './TileBook';

/** What the compositor shows: the tiles, the layout asked for, the speaker to feature. */
export interface SceneSpec {
  tiles: readonly TileSpec[];
  layout: RecordingLayout;
  /** The shown speaker, already debounced (SpeakerSelector). */
  activeSpeakerPeerId: string | null;
}

export type { Canvas2D } from './tilePainter';

/** The latest picture of one video, as the engine reads it each tick. */
export interface FrameSlot<T> {
  /** Null until the first frame arrived. */
  image: T | null;
  width: number;
  height: number;
  /** Increments with every new frame: an unchanged seq means "nothing new to draw". */
  seq: number;
}

/** One tile's geometry and drawing state, owned by the engine. */
export interface TileState {
  spec: TileSpec;
  cell: Rect;
  role: TileRole;
  fonts: Fonts;
  fit: VideoFit;
  /** The shown speaker's camera: ringed. */
  speaking: boolean;
  /** A camera whose owner's microphone is off: the label carries the mark. */
  muted: boolean;
  /** Width of the speaking ring, pixels (even). */
  ring: number;
  /** How the video is drawn inside the cell, for the source size last placed. */
  placement: VideoPlacement;
  sourceWidth: number;
  sourceHeight: number;
  /** The label's box: on the picture for a video, at the cell's bottom for a placeholder. */
  label: Rect;
  labelText: string;
  labelTextWidth: number;
  drawnSeq: number;
}

/** Where the pixels go. */
export interface Surface<T> {
  /** Measures label texts (and paints, for the canvas surface). */
  readonly context: Canvas2D;
  /** The scene changed: repaint everything static (background, waiting screen, placeholders). */
  layout(tiles: readonly TileState[]): void;
  /** Draws a tile's new video frame; after `geometryChanged`, the cell's bars too. */
  drawVideo(tile: TileState, image: T, geometryChanged: boolean, smooth: boolean): void;
  drawPlaceholder(tile: TileState): void;
  /** Ends a tick; `changed` is false when nothing was drawn on it. */
  commit(changed: boolean): void;
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
  /** The layout drawn (`auto` resolved). */
  layout: ResolvedLayout;
  /** Tiles left out of the picture (a strip's overflow). */
  hiddenTiles: number;
}

export interface FirstFrameInfo {
  tiles: number;
  videoTiles: number;
}

export interface CompositorEngineOptions<T> {
  surface: Surface<T>;
  width: number;
  height: number;
  fps: number;
  slot: (videoId: string) => FrameSlot<T> | undefined;
  now?: () => number;
  onFirstFrame?: (info: FirstFrameInfo) => void;
}

const GAP = 4;
/** `drawnSeq` of a tile currently showing its placeholder. */
const PLACEHOLDER = -1;
/** `drawnSeq` of a tile that must be drawn again whatever its source. */
const STALE = -2;
const STATS_WINDOW_MS = 1000;

/** The frame loop and the tile bookkeeping. */
export class CompositorEngine<T> {
  readonly #surface: Surface<T>;
  readonly #width: number;
  readonly #height: number;
  readonly #periodMs: number;
  readonly #slot: (videoId: string) => FrameSlot<T> | undefined;
  readonly #now: () => number;
  readonly #onFirstFrame: ((info: FirstFrameInfo) => void) | undefined;

  #tiles: TileState[] = [];
  #layout: ResolvedLayout = 'grid';
  #hiddenTiles = 0;
  #layoutDirty = true;

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

  constructor({
    surface,
    width,
    height,
    fps,
    slot,
    now,
    onFirstFrame,
  }: CompositorEngineOptions<T>) {
    this.#surface = surface;
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

  /** Replaces the scene; the next tick redraws everything. */
  setScene({ tiles, layout, activeSpeakerPeerId }: SceneSpec): void {
    const byId = new Map(tiles.map((spec) => [spec.id, spec]));
    const scene = arrangeScene({
      layout,
      tiles: tiles.map(({ id, peerId, kind }) => ({ id, peerId, kind })),
      activeSpeakerPeerId,
      width: this.#width,
      height: this.#height,
      gap: GAP,
    });
    this.#layout = scene.layout;
    this.#hiddenTiles = scene.hidden.length;
    const ctx = this.#surface.context;
    const states: TileState[] = [];
    for (const { id, cell, role } of scene.placed) {
      const spec = byId.get(id);
      if (!spec) continue;
      const fonts = fontsFor(cell);
      ctx.font = fonts.label;
      const muted = spec.micMuted && spec.kind === 'camera';
      const mark = mutedMarkWidth(fonts.labelSize, muted);
      const labelText = fitText(ctx, spec.label, labelMaxTextWidth(cell, fonts.labelSize) - mark);
      const labelTextWidth = ctx.measureText(labelText).width + mark;
      states.push({
        spec,
        cell,
        role,
        fonts,
        fit: spec.kind === 'screen' ? 'contain' : 'cover',
        speaking:
          scene.placed.length > 1 && spec.kind === 'camera' && spec.peerId === activeSpeakerPeerId,
        muted,
        ring: ringThickness(cell),
        placement: emptyPlacement(),
        sourceWidth: 0,
        sourceHeight: 0,
        label: labelRect(cell, labelTextWidth, fonts.labelSize),
        labelText,
        labelTextWidth,
        drawnSeq: STALE,
      });
    }
    this.#tiles = states;
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
      layout: this.#layout,
      hiddenTiles: this.#hiddenTiles,
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
    if (elapsed < STATS_WINDOW_MS) return;
    this.#framesPerSecond = Math.round((this.#windowFrames * 10_000) / elapsed) / 10;
    this.#drawMsAvg = Math.round((this.#windowDrawMs / this.#windowFrames) * 100) / 100;
    this.#drawMsMax = Math.round(this.#windowDrawMax * 100) / 100;
    this.#windowStart = now;
    this.#windowFrames = 0;
    this.#windowDrawMs = 0;
    this.#windowDrawMax = 0;
    // Frame rate before smoothness: when drawing takes over half the frame
    // period, shrunk tiles stop being filtered (about a third cheaper)
    // until it is back under a quarter.
    const load = this.#drawMsAvg / this.#periodMs;
    if (!this.#economy && load > 0.5) this.#economy = true;
    else if (this.#economy && load < 0.25) this.#economy = false;
  }

  /** Draws one composed frame (public for the fallback's and tests' sake). */
  drawFrame(): void {
    const surface = this.#surface;
    let changed = false;
    if (this.#layoutDirty) {
      this.#layoutDirty = false;
      for (const tile of this.#tiles) tile.drawnSeq = STALE;
      surface.layout(this.#tiles);
      changed = true;
    }
    let videoTiles = 0;
    for (const tile of this.#tiles) {
      const videoId = tile.spec.videoId;
      const slot = videoId === null ? undefined : this.#slot(videoId);
      const image = slot?.image;
      if (slot && image && slot.width > 0 && slot.height > 0) {
        videoTiles++;
        if (tile.drawnSeq === slot.seq) continue;
        const geometryChanged =
          tile.drawnSeq < 0 || tile.sourceWidth !== slot.width || tile.sourceHeight !== slot.height;
        if (geometryChanged) this.#place(tile, slot.width, slot.height);
        const { smooth, scale } = tile.placement;
        surface.drawVideo(tile, image, geometryChanged, smooth && !(this.#economy && scale < 1));
        tile.drawnSeq = slot.seq;
        changed = true;
      } else if (tile.drawnSeq !== PLACEHOLDER) {
        tile.sourceWidth = 0;
        tile.sourceHeight = 0;
        // The placeholder's label sits at the bottom of the cell.
        Object.assign(tile.label, labelRect(tile.cell, tile.labelTextWidth, tile.fonts.labelSize));
        surface.drawPlaceholder(tile);
        tile.drawnSeq = PLACEHOLDER;
        changed = true;
      }
    }
    this.#videoTiles = videoTiles;
    surface.commit(changed);
  }

  #place(tile: TileState, width: number, height: number): void {
    placeVideo(width, height, tile.cell, tile.placement, tile.fit);
    tile.sourceWidth = width;
    tile.sourceHeight = height;
    // On the picture, not on a letterbox bar: it is redrawn with every new
    // frame, and a translucent box drawn again and again on a bar darkens.
    Object.assign(
      tile.label,
      labelRect(tile.placement.dest, tile.labelTextWidth, tile.fonts.labelSize),
    );
  }
}
