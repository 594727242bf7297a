/**
 * A surface on a 2D canvas (the recorded canvas itself): used by the canvas
 * paths (worker OffscreenCanvas without a track generator, or the page's
 * main thread), recorded with `captureStream()`.
 */
import type { Surface, TileState } from './CompositorEngine';
import {
  BACKGROUND,
  LETTERBOX,
  paintBackground,
  paintLabel,
  paintPlaceholder,
  paintSpeakingRing,
  paintWaiting,
  type Canvas2D,
} from './tilePainter';

/** Draws tiles straight into a 2D context. */
export class CanvasSurface implements Surface<CanvasImageSource> {
  readonly context: Canvas2D;
  readonly #width: number;
  readonly #height: number;

  constructor(context: Canvas2D, width: number, height: number) {
    this.context = context;
    this.#width = width;
    this.#height = height;
  }

  layout(tiles: readonly TileState[]): void {
    paintBackground(this.context, this.#width, this.#height);
    if (tiles.length === 0) paintWaiting(this.context, this.#width, this.#height);
  }

  drawVideo(tile: TileState, image: CanvasImageSource, geometryChanged: boolean, smooth: boolean) {
    const ctx = this.context;
    const { cell, placement, label, labelText, fonts, muted } = tile;
    if (geometryChanged) {
      ctx.fillStyle = LETTERBOX;
      ctx.fillRect(cell.x, cell.y, cell.width, cell.height);
    }
    const { sx, sy, sw, sh, dest } = placement;
    ctx.imageSmoothingEnabled = smooth;
    ctx.drawImage(image, sx, sy, sw, sh, dest.x, dest.y, dest.width, dest.height);
    paintLabel(ctx, label, labelText, fonts, muted);
    if (tile.speaking) paintSpeakingRing(ctx, cell, tile.ring);
  }

  drawPlaceholder(tile: TileState): void {
    const { cell, spec, fonts } = tile;
    paintPlaceholder(this.context, cell, spec.color, spec.initials, fonts);
    paintLabel(this.context, tile.label, tile.labelText, fonts, tile.muted);
    if (tile.speaking) paintSpeakingRing(this.context, cell, tile.ring);
  }

  commit(changed: boolean): void {
    if (changed) return;
    // Nothing changed, but the captured stream must still get this tick's
    // frame: a one-pixel write in the outer gap marks the canvas dirty.
    this.context.fillStyle = BACKGROUND;
    this.context.fillRect(0, 0, 1, 1);
  }
}
