/**
 * The 2D-canvas painting of what is not video: background, waiting screen,
 * placeholder tiles and name labels. Shared by the canvas surface (which
 * paints them into the recorded canvas) and the I420 surface (which paints
 * them once per layout and converts them).
 */
import { labelFontSize, placeholderCircle, type Rect } from './layout';

export type Canvas2D = OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D;

export const BACKGROUND = '#15181d';
export const LETTERBOX = '#000000';
/** The ring around the shown speaker's tile. */
export const SPEAKING = '#3ccf7a';
const MUTED = '#e5484d';
const LABEL_BACKGROUND = 'rgba(0, 0, 0, 0.6)';
const TEXT = '#ffffff';
const FONT_FAMILY = 'system-ui, "DejaVu Sans", "Liberation Sans", Arial, sans-serif';

/** Fonts of one tile (a layout's main tile has larger ones than its strip). */
export interface Fonts {
  label: string;
  labelSize: number;
  initials: string;
}

/** The fonts for a tile whose cell looks like `cell`. */
export function fontsFor(cell: Rect | undefined): Fonts {
  const labelSize = cell ? labelFontSize(cell) : 12;
  return {
    label: `600 ${labelSize}px ${FONT_FAMILY}`,
    labelSize,
    initials: cell
      ? `600 ${Math.round(placeholderCircle(cell).radius * 0.8)}px ${FONT_FAMILY}`
      : '',
  };
}

/** Fills the whole picture with the background colour. */
export function paintBackground(ctx: Canvas2D, width: number, height: number): void {
  ctx.fillStyle = BACKGROUND;
  ctx.fillRect(0, 0, width, height);
}

/** The empty room's screen: recorded until the first participant arrives. */
export function paintWaiting(ctx: Canvas2D, width: number, height: number): void {
  const size = Math.round(Math.max(14, height * 0.045));
  ctx.fillStyle = 'rgba(255, 255, 255, 0.85)';
  ctx.font = `500 ${size}px ${FONT_FAMILY}`;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillText('Waiting for participants…', width / 2, height / 2);
  ctx.fillStyle = 'rgba(255, 255, 255, 0.5)';
  ctx.font = `400 ${Math.round(size * 0.55)}px ${FONT_FAMILY}`;
  ctx.fillText('The recording has started.', width / 2, height / 2 + Math.round(size * 1.3));
}

/** A placeholder: coloured cell, initials in a circle; the label is painted separately. */
export function paintPlaceholder(
  ctx: Canvas2D,
  cell: Rect,
  color: string,
  initials: string,
  fonts: Fonts,
): void {
  ctx.fillStyle = color;
  ctx.fillRect(cell.x, cell.y, cell.width, cell.height);
  const { cx, cy, radius } = placeholderCircle(cell);
  ctx.fillStyle = 'rgba(255, 255, 255, 0.18)';
  ctx.beginPath();
  ctx.arc(cx, cy, radius, 0, Math.PI * 2);
  ctx.fill();
  ctx.fillStyle = TEXT;
  ctx.font = fonts.initials;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillText(initials, cx, cy);
}

/** Width of the muted-microphone mark in a label of this font size (0 when not muted). */
export function mutedMarkWidth(fontSize: number, muted: boolean): number {
  return muted ? Math.round(fontSize * 1.2) : 0;
}

/**
 * A name label: a translucent box with the (already fitted) text, after a
 * muted-microphone mark (a microphone struck through, in red) when `muted`.
 */
export function paintLabel(
  ctx: Canvas2D,
  label: Rect,
  text: string,
  fonts: Fonts,
  muted = false,
): void {
  if (label.width <= 0) return;
  ctx.fillStyle = LABEL_BACKGROUND;
  ctx.fillRect(label.x, label.y, label.width, label.height);
  const padding = Math.round(fonts.labelSize * 0.5);
  const mark = mutedMarkWidth(fonts.labelSize, muted);
  if (muted) paintMutedMark(ctx, label.x + padding, label.y + label.height / 2, fonts.labelSize);
  ctx.fillStyle = TEXT;
  ctx.font = fonts.label;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  ctx.fillText(
    text,
    label.x + padding + mark,
    label.y + label.height / 2,
    Math.max(1, label.width - fonts.labelSize - mark),
  );
}

/** A microphone (capsule and stand) struck through, `size` tall, left edge at `x`. */
function paintMutedMark(ctx: Canvas2D, x: number, cy: number, size: number): void {
  const w = size * 0.42;
  const h = size * 0.62;
  const cx = x + size * 0.45;
  const top = cy - h * 0.62;
  ctx.fillStyle = MUTED;
  ctx.beginPath();
  ctx.arc(cx, top + w / 2, w / 2, Math.PI, 0);
  ctx.arc(cx, top + h - w / 2, w / 2, 0, Math.PI);
  ctx.fill();
  const line = Math.max(1.5, size * 0.1);
  ctx.fillRect(cx - line / 2, top + h, line, size * 0.2);
  ctx.fillRect(cx - w * 0.7, top + h + size * 0.18, w * 1.4, line);
  // The strike: a thin bar drawn as a rotated rectangle's outline of points.
  ctx.beginPath();
  ctx.moveTo(cx - size * 0.45, cy - size * 0.5);
  ctx.lineTo(cx - size * 0.45 + line, cy - size * 0.5 - line);
  ctx.lineTo(cx + size * 0.45, cy + size * 0.42 - line);
  ctx.lineTo(cx + size * 0.45 - line, cy + size * 0.42);
  ctx.closePath();
  ctx.fill();
}

/** The ring around the shown speaker's cell, `thickness` pixels inside its edge. */
export function paintSpeakingRing(ctx: Canvas2D, cell: Rect, thickness: number): void {
  ctx.fillStyle = SPEAKING;
  ctx.fillRect(cell.x, cell.y, cell.width, thickness);
  ctx.fillRect(cell.x, cell.y + cell.height - thickness, cell.width, thickness);
  ctx.fillRect(cell.x, cell.y, thickness, cell.height);
  ctx.fillRect(cell.x + cell.width - thickness, cell.y, thickness, cell.height);
}

/** Cuts `text` with an ellipsis to fit `maxWidth` in the context's current font. */
export function fitText(ctx: Canvas2D, text: string, maxWidth: number): string {
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
