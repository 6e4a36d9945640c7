/**
 * The drawing pad's picture as the model's input: the canvas's ink made into an MNIST-style digit (draw/mnistify.ts),
 * then fitted to the model's input shape. Pure: the pad hands in its pixels and sends what comes back.
 */
import { inkFromRGBA, isBlank, mnistify } from '../draw/mnistify';

/**
 * The model's input (height × width × depth bytes) for a `size`×`size` RGBA drawing, or null when nothing is drawn.
 * A model fed another shape gets the same digit, resampled square and repeated over the channels.
 */
export function drawingInput(
  rgba: Uint8ClampedArray | Uint8Array,
  size: number,
  shape: [number, number, number],
): Uint8Array | null {
  const ink = inkFromRGBA(rgba, size, size);
  if (isBlank(ink)) return null;
  const [h, w, d] = shape;
  const gray = mnistify(ink, h);
  if (w === h && d === 1) return gray;
  const pixels = new Uint8Array(h * w * d);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let k = 0; k < d; k++)
        pixels[(y * w + x) * d + k] = gray[y * h + Math.min(h - 1, Math.floor((x * h) / w))];
  return pixels;
}
