/**
 * A surface that composes in I420 instead of RGB: decoded tiles are copied
 * (1:1) or resampled plane by plane into one YUV picture, which goes to the
 * recorder as a VideoFrame through a track generator. Compared with the 2D
 * canvas in software raster this skips converting every tile to RGB and the
 * whole picture back to YUV for the encoder: measured on 2 cores, 3 tiles at
 * 720p30, the recorder's Chromium used 0.33 instead of 0.58 cores.
 *
 * What is not video (background, waiting screen, placeholders, labels) is
 * painted with the same 2D code on an OffscreenCanvas once per layout and
 * converted; labels are blended over each new video frame as YUVA patches.
 */
import type { Surface, TileState } from './CompositorEngine';
import {
  blendOverlay,
  copyRect,
  createI420,
  createScaler,
  fillRect,
  hexToYuv,
  overlayFromRgba,
  rgbaToI420,
  scaleInto,
  type I420,
  type Overlay,
  type Scaler,
} from './i420';
import {
  LETTERBOX,
  SPEAKING,
  paintBackground,
  paintLabel,
  paintPlaceholder,
  paintSpeakingRing,
  paintWaiting,
} from './tilePainter';

const LETTERBOX_YUV = hexToYuv(LETTERBOX);
const SPEAKING_YUV = hexToYuv(SPEAKING);

/** Per-tile data derived from its placement, rebuilt when the geometry changes. */
interface TileDraw {
  /** The picture's rectangle, aligned to even pixels. */
  x: number;
  y: number;
  width: number;
  height: number;
  /** 1:1 crop origin in the source, or a scaler. */
  sx: number;
  sy: number;
  scaler: Scaler | null;
  label: Overlay | null;
  labelX: number;
  labelY: number;
}

const even = (value: number) => value & ~1;

/** Composes tiles into an I420 picture and hands it to `emit` every tick. */
export class I420Surface implements Surface<I420> {
  readonly context: OffscreenCanvasRenderingContext2D;
  readonly #width: number;
  readonly #height: number;
  readonly #output: I420;
  readonly #background: I420;
  readonly #emit: (picture: I420) => void;
  readonly #draws = new Map<TileState, TileDraw>();
  readonly #labels = new Map<TileState, Overlay | null>();

  /** `width` and `height` must be even. */
  constructor(width: number, height: number, emit: (picture: I420) => void) {
    if (width % 2 !== 0 || height % 2 !== 0) throw new Error('I420 surface needs an even size');
    const context = new OffscreenCanvas(width, height).getContext('2d', {
      willReadFrequently: true,
    });
    if (!context) throw new Error('OffscreenCanvas 2D context unavailable');
    this.context = context;
    this.#width = width;
    this.#height = height;
    this.#output = createI420(width, height);
    this.#background = createI420(width, height);
    this.#emit = emit;
  }

  layout(tiles: readonly TileState[]): void {
    this.#draws.clear();
    this.#labels.clear();
    const ctx = this.context;
    paintBackground(ctx, this.#width, this.#height);
    if (tiles.length === 0) paintWaiting(ctx, this.#width, this.#height);
    // Every cell's placeholder, label included, lives in the background:
    // showing a placeholder is then a copy.
    for (const tile of tiles) {
      paintPlaceholder(ctx, tile.cell, tile.spec.color, tile.spec.initials, tile.fonts);
      paintLabel(ctx, tile.label, tile.labelText, tile.fonts, tile.muted);
      if (tile.speaking) paintSpeakingRing(ctx, tile.cell, tile.ring);
    }
    const pixels = ctx.getImageData(0, 0, this.#width, this.#height).data;
    rgbaToI420(pixels, this.#width, this.#height, this.#background);
    this.#output.data.set(this.#background.data);
  }

  drawVideo(tile: TileState, image: I420, geometryChanged: boolean, smooth: boolean): void {
    let draw = this.#draws.get(tile);
    if (!draw || geometryChanged) {
      draw = this.#prepare(tile, image);
      this.#draws.set(tile, draw);
      const { cell } = tile;
      const x = even(cell.x + 1);
      const y = even(cell.y + 1);
      fillRect(
        this.#output,
        x,
        y,
        even(cell.x + cell.width - x),
        even(cell.y + cell.height - y),
        LETTERBOX_YUV,
      );
    }
    if (draw.scaler) {
      scaleInto(draw.scaler, image, this.#output, draw.x, draw.y, smooth);
    } else {
      copyRect(image, draw.sx, draw.sy, this.#output, draw.x, draw.y, draw.width, draw.height);
    }
    if (draw.label) blendOverlay(draw.label, this.#output, draw.labelX, draw.labelY);
    if (tile.speaking) this.#ring(tile);
  }

  /** The speaker's ring, over the picture's edge (redrawn with every frame of the tile). */
  #ring({ cell, ring }: TileState): void {
    const x = even(cell.x);
    const y = even(cell.y);
    const right = Math.min(this.#width, even(cell.x + cell.width));
    const bottom = Math.min(this.#height, even(cell.y + cell.height));
    const out = this.#output;
    fillRect(out, x, y, right - x, ring, SPEAKING_YUV);
    fillRect(out, x, bottom - ring, right - x, ring, SPEAKING_YUV);
    fillRect(out, x, y, ring, bottom - y, SPEAKING_YUV);
    fillRect(out, right - ring, y, ring, bottom - y, SPEAKING_YUV);
  }

  drawPlaceholder(tile: TileState): void {
    const { cell } = tile;
    const x = even(cell.x);
    const y = even(cell.y);
    const width = Math.min(this.#width - x, even(cell.x + cell.width + 1) - x);
    const height = Math.min(this.#height - y, even(cell.y + cell.height + 1) - y);
    copyRect(this.#background, x, y, this.#output, x, y, width, height);
  }

  commit(): void {
    // Every tick emits the whole picture, changed or not.
    this.#emit(this.#output);
  }

  #prepare(tile: TileState, image: I420): TileDraw {
    const { dest, sx, sy, sw, sh, scale } = tile.placement;
    const x = even(dest.x + 1);
    const y = even(dest.y + 1);
    const width = Math.max(0, even(dest.x + dest.width - x));
    const height = Math.max(0, even(dest.y + dest.height - y));
    const native = scale === 1;
    const label = this.#labelOverlay(tile);
    // The source window (a cover crop, or the whole picture), on even pixels.
    const cropX = Math.min(even(sx), even(image.width - 2));
    const cropY = Math.min(even(sy), even(image.height - 2));
    const crop = {
      x: cropX,
      y: cropY,
      width: Math.max(2, Math.min(image.width - cropX, sw || image.width)),
      height: Math.max(2, Math.min(image.height - cropY, sh || image.height)),
    };
    return {
      x,
      y,
      width,
      height,
      sx: native ? Math.min(even(sx), even(image.width - width)) : 0,
      sy: native ? Math.min(even(sy), even(image.height - height)) : 0,
      scaler:
        native || width === 0 || height === 0
          ? null
          : createScaler(image.width, image.height, width, height, true, crop),
      label,
      labelX: even(tile.label.x),
      labelY: even(tile.label.y),
    };
  }

  /** The tile's label as a YUVA patch (painted once per layout). */
  #labelOverlay(tile: TileState): Overlay | null {
    if (this.#labels.has(tile)) return this.#labels.get(tile) ?? null;
    let overlay: Overlay | null = null;
    const fonts = tile.fonts;
    const width = even(Math.ceil(tile.label.width) + 1);
    const height = even(Math.ceil(tile.label.height) + 1);
    if (fonts && width > 0 && height > 0) {
      const canvas = new OffscreenCanvas(width, height);
      const ctx = canvas.getContext('2d', { willReadFrequently: true });
      if (ctx) {
        paintLabel(
          ctx,
          { x: 0, y: 0, width: tile.label.width, height: tile.label.height },
          tile.labelText,
          fonts,
          tile.muted,
        );
        overlay = overlayFromRgba(ctx.getImageData(0, 0, width, height).data, width, height);
      }
    }
    this.#labels.set(tile, overlay);
    return overlay;
  }
}
