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
const LABEL_BACKGROUND = 'rgba(0, 0, 0, 0.6)';
const TEXT = '#ffffff';
const FONT_FAMILY = 'system-ui, "DejaVu Sans", "Liberation Sans", Arial, sans-serif';

/** Fonts of one layout (all cells of a grid have one size). */
export interface Fonts {
  label: string;
  labelSize: number;
  initials: string;
}

/** The fonts for a grid whose cells look like `cell`. */
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

/** A name label: a translucent box with the (already fitted) text. */
export function paintLabel(ctx: Canvas2D, label: Rect, text: string, fonts: Fonts): void {
  if (label.width <= 0) return;
  ctx.fillStyle = LABEL_BACKGROUND;
  ctx.fillRect(label.x, label.y, label.width, label.height);
  ctx.fillStyle = TEXT;
  ctx.font = fonts.label;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  ctx.fillText(
    text,
    label.x + Math.round(fonts.labelSize * 0.5),
    label.y + label.height / 2,
    Math.max(1, label.width - fonts.labelSize),
  );
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
