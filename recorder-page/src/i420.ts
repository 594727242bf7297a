/**
 * Pictures in I420 (YUV 4:2:0, three planes) and the few operations the
 * YUV compositor needs: 1:1 copies, resampling (nearest or bilinear, with
 * tables precomputed once per geometry), solid fills, translucent overlays,
 * and conversion from RGBA for what the 2D canvas paints (labels, placeholders).
 * Pure typed-array code: no DOM, unit-tested in Node.
 *
 * Why YUV at all: decoded video arrives as I420 and the encoder wants I420.
 * Compositing on a 2D canvas converts every tile to RGB and the canvas
 * capture converts the whole picture back; in software raster those two
 * conversions cost more than everything else the page does.
 *
 * Offsets and sizes given to these functions must be even (4:2:0 chroma).
 */

export interface I420 {
  width: number;
  height: number;
  /** The three planes, back to back (Y, then U, then V), tightly packed. */
  data: Uint8Array;
  y: Uint8Array;
  u: Uint8Array;
  v: Uint8Array;
  chromaWidth: number;
  chromaHeight: number;
}

/** Byte size of a tightly packed I420 picture. */
export function i420Size(width: number, height: number): number {
  const chroma = Math.ceil(width / 2) * Math.ceil(height / 2);
  return width * height + 2 * chroma;
}

/** An I420 picture over `data` (allocated when not given). */
export function createI420(width: number, height: number, data?: Uint8Array): I420 {
  const chromaWidth = Math.ceil(width / 2);
  const chromaHeight = Math.ceil(height / 2);
  const lumaSize = width * height;
  const chromaSize = chromaWidth * chromaHeight;
  const buffer = data ?? new Uint8Array(i420Size(width, height));
  if (buffer.length < lumaSize + 2 * chromaSize) throw new Error('I420 buffer too small');
  return {
    width,
    height,
    data: buffer,
    y: buffer.subarray(0, lumaSize),
    u: buffer.subarray(lumaSize, lumaSize + chromaSize),
    v: buffer.subarray(lumaSize + chromaSize, lumaSize + 2 * chromaSize),
    chromaWidth,
    chromaHeight,
  };
}

/** BT.601 limited range, as browsers and encoders assume for I420. */
export function rgbToYuv(r: number, g: number, b: number): [number, number, number] {
  return [
    ((66 * r + 129 * g + 25 * b + 128) >> 8) + 16,
    ((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128,
    ((112 * r - 94 * g - 18 * b + 128) >> 8) + 128,
  ];
}

/** Parses `#rrggbb` into YUV. */
export function hexToYuv(hex: string): [number, number, number] {
  const value = Number.parseInt(hex.replace(/^#/, ''), 16);
  return rgbToYuv((value >> 16) & 255, (value >> 8) & 255, value & 255);
}

/** Fills a rectangle with one colour. */
export function fillRect(
  image: I420,
  x: number,
  y: number,
  width: number,
  height: number,
  [cy, cu, cv]: readonly [number, number, number],
): void {
  for (let row = y; row < y + height; row++) {
    const start = row * image.width + x;
    image.y.fill(cy, start, start + width);
  }
  const cw = width >> 1;
  for (let row = y >> 1; row < (y + height) >> 1; row++) {
    const start = row * image.chromaWidth + (x >> 1);
    image.u.fill(cu, start, start + cw);
    image.v.fill(cv, start, start + cw);
  }
}

/** Copies a rectangle 1:1 from `source` (at sx, sy) into `target` (at dx, dy). */
export function copyRect(
  source: I420,
  sx: number,
  sy: number,
  target: I420,
  dx: number,
  dy: number,
  width: number,
  height: number,
): void {
  copyPlane(source.y, source.width, sx, sy, target.y, target.width, dx, dy, width, height);
  const [csx, csy, cdx, cdy, cw, ch] = [
    sx >> 1,
    sy >> 1,
    dx >> 1,
    dy >> 1,
    width >> 1,
    height >> 1,
  ];
  copyPlane(source.u, source.chromaWidth, csx, csy, target.u, target.chromaWidth, cdx, cdy, cw, ch);
  copyPlane(source.v, source.chromaWidth, csx, csy, target.v, target.chromaWidth, cdx, cdy, cw, ch);
}

function copyPlane(
  source: Uint8Array,
  sourceStride: number,
  sx: number,
  sy: number,
  target: Uint8Array,
  targetStride: number,
  dx: number,
  dy: number,
  width: number,
  height: number,
): void {
  for (let row = 0; row < height; row++) {
    const from = (sy + row) * sourceStride + sx;
    target.set(source.subarray(from, from + width), (dy + row) * targetStride + dx);
  }
}

/** Precomputed sampling positions for one plane. */
interface PlaneTables {
  width: number;
  height: number;
  x0: Int32Array;
  x1: Int32Array;
  /** Weight of x1, 0..256. */
  wx: Int32Array;
  y0: Int32Array;
  y1: Int32Array;
  wy: Int32Array;
}

/** How to resample a source of one size into a destination of another. */
export interface Scaler {
  sourceWidth: number;
  sourceHeight: number;
  width: number;
  height: number;
  smooth: boolean;
  luma: PlaneTables;
  chroma: PlaneTables;
}

/** The part of a source picture a scaler reads (the whole picture unless cropped). */
export interface SourceWindow {
  x: number;
  y: number;
  width: number;
  height: number;
}

function planeTables(window: SourceWindow, width: number, height: number): PlaneTables {
  const axis = (offset: number, sourceSize: number, size: number) => {
    const i0 = new Int32Array(size);
    const i1 = new Int32Array(size);
    const w = new Int32Array(size);
    const ratio = sourceSize / size;
    for (let i = 0; i < size; i++) {
      // Pixel centres: destination i samples the source at (i + 0.5)·ratio - 0.5.
      const position = Math.min(sourceSize - 1, Math.max(0, (i + 0.5) * ratio - 0.5));
      const base = Math.floor(position);
      i0[i] = offset + base;
      i1[i] = offset + Math.min(sourceSize - 1, base + 1);
      w[i] = Math.round((position - base) * 256);
    }
    return [i0, i1, w] as const;
  };
  const [x0, x1, wx] = axis(window.x, window.width, width);
  const [y0, y1, wy] = axis(window.y, window.height, height);
  return { width, height, x0, x1, wx, y0, y1, wy };
}

/**
 * Builds the tables to draw a `sourceWidth`×`sourceHeight` picture at
 * `width`×`height`; with `crop`, only that window of the source (even
 * coordinates keep the chroma planes aligned): a camera cropped to fill its cell.
 */
export function createScaler(
  sourceWidth: number,
  sourceHeight: number,
  width: number,
  height: number,
  smooth: boolean,
  crop: SourceWindow = { x: 0, y: 0, width: sourceWidth, height: sourceHeight },
): Scaler {
  const chromaCrop: SourceWindow = {
    x: crop.x >> 1,
    y: crop.y >> 1,
    width: Math.max(
      1,
      Math.min(Math.ceil(sourceWidth / 2) - (crop.x >> 1), Math.ceil(crop.width / 2)),
    ),
    height: Math.max(
      1,
      Math.min(Math.ceil(sourceHeight / 2) - (crop.y >> 1), Math.ceil(crop.height / 2)),
    ),
  };
  return {
    sourceWidth,
    sourceHeight,
    width,
    height,
    smooth,
    luma: planeTables(crop, width, height),
    chroma: planeTables(chromaCrop, width >> 1, height >> 1),
  };
}

/** Resamples all of `source` into `target` at (dx, dy) with a scaler built for these sizes. */
export function scaleInto(
  scaler: Scaler,
  source: I420,
  target: I420,
  dx: number,
  dy: number,
  smooth = scaler.smooth,
): void {
  const sample = smooth ? bilinearPlane : nearestPlane;
  sample(scaler.luma, source.y, source.width, target.y, target.width, dx, dy);
  sample(
    scaler.chroma,
    source.u,
    source.chromaWidth,
    target.u,
    target.chromaWidth,
    dx >> 1,
    dy >> 1,
  );
  sample(
    scaler.chroma,
    source.v,
    source.chromaWidth,
    target.v,
    target.chromaWidth,
    dx >> 1,
    dy >> 1,
  );
}

function nearestPlane(
  t: PlaneTables,
  source: Uint8Array,
  sourceStride: number,
  target: Uint8Array,
  targetStride: number,
  dx: number,
  dy: number,
): void {
  const { width, height, x0, wx, y0, wy } = t;
  for (let row = 0; row < height; row++) {
    const sy = (wy[row] ?? 0) >= 128 ? (t.y1[row] ?? 0) : (y0[row] ?? 0);
    const from = sy * sourceStride;
    let to = (dy + row) * targetStride + dx;
    for (let col = 0; col < width; col++) {
      const sx = (wx[col] ?? 0) >= 128 ? (t.x1[col] ?? 0) : (x0[col] ?? 0);
      target[to++] = source[from + sx] ?? 0;
    }
  }
}

function bilinearPlane(
  t: PlaneTables,
  source: Uint8Array,
  sourceStride: number,
  target: Uint8Array,
  targetStride: number,
  dx: number,
  dy: number,
): void {
  const { width, height, x0, x1, wx, y0, y1, wy } = t;
  for (let row = 0; row < height; row++) {
    const row0 = (y0[row] ?? 0) * sourceStride;
    const row1 = (y1[row] ?? 0) * sourceStride;
    const fy = wy[row] ?? 0;
    const gy = 256 - fy;
    let to = (dy + row) * targetStride + dx;
    for (let col = 0; col < width; col++) {
      const a = x0[col] ?? 0;
      const b = x1[col] ?? 0;
      const fx = wx[col] ?? 0;
      const gx = 256 - fx;
      const top = (source[row0 + a] ?? 0) * gx + (source[row0 + b] ?? 0) * fx;
      const bottom = (source[row1 + a] ?? 0) * gx + (source[row1 + b] ?? 0) * fx;
      target[to++] = (top * gy + bottom * fy + 32768) >> 16;
    }
  }
}

/** A translucent patch (labels) to blend over the picture, in YUV with alpha. */
export interface Overlay {
  width: number;
  height: number;
  image: I420;
  /** Alpha per luma pixel and per chroma pixel, 0..255. */
  alpha: Uint8Array;
  chromaAlpha: Uint8Array;
}

/** Converts RGBA pixels (not premultiplied, as getImageData gives them) into an overlay. */
export function overlayFromRgba(rgba: Uint8ClampedArray, width: number, height: number): Overlay {
  const image = createI420(width, height);
  rgbaToI420(rgba, width, height, image);
  const alpha = new Uint8Array(width * height);
  for (let i = 0; i < alpha.length; i++) alpha[i] = rgba[i * 4 + 3] ?? 0;
  const chromaAlpha = new Uint8Array(image.chromaWidth * image.chromaHeight);
  for (let cy = 0; cy < image.chromaHeight; cy++) {
    for (let cx = 0; cx < image.chromaWidth; cx++) {
      const x = cx * 2;
      const y = cy * 2;
      const x1 = Math.min(width - 1, x + 1);
      const y1 = Math.min(height - 1, y + 1);
      const sum =
        (alpha[y * width + x] ?? 0) +
        (alpha[y * width + x1] ?? 0) +
        (alpha[y1 * width + x] ?? 0) +
        (alpha[y1 * width + x1] ?? 0);
      chromaAlpha[cy * image.chromaWidth + cx] = (sum + 2) >> 2;
    }
  }
  return { width, height, image, alpha, chromaAlpha };
}

/** Blends an overlay over `target` at (dx, dy), clipped to `target`. */
export function blendOverlay(overlay: Overlay, target: I420, dx: number, dy: number): void {
  const width = Math.min(overlay.width, target.width - dx);
  const height = Math.min(overlay.height, target.height - dy);
  if (width <= 0 || height <= 0) return;
  blendPlane(
    overlay.image.y,
    overlay.alpha,
    overlay.width,
    target.y,
    target.width,
    dx,
    dy,
    width,
    height,
  );
  const [cdx, cdy, cw, ch] = [dx >> 1, dy >> 1, width >> 1, height >> 1];
  const stride = overlay.image.chromaWidth;
  blendPlane(
    overlay.image.u,
    overlay.chromaAlpha,
    stride,
    target.u,
    target.chromaWidth,
    cdx,
    cdy,
    cw,
    ch,
  );
  blendPlane(
    overlay.image.v,
    overlay.chromaAlpha,
    stride,
    target.v,
    target.chromaWidth,
    cdx,
    cdy,
    cw,
    ch,
  );
}

function blendPlane(
  source: Uint8Array,
  alpha: Uint8Array,
  sourceStride: number,
  target: Uint8Array,
  targetStride: number,
  dx: number,
  dy: number,
  width: number,
  height: number,
): void {
  for (let row = 0; row < height; row++) {
    let from = row * sourceStride;
    let to = (dy + row) * targetStride + dx;
    for (let col = 0; col < width; col++, from++, to++) {
      const a = alpha[from] ?? 0;
      if (a === 0) continue;
      const weight = a + (a >> 7); // 0..256
      target[to] = ((source[from] ?? 0) * weight + (target[to] ?? 0) * (256 - weight)) >> 8;
    }
  }
}

/** Converts RGBA (or RGBX) pixels into `target` (same size), averaging chroma over 2x2. */
export function rgbaToI420(
  rgba: Uint8ClampedArray | Uint8Array,
  width: number,
  height: number,
  target: I420,
  order: 'rgba' | 'bgra' = 'rgba',
): void {
  const [ri, bi] = order === 'rgba' ? [0, 2] : [2, 0];
  for (let i = 0, p = 0; i < width * height; i++, p += 4) {
    const r = rgba[p + ri] ?? 0;
    const g = rgba[p + 1] ?? 0;
    const b = rgba[p + bi] ?? 0;
    target.y[i] = ((66 * r + 129 * g + 25 * b + 128) >> 8) + 16;
  }
  for (let cy = 0; cy < target.chromaHeight; cy++) {
    for (let cx = 0; cx < target.chromaWidth; cx++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let k = 0; k < 4; k++) {
        const x = Math.min(width - 1, cx * 2 + (k & 1));
        const y = Math.min(height - 1, cy * 2 + (k >> 1));
        const p = (y * width + x) * 4;
        r += rgba[p + ri] ?? 0;
        g += rgba[p + 1] ?? 0;
        b += rgba[p + bi] ?? 0;
      }
      r >>= 2;
      g >>= 2;
      b >>= 2;
      const c = cy * target.chromaWidth + cx;
      target.u[c] = ((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128;
      target.v[c] = ((112 * r - 94 * g - 18 * b + 128) >> 8) + 128;
    }
  }
}

/** Converts NV12 planes (Y, then interleaved UV) into `target`. */
export function nv12ToI420(
  y: Uint8Array,
  yStride: number,
  uv: Uint8Array,
  uvStride: number,
  target: I420,
): void {
  copyPlane(y, yStride, 0, 0, target.y, target.width, 0, 0, target.width, target.height);
  for (let row = 0; row < target.chromaHeight; row++) {
    let from = row * uvStride;
    let to = row * target.chromaWidth;
    for (let col = 0; col < target.chromaWidth; col++, to++, from += 2) {
      target.u[to] = uv[from] ?? 128;
      target.v[to] = uv[from + 1] ?? 128;
    }
  }
}

/**
 * Converts rows [`rowStart`, `rowEnd`) of `source` (BT.601 limited range)
 * into RGBA pixels of the same size (alpha 255). Row ranges let a caller
 * spread one conversion over several frame ticks; `rowStart` must be even.
 *
 * Why in JS: `drawImage(videoFrame)` on the worker's 2D canvas was measured
 * blocking the calling thread for up to 0.5 s on a busy machine, during
 * which the worker's frame clock stood still.
 */
export function i420ToRgba(
  source: I420,
  rgba: Uint8ClampedArray,
  rowStart = 0,
  rowEnd = source.height,
): void {
  const { width, y: luma, u: cb, v: cr, chromaWidth } = source;
  const end = Math.min(rowEnd, source.height);
  for (let row = rowStart; row < end; row++) {
    const lumaRow = row * width;
    const chromaRow = (row >> 1) * chromaWidth;
    let p = lumaRow * 4;
    for (let col = 0; col < width; col++, p += 4) {
      // 8.8 fixed point: 298·(Y−16), 409·(V−128), −100·(U−128) − 208·(V−128), 516·(U−128).
      const c = 298 * ((luma[lumaRow + col] ?? 16) - 16) + 128;
      const chroma = chromaRow + (col >> 1);
      const d = (cb[chroma] ?? 128) - 128;
      const e = (cr[chroma] ?? 128) - 128;
      // A Uint8ClampedArray clamps to 0..255 on store.
      rgba[p] = (c + 409 * e) >> 8;
      rgba[p + 1] = (c - 100 * d - 208 * e) >> 8;
      rgba[p + 2] = (c + 516 * d) >> 8;
      rgba[p + 3] = 255;
    }
  }
}
