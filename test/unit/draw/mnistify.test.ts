import { describe, expect, test } from 'vitest';
import { inkFromRGBA, isBlank, mnistify, type Gray } from '../../../src/lib/draw/mnistify';

function canvas(width: number, height: number, ink: (x: number, y: number) => number): Gray {
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = ink(x, y);
  return { width, height, data };
}

function stats(d: Uint8Array, size = 28) {
  let x0 = size,
    y0 = size,
    x1 = -1,
    y1 = -1,
    mass = 0,
    cx = 0,
    cy = 0;
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const v = d[y * size + x];
      if (v > 0) {
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
      mass += v;
      cx += (x + 0.5) * v;
      cy += (y + 0.5) * v;
    }
  return { w: x1 - x0 + 1, h: y1 - y0 + 1, cx: cx / mass, cy: cy / mass };
}

describe('mnistify: a drawing becomes an MNIST-style 28×28 digit', () => {
  test('a blank drawing gives zeros', () => {
    const blank = canvas(280, 280, () => 0);
    expect(isBlank(blank)).toBe(true);
    expect(mnistify(blank).every((v) => v === 0)).toBe(true);
  });

  test('a tall stroke in a corner is scaled to 20 px high and centred by mass', () => {
    // A 20-wide, 200-tall bar in the top-left corner of a 280×280 pad.
    const img = canvas(280, 280, (x, y) => (x >= 10 && x < 30 && y >= 5 && y < 205 ? 255 : 0));
    expect(isBlank(img)).toBe(false);
    const d = mnistify(img);
    const s = stats(d);
    expect(s.h).toBe(20);
    expect(s.w).toBe(2);
    expect(Math.abs(s.cx - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(s.cy - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.max(...d)).toBe(255);
  });

  test('a wide shape keeps its aspect ratio: 20 px wide', () => {
    const img = canvas(100, 100, (x, y) => (x >= 0 && x < 80 && y >= 50 && y < 90 ? 200 : 0));
    const s = stats(mnistify(img));
    expect(s.w).toBe(20);
    expect(s.h).toBe(10);
  });

  test('ink is read from the alpha channel of RGBA canvas pixels', () => {
    const rgba = new Uint8ClampedArray([0, 0, 0, 255, 0, 0, 0, 0, 10, 10, 10, 128, 0, 0, 0, 3]);
    expect(Array.from(inkFromRGBA(rgba, 2, 2).data)).toEqual([255, 0, 128, 3]);
  });
});
