/**
 * Turns a drawing into an MNIST-style digit, the way the MNIST set was made: the ink's bounding box is scaled (area
 * averaging, aspect kept) so its longer side is 20/28 of the output, then placed so the ink's centre of mass sits at
 * the centre of the output. Pure: no DOM, so it runs and is tested anywhere.
 */

export interface Gray {
  width: number;
  height: number;
  /** Ink intensity 0..255 per pixel, row-major (255 = full ink, as MNIST's white digit on black). */
  data: Uint8Array | Uint8ClampedArray;
}

/** Ink below this intensity does not count for the bounding box (anti-aliasing fringe). */
const INK_THRESHOLD = 16;

/** Ink intensity from RGBA canvas pixels drawn dark-on-light or light-on-dark: the alpha channel when used, else luminance. */
export function inkFromRGBA(rgba: Uint8ClampedArray | Uint8Array, width: number, height: number): Gray {
  const data = new Uint8Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = rgba[i * 4 + 3];
  return { width, height, data };
}

export function isBlank(img: Gray): boolean {
  for (let i = 0; i < img.data.length; i++) if (img.data[i] >= INK_THRESHOLD) return false;
  return true;
}

/**
 * The MNIST-style `size`×`size` digit (default 28). A blank drawing gives all zeros.
 * `box` is the side of the scaled ink box (MNIST: 20 of 28).
 */
export function mnistify(img: Gray, size = 28, box = Math.round((size * 20) / 28)): Uint8Array {
  const out = new Uint8Array(size * size);
  let x0 = img.width;
  let y0 = img.height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      if (img.data[y * img.width + x] >= INK_THRESHOLD) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  if (x1 < 0) return out;
  const bw = x1 - x0 + 1;
  const bh = y1 - y0 + 1;
  const scale = box / Math.max(bw, bh);
  const sw = Math.max(1, Math.round(bw * scale));
  const sh = Math.max(1, Math.round(bh * scale));

  // Area-averaging resample of the box into sw×sh: each output pixel averages the source area it covers.
  const scaled = new Float32Array(sw * sh);
  const fx = bw / sw;
  const fy = bh / sh;
  for (let oy = 0; oy < sh; oy++) {
    const sy0 = y0 + oy * fy;
    const sy1 = sy0 + fy;
    for (let ox = 0; ox < sw; ox++) {
      const sx0 = x0 + ox * fx;
      const sx1 = sx0 + fx;
      let sum = 0;
      let area = 0;
      for (let y = Math.floor(sy0); y < Math.ceil(sy1); y++) {
        const wy = Math.min(y + 1, sy1) - Math.max(y, sy0);
        if (wy <= 0) continue;
        for (let x = Math.floor(sx0); x < Math.ceil(sx1); x++) {
          const wx = Math.min(x + 1, sx1) - Math.max(x, sx0);
          if (wx <= 0) continue;
          sum += img.data[y * img.width + x] * wx * wy;
          area += wx * wy;
        }
      }
      scaled[oy * sw + ox] = area > 0 ? sum / area : 0;
    }
  }

  // Centre of mass of the scaled ink, moved to the output's centre (clamped so the box stays inside).
  let mass = 0;
  let cx = 0;
  let cy = 0;
  for (let y = 0; y < sh; y++) {
    for (let x = 0; x < sw; x++) {
      const v = scaled[y * sw + x];
      mass += v;
      cx += (x + 0.5) * v;
      cy += (y + 0.5) * v;
    }
  }
  cx /= mass;
  cy /= mass;
  const left = Math.min(Math.max(Math.round(size / 2 - cx), 0), size - sw);
  const top = Math.min(Math.max(Math.round(size / 2 - cy), 0), size - sh);
  for (let y = 0; y < sh; y++) {
    for (let x = 0; x < sw; x++)
      out[(top + y) * size + left + x] = Math.round(Math.min(255, scaled[y * sw + x]));
  }
  return out;
}
