import { describe, expect, it } from 'vitest';
import {
  blendOverlay,
  copyRect,
  createI420,
  createScaler,
  fillRect,
  hexToYuv,
  i420Size,
  i420ToRgba,
  nv12ToI420,
  overlayFromRgba,
  rgbaToI420,
  rgbToYuv,
  scaleInto,
  type I420,
} from '../../src/i420';

/** A picture whose luma is its x coordinate and whose chroma is constant. */
function ramp(width: number, height: number): I420 {
  const image = createI420(width, height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) image.y[y * width + x] = x;
  image.u.fill(100);
  image.v.fill(150);
  return image;
}

const lumaAt = (image: I420, x: number, y: number) => image.y[y * image.width + x];

describe('I420 pictures', () => {
  it('lays out three tightly packed planes', () => {
    const image = createI420(6, 4);
    expect(i420Size(6, 4)).toBe(24 + 6 + 6);
    expect(image.data.length).toBe(36);
    expect([image.y.length, image.u.length, image.v.length]).toEqual([24, 6, 6]);
    expect(image.u.byteOffset).toBe(24);
    expect(image.v.byteOffset).toBe(30);
  });

  it('converts BT.601 limited-range colours', () => {
    expect(rgbToYuv(0, 0, 0)).toEqual([16, 128, 128]);
    expect(rgbToYuv(255, 255, 255)).toEqual([235, 128, 128]);
    expect(hexToYuv('#ff0000')).toEqual([82, 90, 240]);
  });

  it('fills a rectangle in all three planes', () => {
    const image = createI420(8, 8);
    fillRect(image, 2, 2, 4, 4, [200, 10, 20]);
    expect(lumaAt(image, 2, 2)).toBe(200);
    expect(lumaAt(image, 5, 5)).toBe(200);
    expect(lumaAt(image, 1, 2)).toBe(0);
    expect(lumaAt(image, 6, 6)).toBe(0);
    expect(image.u[1 * 4 + 1]).toBe(10);
    expect(image.v[2 * 4 + 2]).toBe(20);
    expect(image.u[0]).toBe(0);
  });

  it('copies a rectangle 1:1', () => {
    const source = ramp(16, 8);
    const target = createI420(16, 16);
    copyRect(source, 4, 2, target, 2, 6, 8, 4);
    expect(lumaAt(target, 2, 6)).toBe(4);
    expect(lumaAt(target, 9, 9)).toBe(11);
    expect(lumaAt(target, 10, 9)).toBe(0);
    expect(target.u[(6 / 2) * 8 + 1]).toBe(100);
    expect(target.v[(9 >> 1) * 8 + 4]).toBe(150);
  });

  it('resamples a constant picture to the same constant, nearest or bilinear', () => {
    const source = createI420(64, 36);
    source.y.fill(90);
    source.u.fill(60);
    source.v.fill(200);
    for (const smooth of [true, false]) {
      const target = createI420(100, 60);
      scaleInto(createScaler(64, 36, 42, 24, smooth), source, target, 10, 20);
      expect(lumaAt(target, 10, 20)).toBe(90);
      expect(lumaAt(target, 51, 43)).toBe(90);
      expect(lumaAt(target, 52, 43)).toBe(0);
      expect(target.u[10 * 50 + 5]).toBe(60);
      expect(target.v[21 * 50 + 25]).toBe(200);
    }
  });

  it('halves a ramp: both samplers land between source pixel pairs', () => {
    const source = ramp(8, 2);
    const smooth = createI420(4, 2);
    scaleInto(createScaler(8, 2, 4, 2, true), source, smooth, 0, 0);
    expect(Array.from(smooth.y.subarray(0, 4))).toEqual([1, 3, 5, 7]);
    const nearest = createI420(4, 2);
    scaleInto(createScaler(8, 2, 4, 2, false), source, nearest, 0, 0);
    expect(Array.from(nearest.y.subarray(0, 4))).toEqual([1, 3, 5, 7]);
  });

  it('reads only the crop window: a 1:1 crop copies that window, a halved one samples it', () => {
    const source = ramp(8, 4);
    source.y.forEach((_, i) => (source.y[i] = i));
    source.u.set([10, 20, 30, 40, 50, 60, 70, 80]);
    const copied = createI420(4, 2);
    scaleInto(
      createScaler(8, 4, 4, 2, true, { x: 2, y: 2, width: 4, height: 2 }),
      source,
      copied,
      0,
      0,
    );
    expect(Array.from(copied.y)).toEqual([18, 19, 20, 21, 26, 27, 28, 29]);
    // Chroma of the window's (1, 1) 2x1 block.
    expect(Array.from(copied.u)).toEqual([60, 70]);
    const halved = createI420(2, 2);
    scaleInto(
      createScaler(8, 4, 2, 2, false, { x: 4, y: 0, width: 4, height: 4 }),
      source,
      halved,
      0,
      0,
    );
    expect(Array.from(halved.y)).toEqual([13, 15, 29, 31]);
  });

  it('enlarges 2x with interpolated luma between source pixels', () => {
    const source = ramp(4, 2);
    source.y.set([0, 100, 200, 200, 0, 100, 200, 200]);
    const target = createI420(8, 4);
    scaleInto(createScaler(4, 2, 8, 4, true), source, target, 0, 0);
    expect(Array.from(target.y.subarray(0, 8))).toEqual([0, 25, 75, 125, 175, 200, 200, 200]);
  });

  it('blends an overlay by its alpha and leaves transparent pixels alone', () => {
    const rgba = new Uint8ClampedArray(4 * 4 * 2);
    for (let i = 0; i < 8; i++) rgba.set(i < 4 ? [255, 255, 255, 255] : [255, 255, 255, 0], i * 4);
    const overlay = overlayFromRgba(rgba, 4, 2);
    const target = createI420(8, 4);
    target.y.fill(16);
    target.u.fill(128);
    target.v.fill(128);
    blendOverlay(overlay, target, 2, 2);
    expect(lumaAt(target, 2, 2)).toBe(235);
    expect(lumaAt(target, 5, 2)).toBe(235);
    expect(lumaAt(target, 2, 3)).toBe(16);
    expect(lumaAt(target, 0, 2)).toBe(16);
    // Half the 2x2 block is opaque: chroma stays neutral (white and black share it).
    expect(target.u[1 * 4 + 1]).toBe(128);
  });

  it('clips an overlay at the picture edge', () => {
    const rgba = new Uint8ClampedArray(4 * 4 * 4).fill(255);
    const target = createI420(4, 4);
    blendOverlay(overlayFromRgba(rgba, 4, 4), target, 2, 2);
    expect(lumaAt(target, 3, 3)).toBe(235);
    expect(lumaAt(target, 1, 1)).toBe(0);
  });

  it('converts RGBA and BGRA pictures, averaging chroma over 2x2', () => {
    const red = new Uint8ClampedArray(2 * 2 * 4);
    for (let i = 0; i < 4; i++) red.set([255, 0, 0, 255], i * 4);
    const image = createI420(2, 2);
    rgbaToI420(red, 2, 2, image);
    expect([image.y[0], image.u[0], image.v[0]]).toEqual(hexToYuv('#ff0000'));
    rgbaToI420(red, 2, 2, image, 'bgra');
    expect([image.y[0], image.u[0], image.v[0]]).toEqual(hexToYuv('#0000ff'));
  });

  it('converts NV12 with padded strides', () => {
    const width = 4;
    const height = 2;
    const y = new Uint8Array([1, 2, 3, 4, 0, 0, 5, 6, 7, 8, 0, 0]);
    const uv = new Uint8Array([10, 20, 30, 40, 0, 0]);
    const image = createI420(width, height);
    nv12ToI420(y, 6, uv, 6, image);
    expect(Array.from(image.y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(Array.from(image.u)).toEqual([10, 30]);
    expect(Array.from(image.v)).toEqual([20, 40]);
  });
});

describe('i420ToRgba', () => {
  it('inverts rgbaToI420 within rounding, alpha opaque', () => {
    const colours = [
      [0, 0, 0],
      [255, 255, 255],
      [200, 30, 60],
      [20, 180, 90],
      [40, 60, 220],
    ] as const;
    const width = colours.length * 2;
    const rgba = new Uint8ClampedArray(width * 2 * 4);
    colours.forEach(([r, g, b], i) => {
      for (const p of [2 * i, 2 * i + 1, width + 2 * i, width + 2 * i + 1])
        rgba.set([r, g, b, 255], p * 4);
    });
    const image = createI420(width, 2);
    rgbaToI420(rgba, width, 2, image);
    const back = new Uint8ClampedArray(rgba.length);
    i420ToRgba(image, back);
    for (let i = 0; i < rgba.length; i++)
      expect(Math.abs((back[i] ?? 0) - (rgba[i] ?? 0))).toBeLessThanOrEqual(3);
  });

  it('converts only the rows asked for, which together give the whole picture', () => {
    const image = ramp(16, 8);
    const whole = new Uint8ClampedArray(16 * 8 * 4);
    i420ToRgba(image, whole);
    const banded = new Uint8ClampedArray(whole.length);
    i420ToRgba(image, banded, 0, 4);
    expect(banded[16 * 4 * 4 + 3]).toBe(0);
    i420ToRgba(image, banded, 4, 8);
    expect(banded).toEqual(whole);
  });
});
